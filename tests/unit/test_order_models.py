"""The request bodies of POST /v1/orders, PUT /v1/orders/{orderId} and POST /v1/events (loyalty.orders.models): the spec's
examples pass, every documented bad input is a ValidationError naming the property, and the converted records earn through
the engine."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from loyalty.components.models import EarningRuleCreate, earning_rule_object
from loyalty.core.fields import MAX_SAFE_INT
from loyalty.earning.engine import evaluate
from loyalty.earning.records import CUSTOM_EVENT, ORDER_PAID, Card, EarningContext, Membership
from loyalty.events.models import EventCreate
from loyalty.events.records import CustomEvent, engine_event
from loyalty.orders.models import MAX_ITEMS, OrderCreate, OrderUpdate

NOW = "2026-03-04T12:00:00.000Z"
MEMBER = Membership("lmbr_01", "lprg_01", "Club", (Card("lcrd_01", "lcdef_0a"),))
MINIMAL = {"source_id": "o-1", "status": "PAID", "amount": 3500, "customer": {"source_id": "c-1"}}


# The request examples of the trimmed specs (../shared/reference/voucherify-openapi/orders.json and events.json), verbatim:
# the committed reference extract (tests/reference/) holds only the documents of deployed routes.
CREATE_ORDER_EXAMPLES: list[dict[str, Any]] = [{"amount": 20000,
  "customer": {"source_id": "sample_customer"},
  "status": "PAID",
  "items": [{"quantity": 1,
             "price": 20000,
             "source_id": "sample product1",
             "related_object": "product",
             "product": {"metadata": {"key": "value"}}}]},
 {"source_id": "new",
  "status": "FULFILLED",
  "metadata": {"location_id": ["L1", "L2"], "payment_mean": ["paypal", "credit-card"]},
  "customer": {"source_id": "bob.smith.1@email.com",
               "name": "Bob Smith",
               "description": "A nice customer",
               "email": "bob.smith.1@email.com",
               "phone": "+1 933 222 3333",
               "address": {"city": "New York",
                           "country": "United Statese",
                           "line_1": "123 Main St",
                           "line_2": "APT 3 BLG 4",
                           "postal_code": "10001",
                           "state": "NY"},
               "metadata": {"lang": "en", "test": False},
               "birthdate": "2022-01-02"},
  "referrer": {"source_id": "jane.smith@email.com",
               "name": "Jane Smith",
               "description": "A really nice customer",
               "email": "jane.smith@email.com",
               "phone": "+1 933 222 3334",
               "address": {"city": "New York",
                           "country": "United States",
                           "line_1": "123 Main St.",
                           "line_2": "APT 3 BLG 4",
                           "postal_code": "10001",
                           "state": "NY"},
               "metadata": {"lang": "en", "test": False},
               "birthday": "2022-03-03"},
  "items": [{"source_id": "prod_1",
             "related_object": "product",
             "quantity": 2,
             "product": {"name": "Apple iPhone 12", "price": 60000, "metadata": {"color": ["purple"], "vendor": "mall"}, "override": True}},
            {"source_id": "ComicBook_1",
             "related_object": "sku",
             "quantity": 1,
             "product": {"source_id": "Books",
                         "name": "Comic Books1",
                         "price": 2100,
                         "metadata": {"color": ["silver"], "vendor": "Bookstore1"},
                         "override": True},
             "sku": {"sku": "Comics1",
                     "source_id": "ComicBook_1",
                     "price": 1700,
                     "metadata": {"color": ["golden"], "vendor": "islands"},
                     "override": True}}]}]
UPDATE_ORDER_EXAMPLES: list[dict[str, Any]] = [{"status": "CANCELED"}]
TRACK_EVENT_EXAMPLES: list[dict[str, Any]] = [{"event": "event-name",
  "customer": {"source_id": "referee-source_id"},
  "referral": {"code": "voucher-code", "referrer_id": "referrer-source_id"}},
 {"event": "user_subscribed",
  "customer": {"source_id": "source_customer_event"},
  "referral": {"code": "46jL0kYI", "referrer_id": "cust_Vzck5i8U3OhcEUFY6MKhN9Rv"},
  "metadata": {"login": "bob", "pricing_plan": "PP1", "volume_number": 4}},
 {"event": "cart_abandoned",
  "customer": {"source_id": "source_customer_event"},
  "loyalty": {"code": "6CB4KDAu"},
  "metadata": {"date": "2022-12-01", "flag": True, "text": "Cart abandoned event", "date_time": "2022-12-01T09:24:33.061Z", "number": 1}}]


def _error(model: Any, body: Any) -> tuple[tuple[str | int, ...], str]:
    """The first error's location and message of a body the model refuses."""
    with pytest.raises(ValidationError) as err:
        model.model_validate(body)
    first = err.value.errors()[0]
    return first["loc"], first["msg"]


