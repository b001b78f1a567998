"""v1 campaign earning rules without a table: the request models, and `engine_rule` — a stored v1 rule as the v2 rule the
pure earning engine evaluates — checked by evaluating it (orders, custom events, segments, windows), table-driven."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from loyalty.core.errors import LoyaltyError
from loyalty.earning.engine import evaluate, in_timeframe, instant
from loyalty.earning.records import CUSTOM_EVENT, ORDER_PAID, SEGMENT_ENTERED, Card, CustomEvent, EarningContext, Item, Membership, Order
from loyalty.v1.earning import V2_CALCULATION_TYPES, check_list_parameters, engine_rule, rule_object
from loyalty.v1.models import PROPORTIONAL_SOURCES, CampaignEarningRuleCreate, CampaignEarningRuleUpdate

CAMPAIGN: dict[str, Any] = {"id": "camp_0a", "name": "Club", "active": True, "start_date": None, "expiration_date": None,
            "voucher": {"loyalty_card": {"points": 0}}}
NOW = "2026-03-04T12:00:00.000Z"  # a Wednesday (day 3)
CARD = Card("lcrd_01", CAMPAIGN["id"])  # a v1 card: its card definition is the campaign
MEMBER = Membership("lmbr_01", CAMPAIGN["id"], "Club", (CARD,))


def stored(body: dict[str, Any], campaign: dict[str, Any] = CAMPAIGN, rule_id: str = "ern_01") -> dict[str, Any]:
    """A v1 rule exactly as the API stores it."""
    return rule_object(CampaignEarningRuleCreate.model_validate(body), campaign["id"], rule_id=rule_id, created_at=NOW,
                       updated_at=None, automation_id="auto_01")


def converted(body: dict[str, Any], campaign: dict[str, Any] = CAMPAIGN) -> dict[str, Any]:
    rule = engine_rule(stored(body, campaign), campaign)
    assert rule is not None
    return rule


def order_ctx(amount: int | None = 12_000, *, items: tuple[Item, ...] = (), now: str = NOW, **order: Any) -> EarningContext:
    return EarningContext(ORDER_PAID, now, "cust_01", {"ltv": 55}, order=Order("ord_01", amount, items=items, **order),
                          memberships=(MEMBER,))


def event_ctx(metadata: dict[str, Any], schema: str | None = "ms_signup") -> EarningContext:
    return EarningContext(CUSTOM_EVENT, NOW, "cust_01", event=CustomEvent("evcus_01", "sign_up", schema, metadata), memberships=(MEMBER,))


def points(rule: dict[str, Any], context: EarningContext) -> list[int]:
    return [e.points for e in evaluate(context, [rule]).earnings]


PAID = {"event": "order.paid"}
RATIO = {"every": 100, "points": 1}


# ---------------------------------------------------------------------------------------------- engine_rule, evaluated
def test_every_100_gives_1_point_on_12000_gives_120_on_the_campaign_s_card() -> None:
    rule = converted({**PAID, "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT", "order": {"amount": RATIO}}})
    result = evaluate(order_ctx(12_000), [rule])
    [earned] = result.earnings
    assert (earned.points, earned.card_id, earned.card_definition_id, earned.rule_id) == (120, "lcrd_01", "camp_0a", "ern_01")
    assert earned.idempotency_key == "ord_01:ern_01:#0:0:lcrd_01"


@pytest.mark.parametrize(("loyalty", "context", "expected"), [
    ({"type": "FIXED", "points": 5}, order_ctx(), [5]),
    ({"type": "FIXED", "points": "5"}, order_ctx(), [5]),
    ({"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT", "order": {"amount": RATIO}}, order_ctx(12_345), [123]),
    ({"type": "PROPORTIONAL", "calculation_type": "ORDER_TOTAL_AMOUNT", "order": {"total_amount": RATIO}},
     order_ctx(12_000, discount_amount=2_000), [100]),
    ({"type": "PROPORTIONAL", "calculation_type": "ORDER_METADATA", "order": {"metadata": {"every": 2, "points": 1, "property": "visits"}}},
     order_ctx(metadata={"visits": 7}), [3]),
    ({"type": "PROPORTIONAL", "calculation_type": "ORDER_ITEMS_QUANTITY",
      "order_items": {"quantity": {"every": 1, "points": 2, "object": "product", "id": "prod_a"}}},
     order_ctx(items=(Item(quantity=3, amount=300, product_id="prod_a"), Item(quantity=5, amount=500, product_id="prod_b"))), [6]),
    ({"type": "PROPORTIONAL", "calculation_type": "ORDER_ITEMS_AMOUNT",
      "order_items": {"amount": {**RATIO, "applicable_to": [{"object": "sku", "id": "sku_a"}, {"object": "product", "id": "prod_b"}]}}},
     order_ctx(items=(Item(quantity=1, amount=500, sku_id="sku_a"), Item(quantity=1, amount=250, product_id="prod_b"),
                      Item(quantity=1, amount=900, product_id="prod_c"))), [7]),
    ({"type": "PROPORTIONAL", "calculation_type": "ORDER_ITEMS_SUBTOTAL_AMOUNT",
      "order_items": {"subtotal_amount": {**RATIO, "object": "product", "id": "prod_a"}}},
     order_ctx(items=(Item(quantity=1, amount=500, discount_amount=100, product_id="prod_a"),)), [4]),
    ({"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT", "order": {"amount": RATIO}}, order_ctx(99), []),  # 0 points
])
def test_order_paid_rules_compute_each_calculation_type(loyalty: dict[str, Any], context: EarningContext, expected: list[int]) -> None:
    assert points(converted({**PAID, "loyalty": loyalty}), context) == expected


def test_the_calculation_types_map_to_v2_as_the_earning_map_says() -> None:
    assert V2_CALCULATION_TYPES == {
        "ORDER_AMOUNT": "PRE_DISCOUNT_ORDER_AMOUNT", "ORDER_TOTAL_AMOUNT": "POST_DISCOUNT_ORDER_AMOUNT",
        "ORDER_METADATA": "ORDER_METADATA_VALUE", "ORDER_ITEMS_QUANTITY": "ORDER_ITEMS_QUANTITY",
        "ORDER_ITEMS_AMOUNT": "PRE_DISCOUNT_ORDER_ITEMS_AMOUNT", "ORDER_ITEMS_SUBTOTAL_AMOUNT": "POST_DISCOUNT_ORDER_ITEMS_AMOUNT",
        "CUSTOMER_METADATA": "CUSTOMER_METADATA_VALUE", "CUSTOM_EVENT_METADATA": "CUSTOM_EVENT_METADATA_VALUE"}
    assert set(V2_CALCULATION_TYPES) == set(PROPORTIONAL_SOURCES)


def test_the_engine_shape_of_a_proportional_rule() -> None:
    rule = converted({**PAID, "source": {"banner": "Per item"}, "loyalty": {
        "type": "PROPORTIONAL", "calculation_type": "ORDER_ITEMS_QUANTITY",
        "order_items": {"quantity": {"every": 2, "points": 3, "applicable_to": [{"object": "products_collection", "id": "pc_1"}]}}}})
    assert rule == {
        "id": "ern_01", "name": "Per item", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "start_date": None, "end_date": None, "validity_hours": {"type": "ANY_TIME"}, "trigger_limits": None,
        "earnings": [{"rules": None, "tier_rules": {"type": "NO_REQUIREMENTS"}, "effects": [{
            "type": "POINTS_PROPORTIONAL", "points_proportional": {
                "calculation_type": "ORDER_ITEMS_QUANTITY", "card_definition_id": "camp_0a",
                "order_items": {"quantity": {"every": 2, "value": 3,
                                             "applicable_to": [{"type": "products_collection", "products_collection": {"id": "pc_1"}}]}}}}]}],
        "v1": {"campaign_id": "camp_0a", "event": "order.paid", "pending_points": None, "expiration_rules": None},
    }


def test_custom_event_rules_match_their_schema_and_read_the_event_or_customer_metadata() -> None:
    by_event = converted({"event": "sign_up", "custom_event": {"schema_id": "ms_signup"}, "loyalty": {
        "type": "PROPORTIONAL", "calculation_type": "CUSTOM_EVENT_METADATA",
        "custom_event": {"metadata": {"every": 1, "points": 3, "property": "friends"}}}})
    assert by_event["trigger"] == {"event": "customer.custom_event", "custom_event": {"schema_id": "ms_signup"}}
    assert points(by_event, event_ctx({"friends": 2})) == [6]
    assert points(by_event, event_ctx({"friends": 2}, schema="ms_other")) == []
    assert points(by_event, order_ctx()) == []  # an order does not fire a custom-event rule
    fixed = converted({"event": "sign_up", "custom_event": {"schema_id": "ms_signup"}, "loyalty": {"type": "FIXED", "points": 10}})
    assert points(fixed, event_ctx({})) == [10]


def test_segment_rules_fire_on_entering_their_segment() -> None:
    rule = converted({"event": "customer.segment.entered", "segment": {"id": "seg_vip"}, "loyalty": {
        "type": "PROPORTIONAL", "calculation_type": "CUSTOMER_METADATA", "customer": {"metadata": {"every": 10, "points": 1, "property": "ltv"}}}})
    assert rule["trigger"] == {"event": "customer.segment.entered", "segment": {"id": "seg_vip"}}
    entered = EarningContext(SEGMENT_ENTERED, NOW, "cust_01", {"ltv": 55}, segment_id="seg_vip", memberships=(MEMBER,))
    assert points(rule, entered) == [5]
    assert points(rule, EarningContext(SEGMENT_ENTERED, NOW, "cust_01", {"ltv": 55}, segment_id="seg_x", memberships=(MEMBER,))) == []


@pytest.mark.parametrize("change", ["joined", "left", "upgraded", "downgraded", "prolonged"])
def test_tier_rules_have_no_engine_rule(change: str) -> None:
    rule = stored({"event": f"customer.loyalty.tier.{change}", "loyalty_tier": {"id": "__ANY__"}, "loyalty": {"type": "FIXED", "points": 1}})
    assert engine_rule(rule, CAMPAIGN) is None


def test_an_inactive_rule_or_campaign_is_inactive() -> None:
    body = {**PAID, "loyalty": {"type": "FIXED", "points": 5}}
    assert converted({**body, "active": False})["status"] == "INACTIVE"
    assert converted(body, {**CAMPAIGN, "active": False})["status"] == "INACTIVE"
    assert points(converted({**body, "active": False}), order_ctx()) == []
    assert points(converted(body), EarningContext(ORDER_PAID, NOW, "cust_01", order=Order("ord_01", 1), memberships=(
        Membership("lmbr_02", "camp_other", "Other", (Card("lcrd_02", "camp_other"),)),))) == []  # another campaign's card


# ---------------------------------------------------------------------------------------------- windows
FIVE = {**PAID, "loyalty": {"type": "FIXED", "points": 5}}


@pytest.mark.parametrize(("rule_window", "campaign_window", "start", "end"), [
    ({}, {}, None, None),
    ({"start_date": "2026-01-01T00:00:00Z", "expiration_date": "2026-12-31T00:00:00Z"}, {},
     "2026-01-01T00:00:00.000Z", "2026-12-31T00:00:00.000Z"),
    ({}, {"start_date": "2025-01-01T00:00:00.000Z", "expiration_date": "2027-01-01T00:00:00.000Z"},
     "2025-01-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"),
    ({"start_date": "2026-01-01T00:00:00Z", "expiration_date": "2030-01-01T00:00:00Z"},
     {"start_date": "2025-01-01T00:00:00.000Z", "expiration_date": "2027-01-01T00:00:00.000Z"},
     "2026-01-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"),  # both apply: the later start, the earlier end
])
def test_dates_are_the_rule_s_inside_the_campaign_s(rule_window: dict[str, Any], campaign_window: dict[str, Any],
                                                     start: str | None, end: str | None) -> None:
    rule = converted({**FIVE, **rule_window}, {**CAMPAIGN, **campaign_window})
    assert (rule["start_date"], rule["end_date"]) == (start, end)


def test_outside_the_dates_nothing_is_earned() -> None:
    assert points(converted({**FIVE, "start_date": "2026-03-05T00:00:00Z"}), order_ctx()) == []
    assert points(converted({**FIVE, "expiration_date": "2026-03-04T11:00:00Z"}), order_ctx()) == []
    assert points(converted(FIVE, {**CAMPAIGN, "expiration_date": "2026-03-01T00:00:00.000Z"}), order_ctx()) == []


@pytest.mark.parametrize(("window", "earns"), [
    ({"validity_day_of_week": [3]}, True),  # Wednesday
    ({"validity_day_of_week": [1, 2]}, False),
    ({"validity_hours": {"daily": [{"start_time": "11:00", "days_of_week": [3], "expiration_time": "13:00"}]}}, True),
    ({"validity_hours": {"daily": [{"start_time": "13:00", "days_of_week": [3], "expiration_time": "14:00"}]}}, False),
    ({"validity_hours": {"daily": [{"start_time": "11:00", "days_of_week": [2, 3], "expiration_time": "13:00"}]},
      "validity_day_of_week": [2]}, False),  # the hours' days narrowed to the days of week
    ({"validity_hours": {"daily": [{"start_time": "22:00", "days_of_week": [3], "expiration_time": "12:30"}]}}, True),  # overnight
    ({"start_date": "2026-03-01T11:30:00Z", "validity_timeframe": {"duration": "PT1H", "interval": "P1D"}}, True),  # 11:30-12:30 daily
    ({"start_date": "2026-03-01T08:00:00Z", "validity_timeframe": {"duration": "PT1H", "interval": "P1D"}}, False),
    ({"start_date": "2026-03-02T12:00:00Z", "validity_timeframe": {"duration": "PT1H", "interval": "P2D"}}, True),  # every other day
    ({"start_date": "2026-03-03T12:00:00Z", "validity_timeframe": {"duration": "PT1H", "interval": "P2D"}}, False),
])
def test_validity_windows_of_the_rule(window: dict[str, Any], earns: bool) -> None:
    assert points(converted({**FIVE, **window}), order_ctx()) == ([5] if earns else [])


def test_a_rule_without_recurring_windows_inherits_the_campaign_s() -> None:
    campaign = {**CAMPAIGN, "validity_day_of_week": [1], "start_date": "2026-01-01T00:00:00.000Z",
                "validity_timeframe": {"duration": "PT1H", "interval": "P1D"}}
    inherited = converted(FIVE, campaign)
    assert inherited["validity_hours"] == {"type": "DAILY", "daily": [{"start_time": "00:00", "end_time": "24:00", "days_of_week": [1]}]}
    assert inherited["validity_timeframe"]["start_date"] == "2026-01-01T00:00:00.000Z"
    assert points(inherited, order_ctx()) == []
    own = converted({**FIVE, "validity_day_of_week": [3]}, campaign)  # its own window replaces the campaign's
    assert "validity_timeframe" not in own and points(own, order_ctx()) == [5]


@pytest.mark.parametrize(("start", "interval", "duration", "at", "inside"), [
    ("2026-01-31T00:00:00Z", {"months": 1, "seconds": 0}, {"months": 0, "seconds": 86_400}, "2026-02-28T10:00:00Z", True),
    ("2026-01-31T00:00:00Z", {"months": 1, "seconds": 0}, {"months": 0, "seconds": 86_400}, "2026-03-04T10:00:00Z", False),
    ("2026-01-31T00:00:00Z", {"months": 1, "seconds": 0}, {"months": 0, "seconds": 86_400}, "2026-03-31T23:59:59Z", True),
    ("2026-01-01T00:00:00Z", {"months": 0, "seconds": 3_600}, {"months": 0, "seconds": 600}, "2031-07-09T05:09:59Z", True),
    ("2026-01-01T00:00:00Z", {"months": 0, "seconds": 3_600}, {"months": 0, "seconds": 600}, "2031-07-09T05:10:00Z", False),
    ("2026-01-01T00:00:00Z", {"months": 0, "seconds": 3_600}, {"months": 0, "seconds": 600}, "2025-12-31T23:59:00Z", False),
    ("2026-01-01T00:00:00Z", {"months": 12, "seconds": 0}, {"months": 1, "seconds": 0}, "2029-01-20T00:00:00Z", True),
])
def test_in_timeframe_counts_intervals_from_the_start(start: str, interval: dict[str, Any], duration: dict[str, Any], at: str,
                                                      inside: bool) -> None:
    assert in_timeframe({"start_date": start, "interval": interval, "duration": duration}, instant(at)) is inside


def test_a_timeframe_without_an_interval_is_always_open_from_its_start() -> None:
    assert in_timeframe({"start_date": "2026-01-01T00:00:00Z", "interval": {"months": 0, "seconds": 0},
                         "duration": {"months": 0, "seconds": 1}}, datetime(2030, 1, 1, tzinfo=UTC))


def test_pending_points_and_expiration_rules_ride_along_for_the_writer() -> None:
    rule = converted({**FIVE, "pending_points": {"period_value": 14},
                      "expiration_rules": {"period_type": "FIXED_DAY_OF_YEAR", "fixed_month": 12, "fixed_day": 31}})
    assert rule["v1"]["pending_points"] == {"period_type": "DAY", "period_value": 14}
    assert rule["v1"]["expiration_rules"] == {"period_type": "FIXED_DAY_OF_YEAR", "fixed_month": 12, "fixed_day": 31}
    campaign_rules = {"period_type": "MONTH", "period_value": 6}
    inherited = converted(FIVE, {**CAMPAIGN, "voucher": {"loyalty_card": {"points": 0, "expiration_rules": campaign_rules}}})
    assert inherited["v1"]["expiration_rules"] == campaign_rules


# ---------------------------------------------------------------------------------------------- models
def _error(model: Any, body: Any) -> tuple[tuple[Any, ...], str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    first = caught.value.errors()[0]
    return tuple(first["loc"]), str(first["msg"])


@pytest.mark.parametrize(("body", "loc", "words"), [
    ({"event": "sign_up", "loyalty": {"type": "FIXED", "points": 1}}, ("custom_event",), "required when event is sign_up"),
    ({**FIVE, "segment": {"id": "seg_1"}}, ("segment",), "not allowed when event is order.paid"),
    ({"event": "customer.segment.entered", "segment": {"id": "seg_1"}, "loyalty": {"type": "FIXED", "points": 1},
      "pending_points": {"period_value": 1}}, ("pending_points",), "only with the order.paid event"),
    ({**PAID, "loyalty": {"type": "PROPORTIONAL", "calculation_type": "CUSTOM_EVENT_METADATA",
                          "custom_event": {"metadata": {**RATIO, "property": "p"}}}}, ("loyalty", "calculation_type"), "must be one of"),
    ({**PAID, "loyalty": {"type": "FIXED", "points": 1, "points_formula": "x"}}, ("loyalty", "points_formula"), "not supported"),
    ({**PAID, "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT", "order": {"total_amount": RATIO}}},
     ("loyalty", "order", "total_amount"), "not allowed when calculation_type is ORDER_AMOUNT"),
    ({**FIVE, "validity_timeframe": {"duration": "PT1H", "interval": "P1D"}}, ("start_date",), "required when 'validity_timeframe'"),
    ({**FIVE, "expiration_rules": {"period_type": "FIXED_DAY_OF_YEAR", "fixed_month": 4, "fixed_day": 31}},
     ("expiration_rules", "fixed_day"), "must be a day of month 4"),
    ({"event": "customer.order.paid", "loyalty": {"type": "FIXED", "points": 1}}, ("event",), "must be order.paid"),
])
def test_create_model_errors_name_the_property(body: dict[str, Any], loc: tuple[Any, ...], words: str) -> None:
    found_loc, message = _error(CampaignEarningRuleCreate, body)
    assert found_loc == loc and words in message, (found_loc, message)


def test_the_update_model_takes_no_event_and_refuses_null_where_the_spec_has_none() -> None:
    assert CampaignEarningRuleUpdate.model_validate({"pending_points": None, "metadata": None}).model_fields_set == {"pending_points", "metadata"}
    for body in ({"event": "order.paid"}, {"loyalty": None}, {"active": None}, {"source": None}, {"custom_event": {"schema_id": "ms_1"}}):
        with pytest.raises(ValidationError):
            CampaignEarningRuleUpdate.model_validate(body)


def test_list_parameters_are_limit_page_and_order_once_each() -> None:
    check_list_parameters(["limit", "page", "order"])
    for names in (["cursor"], ["limit", "limit"], ["filters[id][conditions][$in]"]):
        with pytest.raises(LoyaltyError) as caught:
            check_list_parameters(names)
        assert (caught.value.status, caught.value.key) == (400, "invalid_query_params")
