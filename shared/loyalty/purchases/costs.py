"""Which of a reward's costs a member pays (spec-map §2.4, §3.5), decided purely: the one function that both a purchase and
Examine rewards call, so that what Examine says a member can buy is what a purchase then charges.

The costs are taken in their order (a program assignment's costs replace the reward's). A cost whose `rules` do not hold
for the member is passed over; its rules read `customer.metadata` and `member.metadata` through the earning conditions
engine (earning/conditions.py: the same operators and `logic`). `customer.segment` never holds: no segments exist yet
(earning-map E22), so a cost guarded by a segment rule is never chosen. Among the costs whose rules hold, the first the
member can pay is chosen: one priced on a card definition the member holds a card of, whose balance covers it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from loyalty.earning.conditions import MISSING, NotEvaluable, group_holds
from loyalty.members.records import Card

NO_MATCHING_COST = "no_matching_cost"
"""No cost's rules hold (or the reward has no cost)."""
NO_CARD_FOR_COST = "no_card_for_cost"
"""Costs hold, but none is priced on a card definition the member holds a card of."""
INSUFFICIENT_BALANCE = "insufficient_balance"
"""The member holds a card for a cost that holds, but no such card's balance covers its cost."""

RULE_NAMES = frozenset({"customer.metadata", "member.metadata", "customer.segment"})


@dataclass(frozen=True)
class CostChoice:
    """The outcome of choosing: `reason` None means `card` pays `points`. Otherwise `reason` says why nothing can be paid,
    `points` is the cost shown for it (the first cost that holds on a card the member holds for INSUFFICIENT_BALANCE, with
    that `card`; the first cost that holds for NO_CARD_FOR_COST; the first cost for NO_MATCHING_COST) and `errors` holds
    the `error.message` of the failing rules that carry one."""

    points: int
    card: Card | None
    reason: str | None
    errors: tuple[str, ...] = field(default=())


def _price(cost: Mapping[str, Any]) -> tuple[str, int] | None:
    """(card definition id, points) of a cost's one spending."""
    spending = (cost.get("spending") or [None])[0]
    if not spending:
        return None
    return str(spending["card_definition_id"]), int(spending["points"])


def needs_customer(costs: Sequence[Mapping[str, Any]]) -> bool:
    """True when some cost's rules read the customer's metadata (a purchase then reads the customer)."""
    return any("customer.metadata" in _names(cost.get("rules")) for cost in costs)


def _names(group: Mapping[str, Any] | None) -> set[str]:
    found: set[str] = set()
    for key, rule in (group or {}).items():
        if key != "logic" and isinstance(rule, Mapping):
            found.add(str(rule.get("name")))
            found |= _names(rule.get("rules"))
    return found


def rules_hold(cost: Mapping[str, Any], customer_metadata: Mapping[str, Any], member_metadata: Mapping[str, Any], day: int,
               errors: list[str] | None = None) -> bool:
    """True when the cost's rules hold for this customer and member (no rules: true). `day` is the day of the week in the
    project time zone (0 = Sunday) for `$dow`. The `error.message` of each failing rule that has one is added to `errors`."""
    group = cost.get("rules")
    if not group:
        return True

    def read(rule: Mapping[str, Any]) -> Any:
        name = rule.get("name")
        if name == "customer.segment":
            raise NotEvaluable("rules.name.customer.segment", "no segments exist yet (earning-map E22): a segment rule never holds")
        if name not in ("customer.metadata", "member.metadata"):
            raise NotEvaluable(f"rules.name.{name}", f"rule name {name!r} is not a reward cost rule")
        prop = rule.get("property")
        if not prop:
            raise NotEvaluable("rules.property", f"rule {name!r} names no metadata property")
        return (customer_metadata if name == "customer.metadata" else member_metadata).get(prop, MISSING)

    holds = group_holds(group, read, day, lambda feature, detail: None)
    if not holds and errors is not None:
        for key, rule in group.items():
            message = ((rule.get("error") or {}).get("message") if isinstance(rule, Mapping) and key != "logic" else None)
            if message and not group_holds({"logic": "1", "1": rule}, read, day, lambda feature, detail: None):
                errors.append(str(message))
    return holds


def choose_cost(costs: Sequence[Mapping[str, Any]], cards: Sequence[Card], customer_metadata: Mapping[str, Any],
                member_metadata: Mapping[str, Any], day: int) -> CostChoice:
    """The cost the member pays and the card it is paid from, or why none can be paid (the module docstring's order)."""
    errors: list[str] = []
    held = [(cost, price) for cost in costs if (price := _price(cost)) is not None
            and rules_hold(cost, customer_metadata, member_metadata, day, errors)]
    if not held:
        first = next((p for c in costs if (p := _price(c)) is not None), None)
        return CostChoice(first[1] if first else 0, None, NO_MATCHING_COST, tuple(errors))
    short: CostChoice | None = None
    for _, (definition, points) in held:
        for card in cards:
            if card["card_definition_id"] != definition:
                continue
            if int(card.get("balance") or 0) >= points:
                return CostChoice(points, card, None)
            short = short or CostChoice(points, card, INSUFFICIENT_BALANCE)
    return short or CostChoice(held[0][1][1], None, NO_CARD_FOR_COST)
