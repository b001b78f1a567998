"""Examine earning rules (`POST /v2/loyalties/examine/earning-rules`, earning-map §10.1): which earning rules would apply to
a customer's memberships and how many points each card would get, for one trigger or all of them. It reads what earning
reads (points.load_setup) and runs the same engine on a hypothetical order, segment entry or custom event; it writes nothing.

What it applies (earning-map E26): rule and program statuses, validity windows, tier rules and rules, and each card's
per-transaction limit (a single earn over it is rejected in full, E3, so it would give nothing). What it ignores: trigger
limits (cooldown, frequency) and the balance- and time-based earning caps, which depend on what was earned before: the
estimate is what a rule would grant. No segments exist yet (E22): a `customer.segment.entered` rule is estimated as if the
customer entered its segment, from the conditions the rule itself holds (customer metadata only).

Examine rewards (`POST /v2/loyalties/examine/rewards`, earning-map §10.2): which rewards of the member's programs each of
its cards could buy now, with the cost and the reasons it cannot; it writes nothing either."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.errors import not_found
from loyalty.core.validity import in_validity_window
from loyalty.db.keys import REWARD
from loyalty.db.table import Table
from loyalty.earning.records import CUSTOM_EVENT, ORDER_PAID, SEGMENT_ENTERED, BenefitGrant, CustomEvent, Earning, Order
from loyalty.examine import store, views
from loyalty.examine.models import (
    EXAMINED,
    Estimation,
    ExamineContext,
    ExamineCustomerIdentification,
    ExamineEarningRulesRequest,
    ExamineRewardsRequest,
    RewardsMembership,
)
from loyalty.members.records import Card
from loyalty.points import service as points
from loyalty.programs.records import Assignment
from loyalty.purchases import costs
from loyalty.purchases import service as purchases

INSUFFICIENT_BALANCE = costs.INSUFFICIENT_BALANCE
NO_TARGET_CARD = "no_target_card"
OUT_OF_STOCK = "out_of_stock"
NO_MATCHING_COST = costs.NO_MATCHING_COST
NO_CARD_FOR_COST = costs.NO_CARD_FOR_COST


@dataclass(frozen=True)
class Trial:
    """One run of the engine: a trigger with its hypothetical order, event or segment, and the customer metadata overrides."""

    trigger: str
    overrides: Mapping[str, Any]
    order: Order | None = None
    event: CustomEvent | None = None
    segment_id: str | None = None


def _identify(db: Table, who: ExamineCustomerIdentification) -> tuple[str, str | None]:
    """(customer id, member id or None) of the examined customer; 404 `member` / `customer` when unknown."""
    if who.type == "member_id":
        member_id = str(who.member_id)
        member = store.get_member(db, member_id)
        if member is None or member["status"] == "DELETED" or not ids.PROGRAM.matches(member.get("program_id") or ""):
            raise not_found("member", member_id)
        return member["customer_id"], member_id
    if who.type == "customer_source_id":
        customer_id = store.get_customer_id_by_source_id(db, str(who.customer_source_id))
        if customer_id is None:
            raise not_found("customer", who.reference())
        return customer_id, None
    return str(who.customer_id), None


def _trigger_ids(rules: Iterable[Mapping[str, Any]], event: str, kind: str, key: str) -> list[str]:
    """The distinct segment or custom-event schema ids the stored rules of a trigger name."""
    found: set[str] = set()
    for rule in rules:
        trigger = rule.get("trigger") or {}
        named = (trigger.get(kind) or {}).get(key)
        if trigger.get("event") == event and named:
            found.add(str(named))
    return sorted(found)


def trials(body: ExamineEarningRulesRequest, rules: Iterable[Mapping[str, Any]]) -> Iterator[Trial]:
    """The engine runs a request asks for: the order paid (the order given, else an empty one); a segment entry per segment
    the rules name; a custom event of the schema given, else one per schema the rules name. An ALL trigger runs all three."""
    rules = list(rules)
    for trigger in body.examined():
        if trigger == ORDER_PAID:
            paid = body.customer_order_paid
            order = paid.order.record() if paid and paid.order else Order(id=EXAMINED)
            yield Trial(ORDER_PAID, _overrides(paid), order=order)
        elif trigger == SEGMENT_ENTERED:
            entered = body.customer_segment_entered
            for segment_id in _trigger_ids(rules, SEGMENT_ENTERED, "segment", "id"):
                yield Trial(SEGMENT_ENTERED, _overrides(entered), segment_id=segment_id)
        else:
            custom = body.customer_custom_event
            metadata = custom.metadata() if custom else {}
            context = custom.context() if custom else None
            schemas = ([custom.specific.custom_event.schema_id] if custom and custom.specific
                       else _trigger_ids(rules, CUSTOM_EVENT, "custom_event", "schema_id"))
            for schema_id in schemas:
                yield Trial(CUSTOM_EVENT, _overrides(context), event=CustomEvent(id=EXAMINED, name="", schema_id=schema_id, metadata=metadata))


def _overrides(context: ExamineContext | None) -> dict[str, Any]:
    return context.customer_metadata() if context else {}


def examine_earning_rules(db: Table, body: ExamineEarningRulesRequest) -> dict[str, Any]:
    """What the customer's (or the member's) earning rules would give for the trigger examined; nothing is written.

    Reads: those of points.load_setup (a Query of the customer's partition, a BatchGetItem of the members, programs and
    cards, and per program a Query and a BatchGetItem of its rules and card definitions unless a warm worker holds them),
    plus a GetItem of the member (member_id) or of the source-id claim (customer_source_id), plus a BatchGetItem of the
    benefits the rules would grant (only when some would)."""
    customer_id, member_id = _identify(db, body.customer_identification)
    setup = points.load_setup(db, customer_id, member_id=member_id)
    if setup.customer is None:
        raise not_found("customer", body.customer_identification.reference())
    at = now_iso()
    stored = dict(setup.customer.get("metadata") or {})
    earnings: list[Earning] = []
    grants: list[BenefitGrant] = []
    if setup.memberships:
        for trial in trials(body, setup.rules.values()):
            result = points.evaluate(setup, trial.trigger, customer_id, order=trial.order, event=trial.event, segment_id=trial.segment_id,
                                     at=at, metadata={**stored, **trial.overrides})
            earnings += result.earnings
            grants += result.benefits
    benefit_ids = sorted({g.benefit_id for g in grants})
    benefits = store.get_benefits(db, benefit_ids) if benefit_ids else {}
    live = {b: data for b, data in benefits.items() if data.get("status") != "DELETED"}
    specific = body.trigger.specific
    return views.examine_result(specific.event if specific else None, setup, earnings, grants, live)


# ---------------------------------------------------------------------------------------------- examine rewards
def estimate_reward(reward: Mapping[str, Any], assignment: Assignment, cards: Sequence[Card], customer_metadata: Mapping[str, Any],
                    member_metadata: Mapping[str, Any], day: int) -> list[Estimation]:
    """What a member could do with one reward of their program (earning-map §10.2, E16), decided by the chooser a purchase
    uses (purchases.costs.choose_cost), so that Examine and a purchase always agree.

    When the chooser finds a card to pay from, the reward is listed on that card only, with the cost it would pay:
    AVAILABLE, or with `insufficient_balance` when no card of a cost that holds has enough points (the card and cost of
    the first such cost). Otherwise every card lists it with `no_card_for_cost` (costs hold, but on no card definition
    the member holds) or `no_matching_cost` (no cost's rules hold). Any of them also says `out_of_stock` when the
    program's LIMITED stock is used up and `no_target_card` when a LOYALTY_CARD_POINTS reward would credit a card
    definition the member holds no card of."""
    choice = costs.choose_cost(assignment["data"].get("costs") or reward.get("costs") or [], cards, customer_metadata, member_metadata, day)
    shared: list[tuple[str, dict[str, Any]]] = []
    stock = assignment.get("stock_quantity")
    if stock is not None and stock <= 0:
        shared.append((OUT_OF_STOCK, {}))
    digital = reward.get("digital") or {}
    target = (digital.get("loyalty_card_points") or {}).get("card_definition_id") if reward.get("type") == "DIGITAL" else None
    if target and all(c["card_definition_id"] != target for c in cards):
        shared.append((NO_TARGET_CARD, {"card_definition_id": target}))
    if choice.card is not None:
        balance = int(choice.card.get("balance") or 0)
        missing = {"required": choice.points, "available": balance, "missing": choice.points - balance}
        short = [(INSUFFICIENT_BALANCE, missing)] if choice.reason else []
        return [Estimation(reward["id"], choice.card["id"], choice.points, (*short, *shared))]
    return [Estimation(reward["id"], card["id"], choice.points, ((str(choice.reason), {}), *shared)) for card in cards]


def _rewards_memberships(db: Table, customer_id: str, member_id: str | None, body: ExamineRewardsRequest
                        ) -> tuple[dict[str, Any] | None, list[RewardsMembership], dict[str, dict[str, Any]]]:
    """The customer, its ACTIVE memberships of ACTIVE programs inside their validity window (only `member_id`'s when
    given) with their reward estimations, and the rewards examined by id (ACTIVE ones inside their validity window).
    Cost rules read the stored customer and member metadata with the request's overrides on top."""
    customer, claims = store.get_customer_memberships(db, customer_id)
    v2 = {scope: claim for scope, claim in claims.items()
          if ids.PROGRAM.matches(scope) and (member_id is None or claim["member_id"] == member_id)}
    members, programs, cards = store.get_members_and_cards(db, v2) if v2 else ({}, {}, {})
    found: list[tuple[RewardsMembership, list[Assignment]]] = []
    for program_id, claim in v2.items():
        member, program = members.get(claim["member_id"]), programs.get(program_id)
        if member is None or member["status"] != "ACTIVE" or program is None or program.get("status") != "ACTIVE" or not in_validity_window(program):
            continue
        assignments = [a for a in store.get_assignments(db, program_id) if a["kind"] == REWARD]
        held = [cards[c] for c in claim["card_ids"] if c in cards]
        found.append((RewardsMembership(dict(member), program, held), assignments))
    reward_ids = sorted({a["id"] for _, assignments in found for a in assignments})
    rewards = {r: data for r, data in (store.get_rewards(db, reward_ids) if reward_ids else {}).items()
               if data.get("status") == "ACTIVE" and in_validity_window(data)}
    customer_metadata = {**((customer or {}).get("metadata") or {}), **body.customer_metadata()}
    member_override = dict(body.member.metadata or {}) if body.member else {}
    day = purchases.purchase_day(now_iso())
    for membership, assignments in found:
        member_metadata = {**(membership.member.get("metadata") or {}), **member_override}
        for assignment in assignments:
            if assignment["id"] in rewards:
                membership.estimations += estimate_reward(rewards[assignment["id"]], assignment, membership.cards, customer_metadata,
                                                          member_metadata, day)
    return customer, [m for m, _ in found], rewards


def examine_rewards(db: Table, body: ExamineRewardsRequest) -> dict[str, Any]:
    """Which rewards of the customer's (or the member's) programs each card could buy now; nothing is written.

    Only ACTIVE rewards inside their validity window are examined (drafts, inactive rewards and those outside their
    window are left out, so `reward_inactive` never appears). The cost is chosen as a purchase chooses it (its rules read
    the customer and member metadata, with the request's overrides on top). What depends on earlier purchases and spends
    is not examined: the reward's purchase limits and the card definition's spending limits (a purchase enforces them).

    Reads: a Query of the customer's partition, a BatchGetItem of the members, programs and cards, a Query per examined
    program (its assignments and stock) and a BatchGetItem of the rewards; plus a GetItem of the member (member_id) or of
    the source-id claim (customer_source_id)."""
    customer_id, member_id = _identify(db, body.customer_identification)
    customer, memberships, rewards = _rewards_memberships(db, customer_id, member_id, body)
    if customer is None:
        raise not_found("customer", body.customer_identification.reference())
    return views.rewards_examine_result(customer, memberships, rewards)
