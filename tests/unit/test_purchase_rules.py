"""The reward purchase rules, purely: the one cost chooser (purchases.costs) that a purchase and Examine rewards share,
the reward-cost rules a purchase cannot evaluate refused when a reward is stored, the per-spend spending limit, and the
limit items counted in the accepting transaction."""

from __future__ import annotations

from typing import Any, cast

import pytest
from pydantic import ValidationError

from loyalty.cards import spending
from loyalty.components.models import RewardCreate
from loyalty.core.errors import LoyaltyError
from loyalty.db.keys import Keys
from loyalty.members.records import Card
from loyalty.programs.models import RewardCostOverride
from loyalty.purchases import costs, limits

MAIN, BONUS, FAR = "lcdef_main", "lcdef_bonus", "lcdef_far"
SUNDAY, MONDAY = 0, 1


def card(card_id: str, definition: str, balance: int) -> Card:
    return cast(Card, {"id": card_id, "card_definition_id": definition, "balance": balance})


def cost(definition: str, points: int, *rules: dict[str, Any], logic: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"spending": [{"points": points, "card_definition_id": definition}]}
    if rules:
        out["rules"] = {"logic": logic or " and ".join(str(i) for i in range(1, len(rules) + 1)), **{str(i): r for i, r in enumerate(rules, 1)}}
    return out


def rule(name: str, prop: str, conditions: dict[str, list[Any]], **extra: Any) -> dict[str, Any]:
    return {"name": name, "property": prop, "conditions": conditions, **extra}


CARDS = [card("main", MAIN, 150), card("bonus", BONUS, 0)]


def choose(prices: list[dict[str, Any]], customer: dict[str, Any] | None = None, member: dict[str, Any] | None = None,
           day: int = MONDAY) -> tuple[int, str | None, str | None]:
    got = costs.choose_cost(prices, CARDS, customer or {}, member or {}, day)
    return got.points, got.card["id"] if got.card else None, got.reason


def test_the_first_cost_the_member_can_pay_is_chosen_not_the_cheapest() -> None:
    assert choose([cost(MAIN, 120), cost(MAIN, 10)]) == (120, "main", None)


def test_a_cost_whose_card_is_short_is_passed_over_for_the_next() -> None:
    assert choose([cost(BONUS, 20), cost(MAIN, 100)]) == (100, "main", None)


def test_costs_whose_rules_do_not_hold_are_passed_over() -> None:
    gold = rule("customer.metadata", "tier", {"$is": ["gold"]})
    app = rule("member.metadata", "channel", {"$in": ["app", "kiosk"]})
    prices = [cost(MAIN, 10, gold), cost(MAIN, 50, app), cost(MAIN, 140)]
    assert choose(prices, {"tier": "gold"}) == (10, "main", None)
    assert choose(prices, {"tier": "silver"}, {"channel": "app"}) == (50, "main", None)
    assert choose(prices, {}, {"channel": "web"}) == (140, "main", None)


def test_logic_combines_rules_and_dow_reads_the_day() -> None:
    weekend = rule("customer.metadata", "tier", {"$dow": [0, 6]})
    vip = rule("member.metadata", "vip", {"$is": [True]})
    prices = [cost(MAIN, 5, weekend, vip, logic="1 or 2"), cost(MAIN, 100)]
    assert choose(prices, day=SUNDAY) == (5, "main", None)
    assert choose(prices, day=MONDAY) == (100, "main", None)
    assert choose(prices, member={"vip": True}) == (5, "main", None)


def test_a_segment_rule_never_holds_until_segments_exist() -> None:
    segment = {"name": "customer.segment", "conditions": {"$in": [{"id": "seg_1", "object": "segment"}]}}
    assert choose([cost(MAIN, 5, segment)]) == (5, None, costs.NO_MATCHING_COST)


def test_the_three_refusals_are_told_apart() -> None:
    never = rule("customer.metadata", "tier", {"$is": ["gold"]}, error={"message": "Gold only"})
    got = costs.choose_cost([cost(MAIN, 5, never)], CARDS, {}, {}, MONDAY)
    assert (got.reason, got.errors) == (costs.NO_MATCHING_COST, ("Gold only",))
    assert choose([cost(FAR, 70), cost(FAR, 60)]) == (70, None, costs.NO_CARD_FOR_COST)
    # short everywhere: the first cost on a card the member holds is the one shown
    assert choose([cost(FAR, 1), cost(MAIN, 500), cost(MAIN, 300), cost(BONUS, 20)]) == (500, "main", costs.INSUFFICIENT_BALANCE)
    assert choose([]) == (0, None, costs.NO_MATCHING_COST)


def test_a_purchase_reads_the_customer_only_for_customer_metadata_rules() -> None:
    assert not costs.needs_customer([cost(MAIN, 1), cost(MAIN, 2, rule("member.metadata", "x", {"$is": ["y"]}))])
    assert costs.needs_customer([cost(MAIN, 2, rule("customer.metadata", "x", {"$is": ["y"]}))])


REWARD = {"name": "Mug", "type": "MATERIAL", "material": {"type": "PRODUCT", "product": {"id": "prod_1"}}}


