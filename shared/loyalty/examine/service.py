"""Examine earning rules (`POST /v2/loyalties/examine/earning-rules`, earning-map §10.1): which earning rules would apply to
a customer's memberships and how many points each card would get, for one trigger or all of them. It reads what earning
reads (points.load_setup) and runs the same engine on a hypothetical order, segment entry or custom event; it writes nothing.

What it applies (earning-map E26): rule and program statuses, validity windows, tier rules and rules, and each card's
per-transaction limit (a single earn over it is rejected in full, E3, so it would give nothing). What it ignores: trigger
limits (cooldown, frequency) and the balance- and time-based earning caps, which depend on what was earned before: the
estimate is what a rule would grant. No segments exist yet (E22): a `customer.segment.entered` rule is estimated as if the
customer entered its segment, from the conditions the rule itself holds (customer metadata only)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.errors import not_found
from loyalty.db.table import Table
from loyalty.earning.records import CUSTOM_EVENT, ORDER_PAID, SEGMENT_ENTERED, BenefitGrant, CustomEvent, Earning, Order
from loyalty.examine import store, views
from loyalty.examine.models import EXAMINED, ExamineContext, ExamineCustomerIdentification, ExamineEarningRulesRequest
from loyalty.points import service as points


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