def _with(path: tuple[str | int, ...], value: Any, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of `body` (default: a full item order) with the value at `path` set."""
    out = copy.deepcopy(body if body is not None else FULL)
    node: Any = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


FULL: dict[str, Any] = {
    "id": "ord_0123abcDEF", "source_id": "o-2", "status": "PAID", "amount": 10_000, "initial_amount": 10_000,
    "discount_amount": 500, "created_at": "2026-03-04T10:00:00Z", "metadata": {"store": "S1"},
    "customer": {"source_id": "c-1", "name": "Bob", "metadata": {"vip": True}},
    "referrer_id": "cust_0a", "referrer": {"id": "cust_0a"},
    "items": [{"product_id": "prod_0a", "sku_id": "sku_0a", "quantity": 2, "price": 3000, "amount": 6000, "discount_amount": 1000,
               "metadata": {"colour": "red"}},
              {"source_id": "p-9", "related_object": "sku", "quantity": 1, "price": 4000,
               "product": {"id": "prod_0b", "name": "P", "price": 4000.5, "override": True, "metadata": {}},
               "sku": {"id": "sku_0b", "sku": "S", "price": 4000, "metadata": {"k": 1}}}],
}


# ---------------------------------------------------------------------------------------------- valid bodies
@pytest.mark.parametrize("body", CREATE_ORDER_EXAMPLES)
def test_the_spec_examples_of_create_order_are_valid(body: dict[str, Any]) -> None:
    assert OrderCreate.model_validate(body).status in ("PAID", "FULFILLED")


def test_the_spec_example_of_update_order_is_valid() -> None:
    (body,) = UPDATE_ORDER_EXAMPLES
    assert OrderUpdate.model_validate(body).status == "CANCELED"


@pytest.mark.parametrize("body", TRACK_EVENT_EXAMPLES)
def test_the_spec_examples_of_track_event_are_valid(body: dict[str, Any]) -> None:
    assert EventCreate.model_validate(body).event == body["event"]


def test_minimal_and_full_orders() -> None:
    assert OrderCreate.model_validate({}).status is None  # an empty order is valid (a CREATED order without customer)
    assert OrderCreate.model_validate(MINIMAL).amount == 3500
    full = OrderCreate.model_validate(FULL)
    assert full.items is not None and full.items[1].product is not None and full.items[1].product.price == 4000.5
    assert full.created_at == "2026-03-04T10:00:00.000Z"
    assert OrderUpdate.model_validate({"status": "PAID", "amount": 0, "items": []}).amount == 0
    assert len(OrderCreate.model_validate({"items": [{}] * MAX_ITEMS}).items or ()) == MAX_ITEMS
    assert OrderCreate.model_validate({"amount": MAX_SAFE_INT}).amount == MAX_SAFE_INT


# ---------------------------------------------------------------------------------------------- bad orders
BAD_ORDERS = [
    # amounts: negative, fractional, strings, booleans, beyond 2^53-1
    (("amount",), -1, ("amount",), "Input should be greater than or equal to 0"),
    (("amount",), 10.5, ("amount",), "Input should be a valid integer"),
    (("amount",), 100.0, ("amount",), "Input should be a valid integer"),
    (("amount",), "100", ("amount",), "Input should be a valid integer"),
    (("amount",), True, ("amount",), "Input should be a valid integer"),
    (("amount",), MAX_SAFE_INT + 1, ("amount",), "Input should be less than or equal to 9007199254740991"),
    (("initial_amount",), -5, ("initial_amount",), "Input should be greater than or equal to 0"),
    (("discount_amount",), 1.5, ("discount_amount",), "Input should be a valid integer"),
    # status
    (("status",), "REFUNDED", ("status",), "Input should be 'CREATED', 'PAID', 'CANCELED' or 'FULFILLED'"),
    (("status",), "paid", ("status",), "Input should be 'CREATED', 'PAID', 'CANCELED' or 'FULFILLED'"),
    # ids
    (("id",), "12345", ("id",), "String should match pattern '^ord_[A-Za-z0-9]+$'"),
    (("source_id",), "", ("source_id",), "String should have at least 1 character"),
    (("source_id",), 7, ("source_id",), "Input should be a valid string"),
    # items
    (("items",), {"quantity": 1}, ("items",), "Input should be a valid list"),
    (("items", 0), "prod_0a", ("items", 0), "Input should be a valid dictionary or instance of OrderItem"),
    (("items", 0, "quantity"), -1, ("items", 0, "quantity"), "Input should be greater than or equal to 0"),
    (("items", 0, "quantity"), 1.5, ("items", 0, "quantity"), "Input should be a valid integer"),
    (("items", 0, "price"), -100, ("items", 0, "price"), "Input should be greater than or equal to 0"),
    (("items", 0, "amount"), "6000", ("items", 0, "amount"), "Input should be a valid integer"),
    (("items", 0, "discount_amount"), -1, ("items", 0, "discount_amount"), "Input should be greater than or equal to 0"),
    (("items", 0, "related_object"), "voucher", ("items", 0, "related_object"), "Input should be 'product' or 'sku'"),
    (("items", 0, "colour"), "red", ("items", 0, "colour"), "Extra inputs are not permitted"),
    (("items", 1, "product", "price"), -1, ("items", 1, "product", "price", "constrained-int"),
     "Input should be greater than or equal to 0"),
    (("items", 1, "product", "override"), "yes", ("items", 1, "product", "override"), "Input should be a valid boolean"),
    (("items", 1, "sku"), "sku_0b", ("items", 1, "sku"), "Input should be a valid dictionary or instance of ItemSku"),
    # unknown fields (total_amount is computed, never sent: earning-map §1.2)
    (("total_amount",), 9500, ("total_amount",), "Extra inputs are not permitted"),
    (("object",), "order", ("object",), "Extra inputs are not permitted"),
    # customer and referrer shapes
    (("customer",), "c-1", ("customer",), "Input should be a valid dictionary or instance of MemberCustomer"),
    (("customer",), {"name": "Bob"}, ("customer",), "Value error, 'customer' must have property 'id' or 'source_id'"),
    (("customer", "source_id"), 12, ("customer", "source_id"), "Input should be a valid string"),
    (("customer", "birthdate"), "04/03/2026", ("customer", "birthdate"), "Value error, must be a date YYYY-MM-DD"),
    (("customer", "nickname"), "B", ("customer", "nickname"), "Extra inputs are not permitted"),
    (("referrer",), ["cust_0a"], ("referrer",), "Input should be a valid dictionary or instance of MemberCustomer"),
    (("referrer_id",), 5, ("referrer_id",), "Input should be a valid string"),
    (("created_at",), "yesterday", ("created_at",), "Value error, must be an ISO 8601 date-time"),
    # metadata: the one policy, on the order, its items, their products and SKUs and the customer
    (("metadata",), ["a"], ("metadata",), "Input should be a valid dictionary"),
    (("metadata",), {"n": 2**53}, ("metadata", "n"), "must be an integer between -9007199254740991 and 9007199254740991"),
    (("metadata",), {"": 1}, ("metadata",), "must not have an empty key"),
    (("items", 0, "metadata"), {"x": float("nan")}, ("items", 0, "metadata", "x"),
     "must be a finite number, 0 or between 1e-130 and 9.99e125 in magnitude"),
    (("items", 1, "product", "metadata"), {"": 1}, ("items", 1, "product", "metadata"), "must not have an empty key"),
    (("items", 1, "sku", "metadata"), "red", ("items", 1, "sku", "metadata"), "Input should be a valid dictionary"),
    (("customer", "metadata"), {"blob": "x" * 40_000}, ("customer", "metadata"),
     "must not be larger than 32 KB as JSON (it takes 40011 bytes)"),
]


@pytest.mark.parametrize(("path", "value", "loc", "msg"), BAD_ORDERS, ids=[f"{'.'.join(map(str, c[0]))}={c[1]!r:.20}" for c in BAD_ORDERS])
def test_bad_orders_are_refused_with_the_property_and_a_readable_message(
        path: tuple[str | int, ...], value: Any, loc: tuple[str | int, ...], msg: str) -> None:
    assert _error(OrderCreate, _with(path, value)) == (loc, msg)
    if path[0] != "id":  # PUT has the same fields, except `id` (the path names the order)
        assert _error(OrderUpdate, _with(path, value, {k: v for k, v in FULL.items() if k != "id"})) == (loc, msg)


def test_order_shape_limits() -> None:
    assert _error(OrderCreate, {"items": [{}] * (MAX_ITEMS + 1)}) == (("items",), "List should have at most 500 items after validation, not 501")
    assert _error(OrderUpdate, {"id": "ord_01"}) == (("id",), "Extra inputs are not permitted")
    assert _error(OrderCreate, [MINIMAL]) == ((), "Input should be a valid dictionary or instance of OrderCreate")


# ---------------------------------------------------------------------------------------------- bad events
EVENT = {"event": "review_written", "customer": {"source_id": "c-1"}, "metadata": {"stars": 5}}
BAD_EVENTS = [
    ({"customer": {"source_id": "c-1"}}, ("event",), "Field required"),
    ({"event": "e"}, ("customer",), "Field required"),
    (_with(("event",), "", EVENT), ("event",), "String should have at least 1 character"),
    (_with(("event",), "e" * 301, EVENT), ("event",), "String should have at most 300 characters"),
    (_with(("event",), 5, EVENT), ("event",), "Input should be a valid string"),
    (_with(("customer",), "c-1", EVENT), ("customer",), "Input should be a valid dictionary or instance of MemberCustomer"),
    (_with(("customer",), {"email": "a@b.c"}, EVENT), ("customer",), "Value error, 'customer' must have property 'id' or 'source_id'"),
    (_with(("loyalty",), {}, EVENT), ("loyalty", "code"), "Field required"),
    (_with(("loyalty",), {"code": "L-1", "points": 5}, EVENT), ("loyalty", "points"), "Extra inputs are not permitted"),
    (_with(("referral",), {"referrer_id": "cust_0a"}, EVENT), ("referral", "code"), "Field required"),
    (_with(("metadata",), {"a": {"": 1}}, EVENT), ("metadata", "a"), "must not have an empty key"),
    (_with(("metadata",), "5 stars", EVENT), ("metadata",), "Input should be a valid dictionary"),
    (_with(("type",), "review_written", EVENT), ("type",), "Extra inputs are not permitted"),
]


@pytest.mark.parametrize(("body", "loc", "msg"), BAD_EVENTS, ids=[c[2][:30] + str(c[1]) for c in BAD_EVENTS])
def test_bad_events_are_refused_with_the_property_and_a_readable_message(body: Any, loc: tuple[str | int, ...], msg: str) -> None:
    assert _error(EventCreate, body) == (loc, msg)


# ---------------------------------------------------------------------------------------------- records and the engine
def _rule(trigger: dict[str, Any], **earning: Any) -> dict[str, Any]:
    """One ACTIVE rule giving 10 points on card definition A, as the API stores it."""
    effect = {"type": "POINTS", "points": {"value": 10, "card_definition_id": "lcdef_0a"}}
    rule = earning_rule_object(EarningRuleCreate.model_validate(
        {"name": "R", "trigger": trigger, "earnings": [{"effects": [effect], **earning}]}))
    rule["id"], rule["status"] = "lern_01", "ACTIVE"
    rule["earnings"][0]["id"] = "lernei_010"
    return rule


def test_an_order_becomes_the_engine_record() -> None:
    order = OrderCreate.model_validate(FULL).record("ord_0123abcDEF")
    assert (order.id, order.amount, order.initial_amount, order.discount_amount, order.total_amount) == ("ord_0123abcDEF", 10_000, 10_000, 500, None)
    assert order.post_discount() == 10_000 - 500 - 1000  # E5, computed by the engine's Order
    first, second = order.items
    assert (first.product_id, first.sku_id, first.line_amount(), first.subtotal()) == ("prod_0a", "sku_0a", 6000, 5000)
    assert dict(first.metadata) == {"colour": "red"}
    assert (second.product_id, second.sku_id, second.line_amount()) == ("prod_0b", "sku_0b", 4000)  # E23: ids of the sub-objects
    assert dict(order.metadata) == {"store": "S1"}
    bare = OrderCreate.model_validate({"items": [{"quantity": 2, "price": 300}]}).record("ord_1")
    assert (bare.pre_discount(), bare.post_discount(), dict(bare.metadata)) == (600, 600, {})


def test_a_paid_order_earns_a_fixed_points_rule_end_to_end() -> None:
    rule = _rule({"event": ORDER_PAID})
    order = OrderCreate.model_validate(FULL).record("ord_0123abcDEF")
    result = evaluate(EarningContext(ORDER_PAID, NOW, "cust_01", order=order, memberships=(MEMBER,)), [rule])
    assert [(e.card_id, e.points, e.transaction_type) for e in result.earnings] == [("lcrd_01", 10, "POINTS_EARNED")]
    assert result.earnings[0].idempotency_key.startswith("ord_0123abcDEF")


def test_a_custom_event_earns_a_fixed_points_rule_end_to_end() -> None:
    rule = _rule({"event": CUSTOM_EVENT, "custom_event": {"schema_id": "ms_review"}})
    event = EventCreate.model_validate(EVENT)

    def stored(event_id: str, schema_id: str | None) -> CustomEvent:
        """The event as POST /v1/events stores it (loyalty.events.service)."""
        return {"id": event_id, "type": event.event, "customer_id": "cust_01", "schema_id": schema_id,
                "metadata": dict(event.metadata or {}), "loyalty": None, "referral": None, "created_at": "2026-01-01T00:00:00.000Z"}

    record = engine_event(stored("evt_01", "ms_review"))
    assert (record.id, record.name, record.schema_id, dict(record.metadata)) == ("evt_01", "review_written", "ms_review", {"stars": 5})
    earned = evaluate(EarningContext(CUSTOM_EVENT, NOW, "cust_01", event=record, memberships=(MEMBER,)), [rule])
    assert [(e.card_id, e.points) for e in earned.earnings] == [("lcrd_01", 10)]
    unknown = evaluate(EarningContext(CUSTOM_EVENT, NOW, "cust_01", event=engine_event(stored("evt_02", None)), memberships=(MEMBER,)), [rule])
    assert unknown.earnings == ()  # E18: a name without a schema earns nothing