@pytest.mark.parametrize(("rules", "loc", "message"), [
    ({"logic": "1 and", "1": {"name": "customer.metadata", "property": "a", "conditions": {"$is": ["x"]}}}, "rules.logic", "does not parse"),
    ({"logic": "1", "1": {"property": "a", "conditions": {"$is": ["x"]}}}, "rules.1.name", "is required"),
    ({"logic": "1", "1": {"name": "member.metadata", "conditions": {"$is": ["x"]}}}, "rules.1.property", "is required for member.metadata"),
    ({"logic": "1", "1": {"name": "customer.metadata", "property": "a", "rules": {"logic": "1", "1": {"name": "customer.metadata"}}}},
     "rules.1.rules", "nested rules groups"),
    ({"logic": "1", "1": {"name": "customer.metadata", "property": "a", "conditions": {"$from": ["x"]}}}, "rules.1.conditions.$from",
     "no documented meaning"),
    ({"logic": "1", "1": {"name": "customer.metadata", "property": "a", "conditions": {"$in": [{"id": "x", "object": "product"}]}}},
     "rules.1.conditions.$in", "plain values"),
])
def test_cost_rules_a_purchase_cannot_evaluate_are_refused_when_the_reward_is_stored(rules: dict[str, Any], loc: str, message: str) -> None:
    body = {**REWARD, "costs": [{"rules": rules, "spending": [{"points": 1, "card_definition_id": "lcdef_1"}]}]}
    with pytest.raises(ValidationError) as raised:
        RewardCreate.model_validate(body)
    [error] = raised.value.errors()
    assert ".".join(str(p) for p in error["loc"]).endswith(loc) and message in error["msg"], error


def test_spending_limits_refuse_one_spend_over_the_per_transaction_or_global_maximum() -> None:
    cdef = {"spending_limits": {"global": {"type": "NO_LIMIT"}, "transactions": {"type": "LIMITED", "limits": [{"type": "POINTS", "max": 50}]}}}
    spending.check_spend(cdef, 50)
    with pytest.raises(LoyaltyError) as raised:
        spending.check_spend(cdef, 51)
    assert (raised.value.status, raised.value.key) == (423, "spending_limit_reached")
    lifetime = {"spending_limits": {"global": {"type": "LIMITED", "limits": [{"type": "SPENDING_BASED", "max": 100}]},
                                    "transactions": {"type": "NO_LIMIT"}}}
    with pytest.raises(LoyaltyError):
        spending.check_spend(lifetime, 101)
    spending.check_spend({}, 10**9)


class Recorder:
    """A stand-in transaction that records its updates."""

    def __init__(self) -> None:
        self.updates: list[tuple[str, Any, str, dict[str, Any]]] = []

    def update(self, label: str, key: Any, expression: str, **kw: Any) -> None:
        self.updates.append((label, key, expression, kw))


class FakeDb:
    """Just the key builder a limit item needs."""

    keys = Keys("proj")


def test_purchase_limits_become_conditioned_items_keyed_per_member_reward_and_period() -> None:
    reward = {"id": "lrew_1", "purchase_limits": {
        "cooldown": {"type": "FIXED_COOLDOWN", "fixed_cooldown": {"period": {"value": 2, "unit": "HOUR"}}},
        "frequency": {"type": "LIMITED", "limits": [{"type": "TIME_BASED", "period": {"type": "CURRENT_PERIOD", "current_period": {"unit": "MONTH"}},
                                                     "triggers": {"max": 3}}]}}}
    items = limits.purchase_limit_items(cast(Any, FakeDb()), reward, "mem_1", "2026-11-30T23:30:00Z", "Europe/Warsaw")
    tx = Recorder()
    for label, build in items:
        build(cast(Any, tx), label)
    (cool_label, cool_key, _, cool), (count_label, count_key, _, count) = tx.updates
    assert (cool_label, count_label) == (limits.COOLDOWN, limits.FREQUENCY)
    assert cool_key == FakeDb.keys.purchase_cooldown("mem_1", "lrew_1")
    assert cool["values"]["now"] - cool["values"]["since"] == 2 * 3600 * 1000
    # 23:30 UTC on 30 November is already December in Warsaw: the project time zone decides the period
    assert count_key == FakeDb.keys.purchase_count("mem_1", "lrew_1", "2026-12")
    assert count["values"]["most"] == 3 and "#n < :most" in count["condition"]
    assert limits.purchase_limit_items(cast(Any, FakeDb()), {"id": "lrew_2"}, "mem_1", "2026-11-30T23:30:00Z", "UTC") == ()


def test_a_program_assignment_cost_override_is_held_to_the_same_rules() -> None:
    spend = [{"points": 1, "card_definition_id": "lcdef_1"}]
    good = {"logic": "1", "1": {"name": "member.metadata", "property": "a", "conditions": {"$is": ["x"]}}}
    assert RewardCostOverride.model_validate({"spending": spend, "rules": good}).model_dump(exclude_none=True)["rules"] == good
    for rules, loc in (({"logic": "1", "1": {"name": "order.amount"}}, ("rules", "1", "name")),
                       ({"logic": "1", "1": {"name": "member.metadata", "conditions": {"$is": ["x"]}}}, ("rules", "1", "property")),
                       ({"logic": "(1", "1": {"name": "customer.segment"}}, ("rules", "logic"))):
        with pytest.raises(ValidationError) as raised:
            RewardCostOverride.model_validate({"spending": spend, "rules": rules})
        assert raised.value.errors()[0]["loc"] == loc
