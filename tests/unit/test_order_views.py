"""What an order stores of a request (loyalty.orders.models: `changes`, `OrderItem.stored`) and how a stored order is
answered (loyalty.orders.views) and read by the earning engine (loyalty.orders.records.engine_order): one rule for the
computed amounts (earning-map §1.2, E5, E32)."""

from __future__ import annotations

from typing import Any

from loyalty.orders.models import OrderCreate, OrderItem, OrderUpdate
from loyalty.orders.records import OrderData, engine_order
from loyalty.orders.views import item_view, order_view, orders_list_view


def _stored(body: dict[str, Any], **extra: Any) -> OrderData:
    base: dict[str, Any] = {"id": "ord_01", "status": "CREATED", "created_at": "2026-03-04T10:00:00.000Z", "customer_id": None,
                            "referrer_id": None, **OrderCreate.model_validate(body).changes(), **extra}
    return base  # type: ignore[return-value]


def test_an_item_stores_what_was_sent_with_price_and_amount_filled_in() -> None:
    assert OrderItem.model_validate({"quantity": 2, "price": 300}).stored() == {"quantity": 2, "price": 300, "amount": 600}
    assert OrderItem.model_validate({"quantity": 3, "sku": {"price": 100.0}, "product": {"price": 999}}).stored()["price"] == 100
    assert OrderItem.model_validate({"quantity": 1, "product": {"price": 250}}).stored()["amount"] == 250
    fractional = OrderItem.model_validate({"quantity": 1, "product": {"price": 2.5}}).stored()
    assert "price" not in fractional and "amount" not in fractional
    assert OrderItem.model_validate({"quantity": 2, "price": 300, "amount": 500}).stored()["amount"] == 500  # as sent
    assert OrderItem.model_validate({"object": "order_item", "sku_id": "sku_1"}).stored() == {"sku_id": "sku_1"}  # E32


def test_changes_are_the_fields_sent_and_nulls_leave_a_field_unchanged() -> None:
    assert OrderUpdate.model_validate({"status": "PAID", "amount": None, "metadata": None}).changes() == {"status": "PAID"}
    assert OrderUpdate.model_validate({"items": [], "metadata": {}}).changes() == {"items": [], "metadata": {}}
    changes = OrderCreate.model_validate({"id": "ord_1", "source_id": "s", "customer": {"source_id": "c"}, "referrer_id": "cust_1",
                                          "created_at": "2026-03-04T10:00:00Z"}).changes()
    assert changes == {"source_id": "s", "created_at": "2026-03-04T10:00:00.000Z"}  # ids and people are the service's


def test_the_view_computes_the_amounts_as_the_engine_reads_them() -> None:
    order = _stored({"amount": 10_000, "discount_amount": 500, "initial_amount": 11_000,
                     "items": [{"quantity": 2, "price": 3000, "discount_amount": 1000}, {"quantity": 1, "price": 4000}]})
    view = order_view(order)
    assert (view["amount"], view["initial_amount"], view["discount_amount"], view["items_discount_amount"],
            view["total_discount_amount"], view["total_amount"]) == (10_000, 11_000, 500, 1000, 1500, 8500)
    engine = engine_order(order)
    assert (engine.pre_discount(), engine.post_discount()) == (view["amount"], view["total_amount"])
    assert [(i["amount"], i["subtotal_amount"], i["object"]) for i in view["items"]] == [(6000, 5000, "order_item"), (4000, 4000, "order_item")]
    assert [i.line_amount() for i in engine.items] == [6000, 4000]


def test_without_an_amount_the_order_amount_is_the_sum_of_its_items() -> None:
    view = order_view(_stored({"items": [{"quantity": 2, "price": 300}, {"amount": 50}, {"quantity": 1}]}))
    assert (view["amount"], view["total_amount"]) == (650, 650)
    assert "subtotal_amount" not in view["items"][2]
    empty = order_view(_stored({}))
    assert (empty["amount"], empty["total_amount"], empty["items"], empty["metadata"]) == (0, 0, [], {})
    assert "initial_amount" not in empty and "customer" not in empty and "referrer" not in empty
    assert (empty["customer_id"], empty["referrer_id"], empty["source_id"], empty["updated_at"]) == (None, None, None, None)


def test_people_are_answered_as_id_objects_and_every_number_is_an_integer() -> None:
    view = order_view(_stored({"amount": 1}, customer_id="cust_a", referrer_id="cust_b"))
    assert view["customer"] == {"id": "cust_a", "object": "customer"} and view["referrer"] == {"id": "cust_b", "object": "customer"}
    assert list(view)[-1] == "object" and view["object"] == "order"
    assert all(isinstance(v, int) and not isinstance(v, bool) for k, v in view.items() if k.endswith("amount"))
    assert orders_list_view([], 0) == {"object": "list", "data_ref": "orders", "orders": [], "total": 0}


def test_an_item_view_keeps_its_product_sku_and_metadata() -> None:
    stored = OrderItem.model_validate({"source_id": "p-1", "related_object": "product", "quantity": 1,
                                       "product": {"id": "prod_1", "name": "P", "price": 10, "metadata": {"c": 1}},
                                       "metadata": {"gift": True}}).stored()
    view = item_view(stored)
    assert view == {"object": "order_item", "related_object": "product", "source_id": "p-1", "quantity": 1, "amount": 10,
                    "price": 10, "subtotal_amount": 10, "product": {"id": "prod_1", "name": "P", "price": 10, "metadata": {"c": 1}},
                    "metadata": {"gift": True}}
    assert engine_order(_stored({"items": [stored]})).items[0].product_id == "prod_1"  # E23: the product's Voucherify id
