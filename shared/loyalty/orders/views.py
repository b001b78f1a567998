"""Response shapes of orders: `ord:OrderCalculated` with its computed amounts and `order_item` items, and the orders list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loyalty.orders.records import OrderData, engine_order

ITEM_FIELDS = ("sku_id", "product_id", "related_object", "source_id", "quantity", "discount_quantity", "initial_quantity", "amount",
               "discount_amount", "initial_amount", "price")


def item_view(item: Mapping[str, Any]) -> dict[str, Any]:
    """An order item as `ord:OrderCalculatedItem`: the fields stored, `subtotal_amount` = amount - discount_amount (when the
    amount is known), `object: order_item` (earning-map E32)."""
    out: dict[str, Any] = {"object": "order_item"}
    out.update({name: item[name] for name in ITEM_FIELDS if item.get(name) is not None})
    if item.get("amount") is not None:
        out["subtotal_amount"] = item["amount"] - (item.get("discount_amount") or 0)
    for nested in ("product", "sku", "metadata"):
        if item.get(nested) is not None:
            out[nested] = item[nested]
    return out


def _ref(customer_id: str | None) -> dict[str, str] | None:
    return {"id": customer_id, "object": "customer"} if customer_id else None


def order_view(order: OrderData) -> dict[str, Any]:
    """An order as `ord:OrderCalculated`: `amount` (as sent, else the sum of the items' amounts), the discounts and
    `total_amount` = amount - discount_amount - Σ items.discount_amount (earning-map §1.2, the engine's own rule), items,
    the customer and referrer as `{id, object}`, integers throughout."""
    engine = engine_order(order)
    items = order.get("items") or []
    discount = order.get("discount_amount") or 0
    items_discount = sum(item.get("discount_amount") or 0 for item in items)
    out: dict[str, Any] = {
        "id": order["id"],
        "source_id": order.get("source_id"),
        "created_at": order["created_at"],
        "updated_at": order.get("updated_at"),
        "status": order["status"],
        "amount": engine.pre_discount(),
    }
    if order.get("initial_amount") is not None:
        out["initial_amount"] = order["initial_amount"]
    out.update({
        "discount_amount": discount,
        "items_discount_amount": items_discount,
        "total_discount_amount": discount + items_discount,
        "total_amount": engine.post_discount(),
        "items": [item_view(item) for item in items],
        "metadata": order.get("metadata") or {},
    })
    # `customer` / `referrer` are `{id, object}` and not nullable in the spec: left out when the order has none
    for name, ref in (("customer", _ref(order.get("customer_id"))), ("referrer", _ref(order.get("referrer_id")))):
        if ref is not None:
            out[name] = ref
    out.update({"customer_id": order.get("customer_id"), "referrer_id": order.get("referrer_id"), "object": "order"})
    return out


def orders_list_view(orders: list[OrderData], total: int) -> dict[str, Any]:
    """`ord:OrdersListResponseBody`: `{object: list, data_ref: orders, orders, total}`."""
    return {"object": "list", "data_ref": "orders", "orders": [order_view(o) for o in orders], "total": total}
