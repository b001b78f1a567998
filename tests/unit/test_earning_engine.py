"""The pure earning engine (loyalty.earning): stored v2 earning rules + an order or a custom event -> points, table-driven.

Rules are built by the same validators and builders the API stores them with, so the engine reads the real stored shape."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from loyalty.components.models import EarningRuleCreate, earning_rule_object
from loyalty.earning.conditions import LogicError, parse_logic
from loyalty.earning.engine import evaluate, idempotency_key, proportional
from loyalty.earning.records import (
    CUSTOM_EVENT,
    ORDER_PAID,
    SEGMENT_ENTERED,
    Card,
    CustomEvent,
    EarningContext,
    Evaluation,
    Item,
    Membership,
    Order,
)

CDEF_A, CDEF_B = "lcdef_0a", "lcdef_0b"
PROD_X, PROD_Y, SKU_X = "prod_0a", "prod_0b", "sku_0a"
NOW = "2026-03-04T12:00:00.000Z"  # a Wednesday (day 3)
MEMBER = Membership("lmbr_01", "lprg_01", "Club", (Card("lcrd_01", CDEF_A),))


def stored(body: dict[str, Any], rule_id: str = "lern_01", status: str = "ACTIVE") -> dict[str, Any]:
    """A rule as the API stores it, with fixed ids (`lernei_<rule digits><index>`)."""
    rule = earning_rule_object(EarningRuleCreate.model_validate({"name": "R", "trigger": {"event": ORDER_PAID}, **body}))
    rule["id"], rule["status"] = rule_id, status
    for index, earning in enumerate(rule["earnings"]):
        earning["id"] = f"lernei_{rule_id[5:]}{index}"
    return rule


def fixed(value: int = 10, cdef: str = CDEF_A, **extra: Any) -> dict[str, Any]:
    """A POINTS effect."""
    return {"type": "POINTS", "points": {"value": value, "card_definition_id": cdef, **extra}}


def prop(kind: str, container: str, key: str, every: int, value: float, **config: Any) -> dict[str, Any]:
    """A POINTS_PROPORTIONAL effect on card definition A."""
    return {"type": "POINTS_PROPORTIONAL", "points_proportional": {
        "calculation_type": kind, "card_definition_id": CDEF_A, container: {key: {"every": every, "value": value, **config}}}}


def one(*effects: dict[str, Any], rules: dict[str, Any] | None = None, **body: Any) -> dict[str, Any]:
    """A stored rule with one earning."""
    earning: dict[str, Any] = {"effects": list(effects)}
    if rules is not None:
        earning["rules"] = rules
    return stored({"earnings": [earning], **body})


def order_ctx(amount: int | None = 10_000, *, items: tuple[Item, ...] = (), metadata: dict[str, Any] | None = None,
              now: Any = NOW, members: tuple[Membership, ...] = (MEMBER,), customer: dict[str, Any] | None = None,
              timezone: str = "UTC", **order: Any) -> EarningContext:
    """An order-paid context for customer cust_01."""
    return EarningContext(ORDER_PAID, now, "cust_01", customer or {}, order=Order("ord_01", amount, items=items, metadata=metadata or {}, **order),
                          memberships=members, timezone=timezone)


def event_ctx(metadata: dict[str, Any] | None = None, schema: str | None = "ms_review", **extra: Any) -> EarningContext:
    """A custom-event context (event `review_written`, schema `ms_review`)."""
    return EarningContext(CUSTOM_EVENT, NOW, "cust_01", event=CustomEvent("event_01", "review_written", schema, metadata or {}),
                          memberships=(MEMBER,), **extra)


def points(result: Evaluation) -> list[int]:
    """The points of every earning, in order."""
    return [earning.points for earning in result.earnings]


def features(result: Evaluation) -> set[str]:
    """The unsupported features reported."""
    return {item.feature for item in result.unsupported}


def reasons(result: Evaluation) -> list[str]:
    """Why rules, earnings or effects gave nothing."""
    return [skip.reason for skip in result.skipped]


# ---------------------------------------------------------------------------------------------------------------------
# Triggers, status, windows, cards, memberships
# ---------------------------------------------------------------------------------------------------------------------

CUSTOM_RULE = {"trigger": {"event": CUSTOM_EVENT, "custom_event": {"schema_id": "ms_review"}}}
SEGMENT_RULE = {"trigger": {"event": SEGMENT_ENTERED, "segment": {"id": "seg_1"}}}


@pytest.mark.parametrize(("body", "context", "earned"), [
    ({}, order_ctx(), [10]),
    ({}, event_ctx(), []),
    (CUSTOM_RULE, order_ctx(), []),
    (CUSTOM_RULE, event_ctx(), [10]),
    (CUSTOM_RULE, event_ctx(schema="ms_other"), []),
    (CUSTOM_RULE, event_ctx(schema=None), []),  # E18: an event whose name has no schema earns nothing
    (SEGMENT_RULE, EarningContext(SEGMENT_ENTERED, NOW, "cust_01", segment_id="seg_1", memberships=(MEMBER,)), [10]),
    (SEGMENT_RULE, EarningContext(SEGMENT_ENTERED, NOW, "cust_01", segment_id="seg_2", memberships=(MEMBER,)), []),
], ids=["order-order", "order-event", "event-order", "event-event", "other-schema", "no-schema", "segment", "other-segment"])
def test_the_trigger_must_match(body: dict[str, Any], context: EarningContext, earned: list[int]) -> None:
    result = evaluate(context, [one(fixed(), **body)])
    assert points(result) == earned
    assert reasons(result) == ([] if earned else ["trigger"])


def test_only_active_rules_apply() -> None:
    assert reasons(evaluate(order_ctx(), [stored({"earnings": [{"effects": [fixed()]}]}, status="DRAFT")])) == ["inactive"]


@pytest.mark.parametrize(("window", "now", "earned"), [
    ({"start_date": "2026-03-04T12:00:01Z"}, NOW, False),
    ({"start_date": NOW}, NOW, True),
    ({"end_date": NOW}, NOW, True),
    ({"end_date": "2026-03-04T11:59:59Z"}, NOW, False),
    ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-12-31T00:00:00Z"}, datetime(2026, 3, 4, 12, tzinfo=UTC), True),
    ({"start_date": "2026-01-01T00:00:00Z"}, datetime(2025, 12, 31, 23, 59), False),  # naive = UTC
    ({"validity_hours": {"type": "DAILY", "daily": [{"days_of_week": [3], "start_time": "12:00", "end_time": "13:00"}]}}, NOW, True),
    ({"validity_hours": {"type": "DAILY", "daily": [{"days_of_week": [3], "start_time": "11:00", "end_time": "12:00"}]}}, NOW, False),
    ({"validity_hours": {"type": "DAILY", "daily": [{"days_of_week": [1, 2], "start_time": "00:00", "end_time": "23:59"}]}}, NOW, False),
    ({"validity_hours": {"type": "DAILY", "daily": [{"days_of_week": [3], "start_time": "22:00", "end_time": "02:00"}]}},
     "2026-03-04T23:30:00Z", True),  # overnight window
    ({"validity_hours": {"type": "ANY_TIME"}}, NOW, True),
], ids=["before-start", "at-start", "at-end", "after-end", "inside", "naive-before", "daily-in", "daily-end-excluded",
        "other-day", "overnight", "any-time"])
def test_validity_window_at_now(window: dict[str, Any], now: Any, earned: bool) -> None:
    result = evaluate(order_ctx(now=now), [one(fixed(), **window)])
    assert points(result) == ([10] if earned else [])
    assert reasons(result) == ([] if earned else ["validity"])


def test_validity_hours_and_dow_are_read_in_the_project_time_zone() -> None:
    daily = {"validity_hours": {"type": "DAILY", "daily": [{"days_of_week": [4], "start_time": "07:00", "end_time": "08:00"}]}}
    late = "2026-03-04T20:30:00Z"  # Wednesday 20:30 UTC = Thursday 07:30 in Sydney (UTC+11)
    assert points(evaluate(order_ctx(now=late), [one(fixed(), **daily)])) == []
    assert points(evaluate(order_ctx(now=late, timezone="Australia/Sydney"), [one(fixed(), **daily)])) == [10]
    dow = {"logic": "1", "1": {"name": "order.amount", "conditions": {"$dow": [4]}}}
    assert points(evaluate(order_ctx(now=late, timezone="Australia/Sydney"), [one(fixed(), rules=dow)])) == [10]


def test_the_card_definition_must_be_held() -> None:
    result = evaluate(order_ctx(), [one(fixed(5, CDEF_B), fixed(7, CDEF_A))])
    assert points(result) == [7]
    assert [(s.reason, s.effect_index) for s in result.skipped] == [("no_card", 0)]


def test_a_rule_applies_only_to_memberships_of_programs_that_hold_it() -> None:
    other = Membership("lmbr_02", "lprg_02", "Other", (Card("lcrd_02", CDEF_A),), earning_rule_ids=frozenset({"lern_99"}))
    mine = Membership("lmbr_01", "lprg_01", "Club", (Card("lcrd_01", CDEF_A),), earning_rule_ids=frozenset({"lern_01"}))
    result = evaluate(order_ctx(members=(mine, other)), [one(fixed())])
    assert [e.card_id for e in result.earnings] == ["lcrd_01"]
    assert reasons(evaluate(order_ctx(members=(other,)), [one(fixed())])) == ["no_membership"]
    both = evaluate(order_ctx(members=(MEMBER, Membership("lmbr_03", "lprg_03", "Third", (Card("lcrd_03", CDEF_A),)))), [one(fixed())])
    assert [e.card_id for e in both.earnings] == ["lcrd_01", "lcrd_03"]


def test_a_context_without_its_payload_is_refused() -> None:
    with pytest.raises(ValueError, match="order"):
        evaluate(EarningContext(ORDER_PAID, NOW, "cust_01"), [])
    with pytest.raises(ValueError, match="event"):
        evaluate(EarningContext(CUSTOM_EVENT, NOW, "cust_01"), [])
    with pytest.raises(ValueError, match="segment"):
        evaluate(EarningContext(SEGMENT_ENTERED, NOW, "cust_01"), [])


# ---------------------------------------------------------------------------------------------------------------------
# Conditions and junctions
# ---------------------------------------------------------------------------------------------------------------------


def amount_rule(conditions: dict[str, Any], name: str = "order.amount", **extra: Any) -> dict[str, Any]:
    """A rules group of one rule."""
    return {"logic": "1", "1": {"name": name, "conditions": conditions, **extra}}


@pytest.mark.parametrize(("conditions", "holds"), [
    ({"$is": [10_000]}, True), ({"$is": [9_999]}, False), ({"$is": [1, 10_000]}, True),
    ({"$is_not": [9_999]}, True), ({"$is_not": [10_000]}, False),
    ({"$in": [5, 10_000]}, True), ({"$in": [5, 6]}, False),
    ({"$not_in": [5, 6]}, True), ({"$not_in": [5, 10_000]}, False),
    ({"$less_than": [10_001]}, True), ({"$less_than": [10_000]}, False),
    ({"$less_than_or_equal": [10_000]}, True), ({"$less_than_or_equal": [9_999]}, False),
    ({"$more_than": [9_999]}, True), ({"$more_than": [10_000]}, False),
    ({"$more_than_or_equal": [10_000]}, True), ({"$more_than_or_equal": [10_001]}, False),
    ({"$more_than": [9_000], "$less_than": [11_000]}, True), ({"$more_than": [9_000], "$less_than": [10_000]}, False),
    ({"$dow": [3]}, True), ({"$dow": [0, 6]}, False),
    ({"$is": ["10000"]}, False),  # a string is not the number
    ({"$more_than": ["1"]}, False),
    ({}, True),
], ids=lambda v: str(v))
def test_each_operator_on_the_order_amount(conditions: dict[str, Any], holds: bool) -> None:
    assert points(evaluate(order_ctx(), [one(fixed(), rules=amount_rule(conditions))])) == ([10] if holds else [])


@pytest.mark.parametrize(("name", "context", "conditions", "holds"), [
    ("order.total_amount", order_ctx(discount_amount=1_000), {"$is": [9_000]}, True),
    ("order.total_amount", order_ctx(total_amount=8_000, discount_amount=1_000), {"$is": [8_000]}, True),
    ("order.initial_amount", order_ctx(initial_amount=12_000), {"$is": [12_000]}, True),
    ("order.initial_amount", order_ctx(), {"$is": [10_000]}, True),
    ("order.items.count", order_ctx(items=(Item(quantity=2), Item(quantity=3))), {"$is": [2]}, True),
    ("order.items.quantity", order_ctx(items=(Item(quantity=2), Item(quantity=3))), {"$is": [5]}, True),
    ("order.amount", order_ctx(None, items=(Item(quantity=2, price=300), Item(amount=400))), {"$is": [1_000]}, True),
], ids=["total-computed", "total-given", "initial", "initial-defaults-to-amount", "items-count", "items-quantity", "amount-from-items"])
def test_order_rule_names(name: str, context: EarningContext, conditions: dict[str, Any], holds: bool) -> None:
    assert points(evaluate(context, [one(fixed(), rules=amount_rule(conditions, name))])) == ([10] if holds else [])


@pytest.mark.parametrize(("metadata", "conditions", "holds"), [
    ({"tier": "gold"}, {"$is": ["gold"]}, True),
    ({"tier": "silver"}, {"$is": ["gold"]}, False),
    ({}, {"$is": ["gold"]}, False),
    ({}, {"$is_not": ["gold"]}, True),  # a missing value satisfies only the negative operators
    ({}, {"$not_in": ["gold"]}, True),
    ({}, {"$less_than": [5]}, False),
    ({"vip": True}, {"$is": [True]}, True),
    ({"vip": 1}, {"$is": [True]}, False),  # JSON: a boolean is not a number
    ({"vip": True}, {"$is": [1]}, False),
    ({"age": 30.5}, {"$more_than": [30]}, True),
])
def test_metadata_rules(metadata: dict[str, Any], conditions: dict[str, Any], holds: bool) -> None:
    for name, context in (("order.metadata", order_ctx(metadata=metadata)), ("customer.metadata", order_ctx(customer=metadata))):
        rules = amount_rule(conditions, name, property=next(iter(metadata), "tier"))
        assert points(evaluate(context, [one(fixed(), rules=rules)])) == ([10] if holds else []), name


def test_custom_event_metadata_rule_reads_the_event() -> None:
    rules = amount_rule({"$more_than_or_equal": [4]}, "custom_event.metadata", property="stars")
    rule = one(fixed(), rules=rules, **CUSTOM_RULE)
    assert points(evaluate(event_ctx({"stars": 5}), [rule])) == [10]
    assert points(evaluate(event_ctx({"stars": 3}), [rule])) == []
    other = amount_rule({"$more_than": [0]}, "custom_event.metadata", property="stars", schema_id="ms_other")
    other_schema = one(fixed(), rules=other, **CUSTOM_RULE)
    assert points(evaluate(event_ctx({"stars": 5}), [other_schema])) == []


BIG = {"name": "order.amount", "conditions": {"$more_than": [5_000]}}
SMALL = {"name": "order.amount", "conditions": {"$less_than": [5_000]}}
GOLD = {"name": "order.metadata", "property": "tier", "conditions": {"$is": ["gold"]}}


@pytest.mark.parametrize(("logic", "holds"), [
    ("1 and 2", False), ("1 or 2", True), ("1 AND 3", True), ("2 or 3", True), ("2 and 3", False),
    ("2 and 3 or 1", True),  # and binds tighter
    ("2 and (3 or 1)", False), ("(1 or 2) and 3", True), ("((1))", True), ("1 and 2 or 2 and 3", False),
])
def test_junctions(logic: str, holds: bool) -> None:
    rules = {"logic": logic, "1": BIG, "2": SMALL, "3": GOLD}
    assert points(evaluate(order_ctx(metadata={"tier": "gold"}), [one(fixed(), rules=rules)])) == ([10] if holds else [])


@pytest.mark.parametrize("logic", ["", "1 and", "(1", "1 2", "1 xor 2", "and"])
def test_bad_logic_does_not_parse(logic: str) -> None:
    with pytest.raises(LogicError):
        parse_logic(logic)


def test_bad_logic_or_a_missing_rule_is_reported_and_false() -> None:
    result = evaluate(order_ctx(), [one(fixed(), rules={"logic": "1 or 4", "1": SMALL})])
    assert points(result) == [] and features(result) == {"rules.logic"}
    result = evaluate(order_ctx(), [one(fixed(), rules={"logic": "1 xor 1", "1": BIG})])
    assert points(result) == [] and features(result) == {"rules.logic"}


# ---------------------------------------------------------------------------------------------------------------------
# Earnings and rules
# ---------------------------------------------------------------------------------------------------------------------


def test_the_first_matching_earning_applies_all_its_effects() -> None:
    rule = stored({"earnings": [
        {"rules": amount_rule({"$more_than": [50_000]}), "effects": [fixed(100)]},
        {"rules": amount_rule({"$more_than": [5_000]}), "effects": [fixed(20), prop("PRE_DISCOUNT_ORDER_AMOUNT", "order", "amount", 100, 1)]},
        {"effects": [fixed(1)]},
    ]})
    result = evaluate(order_ctx(), [rule])
    assert points(result) == [20, 100]
    assert {(e.earning_id, e.earning_index) for e in result.earnings} == {("lernei_011", 1)}
    assert points(evaluate(order_ctx(1_000), [rule])) == [1]


def test_no_matching_earning_gives_nothing() -> None:
    result = evaluate(order_ctx(), [stored({"earnings": [{"rules": amount_rule({"$less_than": [1]}), "effects": [fixed()]}]})])
    assert points(result) == [] and reasons(result) == ["no_matching_earning"]


def test_every_matching_rule_applies() -> None:
    first = stored({"earnings": [{"effects": [fixed(10)]}]}, "lern_01")
    second = stored({"earnings": [{"effects": [fixed(5)]}]}, "lern_02")
    result = evaluate(order_ctx(), [first, second])
    assert [(e.rule_id, e.points) for e in result.earnings] == [("lern_01", 10), ("lern_02", 5)]
    assert result.points_by_card() == {"lcrd_01": 15}


def test_tier_rules_gate_earnings() -> None:
    tiers = {"type": "ANY_OF", "any_of": [{"tier_structure_id": "lts_0a", "tier_ids": ["lt_0a", "lt_0b"]}]}
    rule = stored({"earnings": [{"tier_rules": tiers, "effects": [fixed(50)]}, {"effects": [fixed(5)]}]})
    gold = Membership("lmbr_01", "lprg_01", "Club", MEMBER.cards, tier_ids=frozenset({"lt_0b"}))
    bronze = Membership("lmbr_01", "lprg_01", "Club", MEMBER.cards, tier_ids=frozenset({"lt_0c"}))
    assert points(evaluate(order_ctx(members=(gold,)), [rule])) == [50]
    assert points(evaluate(order_ctx(members=(bronze,)), [rule])) == [5]
    unknown = evaluate(order_ctx(), [rule])
    assert points(unknown) == [5] and features(unknown) == {"tier_rules"}


# ---------------------------------------------------------------------------------------------------------------------
# Points
# ---------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("base", "every", "value", "expected"), [
    (10_000, 100, 1, 100), (9_999, 100, 1, 99), (99, 100, 1, 0), (100, 100, 1, 1), (0, 100, 1, 0),
    (250, 100, 1.5, 3),   # floor(2 * 1.5)
    (350, 100, 1.5, 4),   # floor(floor(3.5) * 1.5) = floor(4.5)
    (1_000, 100, 0.7, 7),  # exact: 10 * 0.7 is 7, not 6.999...
    (300, 100, 0.1, 0),   # floor(0.3)
    (2**53 - 1, 1, 1, 2**53 - 1),
    (2**53 - 1, 100, 3, (2**53 - 1) // 100 * 3),
    (-500, 100, 1, 0), (None, 100, 1, 0), ("500", 100, 1, 0), (True, 1, 1, 0), (float("nan"), 1, 1, 0),
    (12.9, 1, 2, 24), (500, 100, 0, 0),
], ids=lambda v: repr(v))
def test_proportional_rounding(base: Any, every: int, value: Any, expected: int) -> None:
    assert proportional(base, every, value) == expected


ITEMS = (
    Item(quantity=2, price=1_000, product_id=PROD_X, discount_amount=500),          # amount 2000, subtotal 1500
    Item(quantity=1, amount=3_000, sku_id=SKU_X, subtotal_amount=2_800, product_id=PROD_X),  # both selectors: counted once
    Item(quantity=4, price=250, product_id=PROD_Y),                                  # amount 1000
    Item(quantity=3, price=500, product_id=PROD_X, applied_discount_amount=1_500),   # free after discounts
)
X_AND_SKU = [{"type": "product", "product": {"id": PROD_X}}, {"type": "sku", "sku": {"id": SKU_X}}]


@pytest.mark.parametrize(("effect", "context", "expected"), [
    (prop("PRE_DISCOUNT_ORDER_AMOUNT", "order", "amount", 100, 1), order_ctx(12_345), 123),
    (prop("PRE_DISCOUNT_ORDER_AMOUNT", "order", "amount", 100, 1), order_ctx(99), 0),
    (prop("PRE_DISCOUNT_ORDER_AMOUNT", "order", "amount", 1, 1), order_ctx(2**53 - 1), 2**53 - 1),
    (prop("POST_DISCOUNT_ORDER_AMOUNT", "order", "total_amount", 100, 1),
     order_ctx(10_000, discount_amount=1_000, items=(Item(quantity=1, amount=10_000, discount_amount=550),)), 84),
    (prop("POST_DISCOUNT_ORDER_AMOUNT", "order", "total_amount", 100, 2), order_ctx(10_000, total_amount=5_000), 100),
    (prop("ORDER_METADATA_VALUE", "order", "metadata", 10, 1, property="weight"), order_ctx(metadata={"weight": 95}), 9),
    (prop("ORDER_METADATA_VALUE", "order", "metadata", 10, 1, property="weight"), order_ctx(metadata={"weight": "95"}), 0),
    (prop("ORDER_METADATA_VALUE", "order", "metadata", 10, 1, property="weight"), order_ctx(), 0),
    (prop("CUSTOMER_METADATA_VALUE", "customer", "metadata", 1, 2, property="visits"), order_ctx(customer={"visits": 7}), 14),
    (prop("PRE_DISCOUNT_ORDER_ITEMS_AMOUNT", "order_items", "amount", 100, 1, applicable_to=X_AND_SKU), order_ctx(items=ITEMS), 65),
    (prop("PRE_DISCOUNT_ORDER_ITEMS_AMOUNT", "order_items", "amount", 100, 1,
          applicable_to=[{"type": "product", "product": {"id": PROD_Y}}]), order_ctx(items=ITEMS), 10),
    (prop("POST_DISCOUNT_ORDER_ITEMS_AMOUNT", "order_items", "subtotal_amount", 100, 1, applicable_to=X_AND_SKU), order_ctx(items=ITEMS), 43),
    (prop("ORDER_ITEMS_QUANTITY", "order_items", "quantity", 1, 5, applicable_to=X_AND_SKU), order_ctx(items=ITEMS), 15),
    (prop("ORDER_ITEMS_QUANTITY", "order_items", "quantity", 2, 1,
          applicable_to=[{"type": "sku", "sku": {"id": SKU_X}}]), order_ctx(items=ITEMS), 0),
    (prop("ORDER_ITEMS_QUANTITY", "order_items", "quantity", 1, 1,
          applicable_to=[{"type": "product", "product": {"id": "prod_0c"}}]), order_ctx(items=ITEMS), 0),
    (prop("CUSTOM_EVENT_METADATA_VALUE", "custom_event", "metadata", 1, 1, property="stars"), order_ctx(), 0),
], ids=["pre", "pre-below-every", "pre-huge", "post-computed", "post-given", "order-metadata", "order-metadata-string",
        "order-metadata-missing", "customer-metadata", "items-amount", "items-amount-product-y", "items-subtotal",
        "items-quantity-no-free", "items-quantity-below-every", "items-none-match", "event-base-on-order"])
def test_proportional_bases(effect: dict[str, Any], context: EarningContext, expected: int) -> None:
    result = evaluate(context, [one(effect)])
    assert points(result) == ([expected] if expected else [])
    assert reasons(result) == ([] if expected else ["zero_points"])


def test_custom_event_metadata_base() -> None:
    rule = one(prop("CUSTOM_EVENT_METADATA_VALUE", "custom_event", "metadata", 100, 1, property="spent"), **CUSTOM_RULE)
    assert points(evaluate(event_ctx({"spent": 4_599}), [rule])) == [45]
    assert points(evaluate(event_ctx({"spent": 99}), [rule])) == []
    assert points(evaluate(event_ctx({}), [rule])) == []


def test_an_earning_carries_what_the_writer_needs() -> None:
    expiration = {"type": "ROLLING_EXPIRATION", "rolling_expiration": {"period": {"unit": "MONTH", "value": 6}}}
    rule = stored({"name": "Autumn", "earnings": [{"effects": [fixed(10, points_expiration=expiration)]}]})
    pending = Membership("lmbr_01", "lprg_01", "Club", (Card("lcrd_01", CDEF_A, "PERIOD_BASED"),))
    earned = evaluate(order_ctx(members=(pending,)), [rule]).earnings[0]
    assert earned.transaction_type == "PENDING_POINTS_ADDED"
    assert earned.reason == "Club / Autumn"
    assert earned.metadata == {"member_id": "lmbr_01", "program_id": "lprg_01", "earning_item_id": "lernei_010", "earning_rule_id": "lern_01"}
    assert earned.points_expiration == expiration and earned.effect_type == "POINTS" and earned.card_definition_id == CDEF_A
    immediate = evaluate(order_ctx(), [one(fixed())]).earnings[0]
    assert immediate.transaction_type == "POINTS_EARNED" and immediate.points_expiration is None


def test_benefits_are_passed_through() -> None:
    result = evaluate(order_ctx(), [one({"type": "BENEFIT", "benefit": {"id": "lben_0a"}}, fixed())])
    assert [(b.benefit_id, b.member_id, b.effect_index) for b in result.benefits] == [("lben_0a", "lmbr_01", 0)]
    assert result.benefits[0].idempotency_key == "ord_01:lern_01:lernei_010:0:lmbr_01"
    assert points(result) == [10]


@pytest.mark.parametrize(("limits", "amount", "expected", "reason"), [
    ({"type": "LIMITED", "limits": [{"type": "POINTS", "max": 100}]}, 10_000, [100], None),
    ({"type": "LIMITED", "limits": [{"type": "POINTS", "max": 99}]}, 10_000, [], "transaction_points_limit"),  # E3: rejected in full
    ({"type": "LIMITED", "limits": [{"type": "SPENDING", "min_amount": 10_000}]}, 10_000, [100], None),
    ({"type": "LIMITED", "limits": [{"type": "SPENDING", "min_amount": 10_001}]}, 10_000, [], "transaction_spending_minimum"),  # E4
    ({"type": "NO_LIMIT", "limits": []}, 10_000, [100], None),
])
def test_per_transaction_card_limits(limits: dict[str, Any], amount: int, expected: list[int], reason: str | None) -> None:
    card = Card("lcrd_01", CDEF_A, earning_limits={"global": {"type": "NO_LIMIT", "limits": []}, "transactions": limits})
    member = Membership("lmbr_01", "lprg_01", "Club", (card,))
    result = evaluate(order_ctx(amount, members=(member,)), [one(prop("PRE_DISCOUNT_ORDER_AMOUNT", "order", "amount", 100, 1))])
    assert points(result) == expected
    assert reasons(result) == ([reason] if reason else [])


# ---------------------------------------------------------------------------------------------------------------------
# Idempotency keys
# ---------------------------------------------------------------------------------------------------------------------


def test_idempotency_keys_are_stable_and_distinct() -> None:
    rules = [stored({"earnings": [{"effects": [fixed(1), fixed(2, CDEF_B)]}]}, "lern_01"), stored({"earnings": [{"effects": [fixed(3)]}]}, "lern_02")]
    member = Membership("lmbr_01", "lprg_01", "Club", (Card("lcrd_01", CDEF_A), Card("lcrd_02", CDEF_B)))
    other = Membership("lmbr_02", "lprg_02", "Other", (Card("lcrd_03", CDEF_A),))
    first = evaluate(order_ctx(members=(member, other)), rules)
    again = evaluate(order_ctx(members=(member, other), now="2027-01-01T00:00:00Z"), rules)
    keys = [e.idempotency_key for e in first.earnings]
    assert keys == [e.idempotency_key for e in again.earnings]
    assert len(keys) == len(set(keys)) == 5
    assert keys[0] == idempotency_key("ord_01", "lern_01", "lernei_010", 0, "lcrd_01") == "ord_01:lern_01:lernei_010:0:lcrd_01"
    two_earnings = stored({"earnings": [{"rules": amount_rule({"$less_than": [1]}), "effects": [fixed()]}, {"effects": [fixed()]}]})
    assert evaluate(order_ctx(), [two_earnings]).earnings[0].idempotency_key == "ord_01:lern_01:lernei_011:0:lcrd_01"
    assert evaluate(event_ctx(), [one(fixed(), **CUSTOM_RULE)]).earnings[0].idempotency_key.startswith("event_01:")


# ---------------------------------------------------------------------------------------------------------------------
# What the engine cannot evaluate is reported
# ---------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rules", "feature"), [
    (amount_rule({"$is": [1]}, "order.items.any"), "rules.name.order.items.any"),
    (amount_rule({"$is": [{"id": "seg_1", "object": "segment"}]}, "customer.segment"), "rules.name.customer.segment"),
    (amount_rule({"$is": [{"id": PROD_X, "object": "product"}]}), "conditions.object"),
    (amount_rule({"$from": [1]}), "conditions.$from"),
    (amount_rule({"$is": ["gold"]}, "order.metadata"), "rules.property"),
    ({"logic": "1", "1": {"name": "order.amount", "rules": {"logic": "1", "1": BIG}}}, "rules.nested"),
], ids=["unknown-name", "segment", "object-value", "from", "no-property", "nested"])
def test_unevaluable_rules_are_false_and_reported(rules: dict[str, Any], feature: str) -> None:
    result = evaluate(order_ctx(), [one(fixed(), rules=rules)])
    assert points(result) == []
    assert [(u.rule_id, u.feature, u.earning_id, u.member_id) for u in result.unsupported] == [("lern_01", feature, "lernei_010", "lmbr_01")]


def test_an_unevaluable_rule_in_an_or_is_reported_even_when_the_other_side_holds() -> None:
    rules = {"logic": "1 or 2", "1": BIG, "2": {"name": "order.items.any", "conditions": {"$is": [1]}}}
    result = evaluate(order_ctx(), [one(fixed(), rules=rules)])
    assert points(result) == [10] and features(result) == {"rules.name.order.items.any"}


def test_limits_that_need_counters_are_reported_for_the_writer() -> None:
    limits = {"cooldown": {"type": "FIXED_COOLDOWN", "fixed_cooldown": {"period": {"unit": "DAY", "value": 1}}},
              "frequency": {"type": "LIMITED", "limits": [{
                  "type": "TIME_BASED", "period": {"type": "CURRENT_PERIOD", "current_period": {"unit": "DAY"}}, "triggers": {"max": 2}}]}}
    result = evaluate(order_ctx(), [one(fixed(), trigger_limits=limits)])
    assert points(result) == [10]
    assert features(result) == {"trigger_limits.cooldown", "trigger_limits.frequency"}
    card = Card("lcrd_01", CDEF_A, earning_limits={"global": {"type": "LIMITED", "limits": [{"type": "BALANCE_BASED", "max": 5}]}})
    capped = evaluate(order_ctx(members=(Membership("lmbr_01", "lprg_01", "Club", (card,)),)), [one(fixed())])
    assert points(capped) == [10] and features(capped) == {"card.earning_limits.global"}


def test_products_collections_never_match_and_are_reported() -> None:
    collection = [{"type": "products_collection", "products_collection": {"id": "pc_1"}}]
    effect = prop("ORDER_ITEMS_QUANTITY", "order_items", "quantity", 1, 1, applicable_to=collection)
    result = evaluate(order_ctx(items=ITEMS), [one(effect)])
    assert points(result) == [] and features(result) == {"applicable_to.products_collection"}


def test_a_clean_evaluation_reports_nothing() -> None:
    result = evaluate(order_ctx(), [one(fixed(), rules=amount_rule({"$more_than": [0]}))])
    assert result.unsupported == () and result.skipped == ()
