"""Earning and the points lifecycle: evaluate the rules an order or custom event fires and write each effect once; activate
and cancel pending points; expire points; revoke what a canceled order earned; and the daily job that does it by date."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, cast
from zoneinfo import ZoneInfo

from loyalty.benefits import store as benefit_store
from loyalty.benefits.models import card_definition_of, unsupported_reason
from loyalty.cards import buckets as bucket_store
from loyalty.cards.buckets import CardWrite
from loyalty.cards.ledger import card_transaction
from loyalty.cards.store import ItemBuilder
from loyalty.cards.store import item as labelled
from loyalty.core import ids
from loyalty.core.cache import WarmCache
from loyalty.core.clock import iso_from_ms, now_iso
from loyalty.core.logs import logger
from loyalty.core.settings import get_settings
from loyalty.core.validity import in_validity_window
from loyalty.db.keys import CARD_DEFINITION, EARNING_RULE
from loyalty.db.table import Item, Table
from loyalty.db.transact import Transaction, TransactionConflict
from loyalty.earning import buckets, engine
from loyalty.earning.records import (
    CUSTOM_EVENT,
    ORDER_PAID,
    PENDING_POINTS_ADDED,
    POINTS_EARNED,
    BenefitGrant,
    CustomEvent,
    Earning,
    EarningContext,
    Order,
)
from loyalty.earning.records import (
    Card as EngineCard,
)
from loyalty.earning.records import (
    Membership as EngineMembership,
)
from loyalty.earning.v1policy import v1_card_definition as v1_card_definition
from loyalty.members.records import Card, Member, Membership
from loyalty.points import limits, store
from loyalty.v1 import earning as v1_earning

# Reasons of the transactions nobody asked for by hand (earning-map §14 E30).
AUTO_ACTIVATION = "Automatic points activation"
AUTO_CANCELLATION = "Automatic points cancellation"
EXPIRATION = "Points expiration"
ORDER_CANCELED = "Order canceled"
MANUAL_ACTIVATION = "Manual points activation"
MANUAL_CANCELLATION = "Manual points cancellation"
EVENT_ACTIVATION = "Points activated by a custom event"

MAX_WRITE_ATTEMPTS = 5
ENFORCED_HERE = frozenset({"trigger_limits.cooldown", "trigger_limits.frequency", "card.earning_limits.global"})
"""What the engine leaves to the writer, and the writer enforces (points/limits.py)."""


def timezone() -> str:
    """The project time zone that dates and validity hours are read in."""
    return get_settings().timezone


def local_day(at: str | datetime) -> str:
    """The day (YYYY-MM-DD) an instant falls on in the project time zone."""
    return buckets.local_day(at, timezone()).isoformat()


# ---------------------------------------------------------------------------------------------- a warm worker's setup cache
@dataclass(frozen=True)
class ProgramSetup:
    """What earning reads about one program: the program, its assigned earning rules and card definitions."""

    program: dict[str, Any]
    rules: dict[str, dict[str, Any]]
    card_definitions: dict[str, dict[str, Any]]


SETUPS: WarmCache[ProgramSetup | None] = WarmCache()
"""Program setups a warm worker reuses: re-reading a program's rules and card definitions for every order would double
the reads per order."""


def load_program_setup(db: Table, program_id: str) -> ProgramSetup | None:
    """A program with its ACTIVE assigned earning rules and its card definitions (one Query + one BatchGetItem)."""
    found = store.get_program_setup(db, program_id)
    if found is None:
        return None
    program, assignments = found
    rule_ids = [a["id"] for a in assignments if a["kind"] == EARNING_RULE]
    cdef_ids = [a["id"] for a in assignments if a["kind"] == CARD_DEFINITION]
    rules, cdefs = store.get_rules_and_card_definitions(db, rule_ids, cdef_ids) if rule_ids or cdef_ids else ({}, {})
    return ProgramSetup(cast(dict[str, Any], program), rules, cdefs)


# ---------------------------------------------------------------------------------------------- evaluation
@dataclass
class Setup:
    """A customer's earning picture: the engine's memberships, the rules to evaluate, the cards and card definitions the
    writer needs, and the member and program records of the memberships (by id, for Examine's answer)."""

    customer: dict[str, Any] | None
    memberships: list[EngineMembership]
    rules: dict[str, dict[str, Any]]
    cards: dict[str, Card]
    card_definitions: dict[str, dict[str, Any]]
    members: dict[str, Member] = field(default_factory=dict)
    programs: dict[str, dict[str, Any]] = field(default_factory=dict)


def load_setup(db: Table, customer_id: str, *, member_id: str | None = None, v1: bool = False) -> Setup:
    """Everything earning reads about a customer: ACTIVE memberships in ACTIVE programs inside their validity window
    (only `member_id`'s when given), their cards, the programs' earning rules and card definitions; with `v1`, also its
    v1 campaign cards and their campaigns' earning rules."""
    customer, claims = store.get_customer_memberships(db, customer_id)
    v2 = {scope: claim for scope, claim in claims.items() if ids.PROGRAM.matches(scope)}
    if member_id is not None:
        v2 = {scope: claim for scope, claim in v2.items() if claim["member_id"] == member_id}
    standings: dict[str, dict[str, Any]] = {}
    members, _, cards = store.get_members_and_cards(db, v2, standings) if v2 else ({}, {}, {})
    setup = Setup(customer, [], {}, {}, {})
    for program_id, claim in v2.items():
        member = members.get(claim["member_id"])
        program_setup = SETUPS.get(db.project_id, program_id, partial(load_program_setup, db))
        if member is None or member["status"] != "ACTIVE" or program_setup is None:
            continue
        program = program_setup.program
        if program.get("status") != "ACTIVE" or not in_validity_window(program):
            continue
        held = [cards[c] for c in claim["card_ids"] if c in cards]
        engine_cards = []
        for card in held:
            cdef = program_setup.card_definitions.get(card["card_definition_id"], {})
            engine_cards.append(EngineCard(card["id"], card["card_definition_id"],
                                           pending_points_type=str((cdef.get("pending_points") or {}).get("type") or "IMMEDIATE"),
                                           earning_limits=cdef.get("earning_limits")))
            setup.cards[card["id"]] = cast(Card, {**card, "customer_id": customer_id})
        standing = standings.get(member["id"]) or {}
        setup.memberships.append(EngineMembership(member["id"], program_id, str(program.get("name") or ""), tuple(engine_cards),
                                                  earning_rule_ids=frozenset(program_setup.rules),
                                                  tier_ids=frozenset([standing["tier_id"]] if standing.get("tier_id") else [])))
        setup.rules.update(program_setup.rules)
        setup.card_definitions.update(program_setup.card_definitions)
        setup.members[member["id"]] = member
        setup.programs[program_id] = program
    if v1 and member_id is None:
        _add_v1_memberships(db, setup, customer_id, {scope: claim for scope, claim in claims.items() if scope.startswith("camp_")})
    return setup


def _add_v1_memberships(db: Table, setup: Setup, customer_id: str, claims: dict[str, Membership]) -> None:
    """The customer's v1 campaign cards and their campaigns' active earning rules (earning-map §11.2): each campaign is a
    membership whose one card has the campaign as its card definition; a rule's own pending and expiration settings are
    the card definition the writer reads for its points (`V1_POLICY` on the rule)."""
    if not claims:
        return
    members, _, cards = store.get_members_and_cards(db, claims)
    rules = [rule for rule in v1_earning.engine_rules(db, claims) if rule["trigger"]["event"] in (ORDER_PAID, CUSTOM_EVENT)]
    by_campaign: dict[str, set[str]] = defaultdict(set)
    for rule in rules:
        by_campaign[rule["v1"]["campaign_id"]].add(rule["id"])
        rule[V1_POLICY] = v1_card_definition(rule["v1"])
        setup.rules[rule["id"]] = rule
    for campaign_id, claim in claims.items():
        member = members.get(claim["member_id"])
        held = [cards[c] for c in claim["card_ids"] if c in cards]
        if member is None or member.get("status", "ACTIVE") != "ACTIVE" or not held or not by_campaign.get(campaign_id):
            continue
        for card in held:
            setup.cards[card["id"]] = cast(Card, {**card, "customer_id": customer_id})
        setup.memberships.append(EngineMembership(member["id"], campaign_id, str(held[0].get("campaign") or ""),
                                                  tuple(EngineCard(c["id"], campaign_id) for c in held),
                                                  earning_rule_ids=frozenset(by_campaign[campaign_id])))


V1_POLICY = "v1_card_definition"
"""The key under which a v1 rule carries the pending and expiration settings its points follow (a v1 rule's own)."""

def evaluate(setup: Setup, trigger: Any, customer_id: str, *, order: Order | None = None, event: CustomEvent | None = None,
             segment_id: str | None = None, at: str | None = None, metadata: Mapping[str, Any] | None = None) -> engine.Evaluation:
    """Run the engine over a customer's setup (nothing is written); `metadata` stands in for the stored customer metadata."""
    context = earning_context(setup, trigger, customer_id, order=order, event=event, segment_id=segment_id, at=at, metadata=metadata)
    return engine.evaluate(context, setup.rules.values())


def earning_context(setup: Setup, trigger: Any, customer_id: str, *, order: Order | None = None, event: CustomEvent | None = None,
                    segment_id: str | None = None, at: str | None = None, metadata: Mapping[str, Any] | None = None) -> EarningContext:
    """What the engine evaluates a trigger in (also what a POINTS_PROPORTIONAL benefit's points are computed from)."""
    customer_metadata = metadata if metadata is not None else (setup.customer or {}).get("metadata") or {}
    return EarningContext(trigger=trigger, now=at or now_iso(), customer_id=customer_id, customer_metadata=customer_metadata,
                          order=order, event=event, segment_id=segment_id, memberships=tuple(setup.memberships),
                          timezone=timezone())


@dataclass
class Finish:
    """A write that ends the job (its marker off the pending-job index, label `job`): it rides in the job's first earning
    transaction instead of costing one of its own; `done` once it is written (or found already gone)."""

    item: ItemBuilder
    done: bool = False

    def write(self, db: Table) -> None:
        """Write the item alone (TransactionConflict when its condition fails: the job is no longer this one)."""
        tx = db.transaction()
        self.item[1](tx, self.item[0])
        tx.commit()

    def end(self, db: Table) -> None:
        """Write the item alone unless it already rode in an earning transaction; a refused condition means another
        delivery ended the job, or a later job replaced it (which ends its own), so there is nothing to do."""
        if self.done:
            return
        try:
            self.write(db)
        except TransactionConflict as conflict:
            if not conflict.failed(self.item[0]):
                raise
        self.done = True


def earn(db: Table, customer_id: str, source_id: str, *, order: Order | None = None, event: CustomEvent | None = None,
         finish: Finish | None = None) -> int:
    """Evaluate the v2 earning rules an order (PAID) or custom event fires for a customer and write what they give, each
    effect on each card once (a claim keyed by source + rule + earning + effect + card). Returns the transactions written.
    `finish` joins the first transaction written (the caller writes it alone when it is not `done` after)."""
    at = now_iso()
    setup = load_setup(db, customer_id, v1=True)
    if not setup.memberships:
        return 0
    trigger = ORDER_PAID if order is not None else CUSTOM_EVENT
    context = earning_context(setup, trigger, customer_id, order=order, event=event, at=at)
    result = engine.evaluate(context, setup.rules.values())
    for gap in result.unsupported:
        if gap.feature in ENFORCED_HERE:
            continue
        logger.warning("earning rule part not evaluated", extra={"rule_id": gap.rule_id, "feature": gap.feature, "detail": gap.detail})
    by_card: dict[str, list[Earning]] = defaultdict(list)
    for earning in result.earnings:
        by_card[earning.card_id].append(earning)
    # A rule's trigger limits are counted once per member: with the first (by id) of the cards it gives points to,
    # whose write therefore goes first; a rule refused there gives nothing to the member's other cards either.
    triggers: dict[str, list[limits.TriggerLimit]] = defaultdict(list)
    leads: dict[tuple[str, str], str] = {}
    for earning in result.earnings:
        key = (earning.member_id, earning.rule_id)
        leads[key] = min(leads.get(key, earning.card_id), earning.card_id)
    for (member_id, rule_id), card_id in leads.items():
        limit = limits.trigger_limit(db, setup.rules[rule_id], member_id, at, timezone())
        if limit is not None:
            triggers[card_id].append(limit)
    refused: set[tuple[str, str]] = set()
    written = 0
    for card_id in sorted(by_card):
        card = setup.cards[card_id]
        earnings = [e for e in by_card[card_id] if (e.member_id, e.rule_id) not in refused]
        cdef = setup.card_definitions.get(card["card_definition_id"], {})
        for rule_id in dict.fromkeys(e.rule_id for e in earnings):  # v1 rules: one write per rule, with its own settings
            policy = setup.rules[rule_id].get(V1_POLICY)
            if policy is None:
                continue
            own = [e for e in earnings if e.rule_id == rule_id]
            earnings = [e for e in earnings if e.rule_id != rule_id]
            count, _ = write_earnings(db, card, policy, [_as_policy(e, policy) for e in own], source_id, at, finish=finish)
            written += count
        if not earnings:
            continue
        count, refused_rules = write_earnings(db, card, cdef, earnings, source_id, at,
                                              [t for t in triggers[card_id] if (card["member_id"], t.rule_id) not in refused],
                                              finish=finish)
        written += count
        refused |= {(card["member_id"], rule_id) for rule_id in refused_rules}
    grants = [g for g in result.benefits if (g.member_id, g.rule_id) not in refused]
    if grants:
        written += grant_benefits(db, setup, context, grants, {(e.member_id, e.rule_id) for e in result.earnings}, source_id, at,
                                  finish=finish)
    return written


def _as_policy(earning: Earning, cdef: Mapping[str, Any]) -> Earning:
    """An earning whose transaction type follows the given card-definition settings (pending or not)."""
    pending = (cdef.get("pending_points") or {}).get("type", "IMMEDIATE") != "IMMEDIATE"
    return replace(earning, transaction_type="PENDING_POINTS_ADDED" if pending else POINTS_EARNED,
                   points_expiration=earning.points_expiration or cdef.get("points_expiration"))


def _earning_write(db: Table, card: Card, cdef: Mapping[str, Any], earnings: list[Earning], source_id: str, at: str,
                   *, claims: bool = True) -> CardWrite:
    write = CardWrite(card["member_id"], card["id"])
    credits: dict[tuple[str, str], int] = defaultdict(int)
    record = cast(dict[str, Any], card)
    for i, earning in enumerate(earnings):
        points = earning.points
        metadata = {"event_id": source_id, **earning.metadata}
        claim: dict[str, Any] = {"card_id": card["id"], "member_id": card["member_id"], "program_id": card["program_id"],
                                 "card_definition_id": card["card_definition_id"], "rule_id": earning.rule_id, "points": points,
                                 "type": earning.transaction_type, "created_at": at}
        if earning.transaction_type == POINTS_EARNED:
            date, kind = bucket_store.points_expiry(cdef, earning.points_expiration, at)
            ctx = card_transaction(card, POINTS_EARNED, points, earning.reason, "APPROVED", metadata=metadata,
                                   points={"total": points, "expiration_date": date, "expiration_type": kind},
                                   **dict(earning.details or {}))
            write.move(earned=points, total=points)
            if date:
                credits[(date, kind)] += points
        else:
            schedule = buckets.pending_schedule(cdef.get("pending_points"), at, timezone())
            assert schedule is not None
            day = schedule.date.isoformat()
            ctx = card_transaction(card, "PENDING_POINTS_ADDED", points, earning.reason, "APPROVED", metadata=metadata,
                                   points={"total": points, "date": day, "type": schedule.type})
            bucket = {"id": ids.PENDING_POINTS_BUCKET.new(), **bucket_store.bucket_ref(record), "points": {"total": points},
                      "date": day, "type": schedule.type, "status": "PENDING", "created_at": at, "updated_at": None,
                      "object": "card_pending_points_bucket", "customer_id": record.get("customer_id"),
                      "points_expiration": earning.points_expiration, "source_id": source_id, "transaction_id": ctx["id"],
                      "reason": earning.reason, "metadata": metadata}
            write.move(pending_total=points)
            write.add_pending(db, bucket, label=f"pending:{i}")
            claim.update({"bucket_id": bucket["id"], "bucket_date": day})
        claim["transaction_id"] = ctx["id"]
        write.transactions.append(cast(dict[str, Any], ctx))
        if claims:
            write.items.append(labelled(f"claim:{i}", store.add_claim, db, source_id, earning.idempotency_key, claim))
    for n, ((date, kind), points) in enumerate(sorted(credits.items())):
        write.credit_expiring(db, record, date, kind, points, ids.POINTS_BUCKET.new(), label=f"credit:{n}")
    return write


TIER_EARNING = "tier"
"""The earning id of a v1 tier-event earning in its claim key (`<lttx id>:<rule id>:tier:0:<card id>`)."""


def tier_earning_write(db: Table, card: Card, fired: Iterable[v1_earning.TierRuleFired], tier_transaction: Mapping[str, Any],
                       at: str, tier_names: Mapping[str, str] | None = None) -> CardWrite | None:
    """The card write crediting what the v1 tier-event rules a tier change fired give (None: nothing): one POINTS_EARNED
    transaction per rule (v1: POINTS_ACCRUAL, with `details.earning_rule`, `loyalty_tier` and `event`), its points
    expiring as the rule's (or campaign's) `expiration_rules` say, each conditioned on its claim keyed by the tier
    transaction. The caller adds it to the transaction that writes the tier transaction, so the credit is written with
    the change or not at all, and once: a replayed change finds no change to write."""
    source_id = str(tier_transaction["id"])
    earnings: list[Earning] = []
    for fire in fired:
        rule = fire.rule
        banner = (rule.get("source") or {}).get("banner")
        earning = Earning(
            rule_id=rule["id"], rule_name=banner or fire.event, earning_id=TIER_EARNING, earning_index=0, effect_index=0,
            effect_type="POINTS", card_id=card["id"], card_definition_id=card["card_definition_id"], member_id=card["member_id"],
            program_id=card["program_id"], points=fire.points, transaction_type=POINTS_EARNED, reason=banner or fire.event,
            metadata={"member_id": card["member_id"], "program_id": card["program_id"], "earning_rule_id": rule["id"]},
            points_expiration=None,
            idempotency_key=engine.idempotency_key(source_id, rule["id"], TIER_EARNING, 0, card["id"]),
            details={"earning_rule": {"id": rule["id"], "source": {"banner": banner} if banner else {}},
                     "loyalty_tier": {"id": fire.tier_id, "name": (tier_names or {}).get(fire.tier_id)},
                     "event": {"id": source_id, "type": fire.event}},
        )
        earnings.append(_as_policy(earning, v1_card_definition({**fire.v1, "pending_points": None})))
    if not earnings:
        return None
    return _earning_write(db, card, {}, earnings, source_id, at)


def _capped(earnings: list[Earning], cap: limits.EarningCap | None) -> list[Earning]:
    """The earnings with their points cut to what the card may still earn (in order; those left with none dropped)."""
    if cap is None:
        return earnings
    room, kept = cap.room, []
    for earning in earnings:
        points = min(earning.points, room)
        if points <= 0:
            logger.info("earning capped by the card definition's global earning limit", extra={"card_id": earning.card_id,
                                                                                               "rule_id": earning.rule_id})
            continue
        room -= points
        kept.append(earning if points == earning.points else replace(earning, points=points))
    return kept


def write_earnings(db: Table, card: Card, cdef: Mapping[str, Any], earnings: list[Earning], source_id: str, at: str,
                   triggers: Iterable[limits.TriggerLimit] = (), *, finish: Finish | None = None) -> tuple[int, set[str]]:
    """Write one card's earnings in one transaction, each conditioned on its claim, capped by the card definition's
    global earning limit and counted against the trigger limits of the rules this card leads. An effect whose claim
    exists already earned (a resent order, a redelivered job) and is dropped; a rule whose trigger limit refuses is
    dropped; the card moving under a cap is read again. Returns how many were written and the rules refused."""
    remaining, pending_triggers = list(earnings), {t.rule_id: t for t in triggers}
    refused: set[str] = set()
    for _ in range(MAX_WRITE_ATTEMPTS):
        cap = limits.earning_cap(db, cdef, cast(dict[str, Any], card), at, timezone())
        sized = _capped(remaining, cap)
        if not sized:
            return 0, refused
        write = _earning_write(db, card, cdef, sized, source_id, at)
        for limit in pending_triggers.values():
            write.items.extend(limit.items)
        if cap is not None:
            write.expect = cap.expect or None
            counted = limits.cap_item(db, card["id"], cap, sum(e.points for e in sized))
            if counted:
                write.items.append(counted)
        riding = finish is not None and not finish.done
        if riding:
            assert finish is not None
            write.items.append(finish.item)
        try:
            write.commit(db)
            if riding:
                assert finish is not None
                finish.done = True
            return len(sized), refused
        except TransactionConflict as conflict:
            if riding and conflict.failed("job"):
                assert finish is not None
                finish.done = True  # another delivery ended the job, or a later job replaced it: nothing to end here
                continue
            claimed = {sized[int(label.split(":")[1])].idempotency_key for label in bucket_store.failed_labels(conflict, "claim:")}
            claimed_rules = {e.rule_id for e in sized if e.idempotency_key in claimed}
            reasons = limits.refusal_reasons(bucket_store.failed_labels(conflict, "trigger:"))
            blocked = set(reasons) - claimed_rules
            for rule_id in sorted(blocked - refused):  # a failed evaluation, counted once for the rule reports
                limits.record_refusal(db, card["program_id"], card["member_id"], rule_id, source_id, reasons[rule_id], local_day(at))
            for rule_id in claimed_rules | blocked:
                pending_triggers.pop(rule_id, None)  # counted when the claimed effects were written, or refused now
            refused |= blocked
            remaining = [e for e in remaining if e.idempotency_key not in claimed and e.rule_id not in blocked]
            if claimed or blocked:
                continue
            if not (conflict.failed("card") or conflict.failed("cap")):
                raise
            fresh = store.get_card(db, card["member_id"], card["id"])
            if fresh is None:
                logger.warning("earning for a card that no longer exists dropped", extra={"card_id": card["id"]})
                return 0, refused
            card = cast(Card, {**fresh, "customer_id": cast(dict[str, Any], card).get("customer_id")})
    raise RuntimeError("the card kept changing while its earnings were written")


# ---------------------------------------------------------------------------------------------- benefits granted by earning
# Why a grant is REJECTED (ours: earning-map §7, E24); the transaction's `details.rejection.details` says it in words.
BENEFIT_NOT_ACTIVE = "benefit_not_active"
BENEFIT_NOT_SUPPORTED = "not_supported"
OUT_OF_STOCK = "out_of_stock"
NO_CARD = "no_card"
ZERO_POINTS = "zero_points"
POINTS_BENEFITS = ("POINTS", "POINTS_PROPORTIONAL")


@dataclass
class GrantPlan:
    """One grant as it will be written: its benefit transaction, the stock move (True: take one from a LIMITED stock;
    False: the benefit must still be ACTIVE and UNLIMITED; None: a rejection moves nothing) and, for points, the card
    write its transaction rides in."""

    btx: dict[str, Any]
    take_stock: bool | None
    write: CardWrite | None = None


def grant_benefits(db: Table, setup: Setup, context: EarningContext, grants: Iterable[BenefitGrant],
                   counted: set[tuple[str, str]], source_id: str, at: str, *, finish: Finish | None = None) -> int:
    """Grant the benefits the BENEFIT effects give (earning-map §7): each writes one benefit transaction (FULFILLMENT),
    once (a claim keyed like the effect's points claims), in one transaction with what it delivers: points on the member's
    card of the benefit's card definition (the transaction an earning writes, pending or not, expiring as the card
    definition says), or a product or SKU named in the result; a LIMITED stock gives one unit per APPROVED grant. A
    grant that cannot be delivered is written REJECTED with its reason. A rule that gave the member no points counts its
    trigger limits with its first grant (`counted`: the members' rules whose points counted them); a rule they refuse
    grants nothing. `finish` joins the first grant written when no earning carried it. Returns how many grants were
    written."""
    grants = list(grants)
    benefits = benefit_store.get_benefits(db, sorted({g.benefit_id for g in grants}))
    triggers: dict[tuple[str, str], limits.TriggerLimit] = {}
    for grant in grants:
        key = (grant.member_id, grant.rule_id)
        if key not in counted and key not in triggers:
            limit = limits.trigger_limit(db, setup.rules[grant.rule_id], grant.member_id, at, timezone())
            if limit is not None:
                triggers[key] = limit
    written, blocked = 0, set()
    for grant in grants:
        key = (grant.member_id, grant.rule_id)
        if key in blocked:
            continue
        outcome = _grant(db, setup, context, grant, benefits, source_id, at, triggers.get(key), finish)
        if outcome == "blocked":
            blocked.add(key)
            continue
        triggers.pop(key, None)  # counted with this grant (or by the delivery that wrote it first)
        written += outcome == "written"
    return written


def _grant(db: Table, setup: Setup, context: EarningContext, grant: BenefitGrant, benefits: dict[str, dict[str, Any]],
           source_id: str, at: str, trigger: limits.TriggerLimit | None, finish: Finish | None) -> str:
    """Write one grant: `written`; `claimed` (it was written before: a resent order, a redelivered job); `blocked` (the
    rule's trigger limit refuses it). The benefit or card moving meanwhile is read again."""
    for _ in range(MAX_WRITE_ATTEMPTS):
        plan = _plan_grant(db, setup, context, grant, benefits.get(grant.benefit_id), source_id, at)

        def add(tx: Transaction, _label: str, plan: GrantPlan = plan) -> None:
            benefit_store.add_grant(tx, db, source_id, grant.idempotency_key, plan.btx, plan.take_stock)
        items: list[ItemBuilder] = [("grant", add), *(trigger.items if trigger else ())]
        riding = finish is not None and not finish.done
        if finish is not None and riding:
            items.append(finish.item)
        try:
            if plan.write is not None:
                plan.write.items += items
                plan.write.commit(db)
            else:
                tx = db.transaction()
                for label, build in items:
                    build(tx, label)
                tx.commit()
            if finish is not None and riding:
                finish.done = True
            return "written"
        except TransactionConflict as conflict:
            if finish is not None and riding and conflict.failed(finish.item[0]):
                finish.done = True  # another delivery ended the job, or a later job replaced it: nothing to end here
                continue
            if conflict.failed("claim"):
                return "claimed"
            if bucket_store.failed_labels(conflict, "trigger:"):
                return "blocked"
            if conflict.failed("benefit"):
                benefits.update(benefit_store.get_benefits(db, [grant.benefit_id]))
                benefits.setdefault(grant.benefit_id, {})
                continue
            if conflict.failed("card") and plan.write is not None:
                setup.cards.pop(plan.write.card_id, None)  # the member (and its card) was deleted meanwhile
                continue
            raise
    raise RuntimeError("the benefit kept changing while its grant was written")


def _member_card(setup: Setup, member_id: str, cdef_id: str | None) -> Card | None:
    """The member's card of a card definition (the first by id when it holds several)."""
    held = sorted((c for c in setup.cards.values() if c["member_id"] == member_id and c["card_definition_id"] == cdef_id),
                  key=lambda c: c["id"])
    return held[0] if held else None


def _plan_grant(db: Table, setup: Setup, context: EarningContext, grant: BenefitGrant, benefit: dict[str, Any] | None,
                source_id: str, at: str) -> GrantPlan:
    """Decide a grant against the benefit as read: REJECTED when the benefit is not ACTIVE (`benefit_not_active`), is
    DIGITAL (`not_supported`), has no stock left (`out_of_stock`), credits a card definition the member holds no card of
    (`no_card`) or comes to 0 points (`zero_points`); else APPROVED with its result."""
    rule = setup.rules.get(grant.rule_id, {})
    reason = f"{setup.programs.get(grant.program_id, {}).get('name') or ''} / {rule.get('name') or ''}"
    btx_id = ids.BENEFIT_TRANSACTION.new()
    source = {"order_id": source_id} if context.order is not None else {"event_id": source_id}
    rejection: tuple[str, str] | None = None
    result: dict[str, Any] | None = None
    write: CardWrite | None = None
    benefit = benefit or {}
    status = benefit.get("status")
    stock = benefit.get("stock") or {}
    limited = stock.get("type") == "LIMITED"
    unsupported = unsupported_reason(benefit)
    if status != "ACTIVE":
        rejection = (BENEFIT_NOT_ACTIVE, f"Benefit {grant.benefit_id} is {status or 'missing'}, not ACTIVE")
    elif unsupported is not None:
        rejection = (BENEFIT_NOT_SUPPORTED, unsupported)
    elif limited and int((stock.get("limited") or {}).get("quantity", 0)) <= 0:
        rejection = (OUT_OF_STOCK, f"Benefit {grant.benefit_id} has no stock left")
    elif benefit.get("type") in POINTS_BENEFITS:
        cdef_id = card_definition_of(benefit)
        card = _member_card(setup, grant.member_id, cdef_id)
        points = 0 if card is None else engine.effect_points(benefit, context, lambda feature, detail: logger.warning(
            "benefit points part not evaluated", extra={"benefit_id": grant.benefit_id, "feature": feature, "detail": detail}))
        if card is None:
            rejection = (NO_CARD, f"Member {grant.member_id} holds no card of card definition {cdef_id}")
        elif points <= 0:
            rejection = (ZERO_POINTS, f"Benefit {grant.benefit_id} comes to 0 points for this {'order' if context.order else 'event'}")
        else:
            cdef = setup.card_definitions.get(str(cdef_id), {})
            pending = (cdef.get("pending_points") or {}).get("type", "IMMEDIATE") not in (None, "", "IMMEDIATE")
            earning = Earning(
                rule_id=grant.rule_id, rule_name=str(rule.get("name") or ""), earning_id=grant.earning_id,
                earning_index=grant.earning_index, effect_index=grant.effect_index, effect_type="BENEFIT", card_id=card["id"],
                card_definition_id=str(cdef_id), member_id=grant.member_id, program_id=grant.program_id, points=points,
                transaction_type=PENDING_POINTS_ADDED if pending else POINTS_EARNED, reason=reason,
                metadata={"member_id": grant.member_id, "program_id": grant.program_id, "earning_item_id": grant.earning_id,
                          "earning_rule_id": grant.rule_id, "benefit_id": grant.benefit_id, "benefit_transaction_id": btx_id},
                points_expiration=None, idempotency_key=grant.idempotency_key)
            write = _earning_write(db, card, cdef, [earning], source_id, at, claims=False)
            result = {"card_transaction": {"id": write.transactions[-1]["id"]}}
    else:
        material = benefit.get("material") or {}
        variant = str(material.get("type", "")).lower()
        result = {variant: material.get(variant)}
    btx = {"id": btx_id, "benefit_id": grant.benefit_id, "program_id": grant.program_id, "member_id": grant.member_id,
           "earning_rule_id": grant.rule_id, "type": "FULFILLMENT",
           "details": {"reason": reason, "rejection": {"reason": rejection[0], "details": rejection[1]} if rejection else None,
                       "metadata": {**source, "earning_item_id": grant.earning_id}, "result": result},
           "status": "REJECTED" if rejection else "APPROVED", "created_at": at, "updated_at": None, "object": "benefit_transaction"}
    return GrantPlan(btx, None if rejection else limited, write)


# ---------------------------------------------------------------------------------------------- pending points
def _card_of(bucket: Mapping[str, Any]) -> dict[str, Any]:
    """The card fields a transaction on a bucket's card needs (the bucket repeats them)."""
    return {"id": bucket["card_id"], "member_id": bucket["member_id"], "program_id": bucket["program_id"],
            "card_definition_id": bucket["card_definition_id"], "card_type": bucket.get("card_type", "INDIVIDUAL"),
            "customer_id": bucket.get("customer_id")}


def settle_pending(db: Table, pending: Item, cdef: Mapping[str, Any], *, activate: bool, reason: str,
                   at: str | None = None, extra: Callable[[CardWrite], None] | None = None) -> dict[str, Any] | None:
    """Activate or cancel one PENDING bucket in one transaction: the bucket leaves its list (kept as ACTIVATED or
    CANCELED), a PENDING_POINTS_ACTIVATED / _CANCELED transaction, the card's counters, and for an activation the points
    join their expiring bucket. Returns the transaction, or None when the bucket was settled meanwhile."""
    at = at or now_iso()
    bucket = dict(pending["data"])
    points = int(bucket["points"]["total"])
    card = _card_of(bucket)
    write = CardWrite(bucket["member_id"], bucket["card_id"])
    settled = {**bucket, "status": "ACTIVATED" if activate else "CANCELED", "updated_at": at}
    details: dict[str, Any] = {"points": {"total": points if activate else -points, "date": bucket["date"], "type": bucket["type"]}}
    if activate:
        date, kind = bucket_store.points_expiry(cdef, bucket.get("points_expiration"), at)
        details["points"].update({"expiration_date": date, "expiration_type": kind})
        write.move(pending_activated=points, total=points, earned=points)
        if date:
            write.credit_expiring(db, card, date, kind, points, ids.POINTS_BUCKET.new(), label="credit")
    else:
        write.move(pending_canceled=points)
    ctx = card_transaction(cast(Card, card), "PENDING_POINTS_ACTIVATED" if activate else "PENDING_POINTS_CANCELED", points, reason,
                           "APPROVED", metadata={"pending_points_bucket_id": bucket["id"]}, **details)
    write.transactions.append(cast(dict[str, Any], ctx))
    write.settle_bucket(db, pending, settled, label="bucket")
    if extra:
        extra(write)
    try:
        write.commit(db)
    except TransactionConflict as conflict:
        if conflict.failed("bucket"):
            return None
        if conflict.failed("card"):  # the member (and its card) was deleted: nothing to settle, and nothing due
            bucket_store.drop_from_due_list(db, pending)
            return None
        raise
    return cast(dict[str, Any], ctx)


def find_pending_bucket(db: Table, card_id: str, bucket_id: str) -> Item | None:
    """A card's PENDING bucket by id."""
    return next((i for i in bucket_store.get_pending_buckets(db, card_id) if i["data"]["id"] == bucket_id), None)


def activate_on_event(db: Table, customer_id: str, schema_id: str | None, at: str) -> int:
    """Activate the customer's EVENT_BASED pending points whose card definition lists the tracked event's schema
    (earning-map §3, §14 E2). Returns how many buckets were activated."""
    if not schema_id:
        return 0
    setup = load_setup(db, customer_id)
    activated = 0
    for card in setup.cards.values():
        cdef = setup.card_definitions.get(card["card_definition_id"], {})
        if not buckets.activates_on_event(cdef.get("pending_points"), schema_id):
            continue
        for item in bucket_store.get_pending_buckets(db, card["id"]):
            if item["data"].get("type") == "EVENT_BASED" and settle_pending(db, item, cdef, activate=True, reason=EVENT_ACTIVATION, at=at):
                activated += 1
    return activated


# ---------------------------------------------------------------------------------------------- expiring points
def find_expiring_bucket(db: Table, card_id: str, bucket_id: str) -> Item | None:
    """A card's ACTIVE expiring bucket by id."""
    return next((i for i in bucket_store.get_expiring_buckets(db, card_id) if i.get("id") == bucket_id), None)


def expire_buckets(db: Table, card: Mapping[str, Any], items: list[Item], *, manual: bool, day: str | None = None) -> dict[str, Any] | None:
    """Expire ACTIVE buckets of one card in one transaction: each leaves its list (kept EXPIRED), the card's `expired`
    grows by what they held, and one transaction records it: ADMIN_POINTS_EXPIRATION for a manual expire of one bucket,
    POINTS_EXPIRED for the daily job's (earning-map §4). Returns the transaction, or None when a bucket moved meanwhile
    (the caller reads again)."""
    at = now_iso()
    total = sum(int(i.get("points", 0)) for i in items)
    if total <= 0:
        return None
    write = CardWrite(str(card["member_id"]), str(card["id"]))
    write.move(expired=total)
    views = []
    for n, expiring in enumerate(items):
        view = bucket_store.expiring_bucket_from_item(expiring)
        views.append(view)
        settled = {**view, "status": "EXPIRED", "updated_at": at}
        write.settle_bucket(db, expiring, settled, label=f"bucket:{n}")
    if manual:
        simple = {"id": views[0]["id"], "points": views[0]["points"], "expiration_date": views[0]["expiration_date"],
                  "expiration_type": views[0]["expiration_type"]}
        ctx = card_transaction(cast(Card, card), "ADMIN_POINTS_EXPIRATION", -total, None, "APPROVED", bucket=simple)
    else:
        ctx = card_transaction(cast(Card, card), "POINTS_EXPIRED", -total, EXPIRATION, "APPROVED", date=day,
                               buckets=[{"id": v["id"], "points": v["points"], "expiration_date": v["expiration_date"],
                                         "expiration_type": v["expiration_type"]} for v in views])
    write.transactions.append(cast(dict[str, Any], ctx))
    try:
        write.commit(db)
    except TransactionConflict as conflict:
        if bucket_store.failed_labels(conflict, "bucket:"):
            return None
        if conflict.failed("card"):  # the member (and its card) was deleted: nothing to expire, and nothing due
            for expiring in items:
                bucket_store.drop_from_due_list(db, expiring)
            return None
        raise
    return cast(dict[str, Any], ctx)


# ---------------------------------------------------------------------------------------------- order canceled
def revoke_order(db: Table, order_id: str) -> int:
    """Apply each earning card definition's `refunds.earned_points` to what a canceled order earned (earning-map §9.2,
    §14 E21: the whole order). Each claim is revoked once. Returns how many claims were revoked."""
    claims = [c for c in store.get_claims(db, order_id) if not c.get("revoked")]
    cdef_of = card_definitions(db)
    return sum(1 for claim in claims if _revoke_claim(db, order_id, claim, cdef_of(str(claim["card_definition_id"]))))


def card_definitions(db: Table) -> Callable[[str], dict[str, Any]]:
    """A reader of card definitions by id that reads each one once (`{}` for one that does not exist)."""
    cdefs: dict[str, dict[str, Any]] = {}

    def cdef_of(cdef_id: str) -> dict[str, Any]:
        if cdef_id not in cdefs:
            _, found = store.get_rules_and_card_definitions(db, [], [cdef_id])
            cdefs[cdef_id] = found.get(cdef_id, {})
        return cdefs[cdef_id]
    return cdef_of


def _refund_method(cdef: Mapping[str, Any]) -> dict[str, Any] | None:
    earned = ((cdef.get("refunds") or {}).get("earned_points")) or {}
    if earned.get("type") != "REFUNDABLE":
        return None
    methods = earned.get("methods") or []
    return dict(methods[0]) if methods else None


def _revoke_claim(db: Table, order_id: str, claim: Item, cdef: Mapping[str, Any]) -> bool:
    method = _refund_method(cdef)
    if method is None:
        return False
    claim_key = str(claim["SK"]).split("#", 1)[1]

    def mark(how: str) -> Callable[[CardWrite], None]:
        return lambda write: write.items.append(labelled("claim", store.add_claim_revoked, db, order_id, claim_key, how))

    if claim.get("bucket_id"):
        item = find_pending_bucket(db, str(claim["card_id"]), str(claim["bucket_id"]))
        if item is not None:
            try:
                return settle_pending(db, item, cdef, activate=False, reason=ORDER_CANCELED, extra=mark("PENDING_CANCELED")) is not None
            except TransactionConflict as conflict:
                if conflict.failed("claim"):
                    return False
                raise
        if method.get("type") == "REVOKE_FROM_PENDING":
            return False
    elif method.get("type") == "REVOKE_FROM_PENDING":
        return False
    return _refund_points(db, order_id, claim, method, mark("REFUNDED"))


def _refund_points(db: Table, order_id: str, claim: Item, method: Mapping[str, Any], mark: Callable[[CardWrite], None]) -> bool:
    """POINTS_REFUNDED for the active points a claim earned: down to zero (REVOKE_TO_ZERO) or below (REVOKE_BELOW_ZERO)."""
    for _ in range(MAX_WRITE_ATTEMPTS):
        card = store.get_card(db, str(claim["member_id"]), str(claim["card_id"]))
        if card is None:
            return False
        points = int(claim["points"])
        if method.get("mode") != "REVOKE_BELOW_ZERO":
            points = min(points, max(int(card.get("balance", 0)), 0))
        write = CardWrite(card["member_id"], card["id"], min_balance=None)
        mark(write)
        if points > 0:
            write.move(refunded=points)
            bucket_store.add_consumption(write, db, card["id"], points)
            ctx = card_transaction(card, "POINTS_REFUNDED", -points, ORDER_CANCELED, "APPROVED",
                                   metadata={"order_id": order_id, "earning_rule_id": claim.get("rule_id")})
            write.transactions.append(cast(dict[str, Any], ctx))
            if method.get("mode") != "REVOKE_BELOW_ZERO":
                write.min_balance = points
        try:
            write.commit(db)
            return points > 0
        except TransactionConflict as conflict:
            if conflict.failed("claim"):
                return False
            if not (conflict.failed("card") or bucket_store.failed_labels(conflict, "consume:")):
                raise
    raise RuntimeError("the card kept changing while its order points were revoked")


# ---------------------------------------------------------------------------------------------- the daily job
def day_of_run(at: str | datetime) -> str:
    """The day a scheduled run at `at` works for: the project-time-zone date of that instant."""
    return local_day(at)


DAILY_COUNTS = ("activated", "canceled", "expired_buckets", "expiration_transactions")


def run_daily(db: Table, day: str, *, page_size: int = 500) -> dict[str, int]:
    """The daily job for one project and day (earning-map §13): activate PENDING buckets whose date has come, cancel
    EVENT_BASED buckets whose deadline has come, then expire buckets whose last valid day is before `day`. Idempotent:
    settled buckets leave the due lists, so a second run finds nothing to do."""
    summary = dict.fromkeys(DAILY_COUNTS, 0)
    cdef_of = card_definitions(db)

    next_day = (datetime.fromisoformat(day) + timedelta(days=1)).date().isoformat()
    at = _start_of(day)
    for item in _due(db, bucket_store.PENDING, next_day, page_size):
        bucket = item["data"]
        activate = bucket.get("type") != "EVENT_BASED"
        if settle_pending(db, item, cdef_of(str(bucket["card_definition_id"])), activate=activate,
                          reason=AUTO_ACTIVATION if activate else AUTO_CANCELLATION, at=at):
            summary["activated" if activate else "canceled"] += 1
    by_card: dict[str, list[Item]] = defaultdict(list)
    for item in _due(db, bucket_store.EXPIRING, day, page_size):
        by_card[str(item["data"]["card_id"])].append(item)
    for items in by_card.values():
        card = dict(items[0]["data"])
        card["id"] = card["card_id"]
        if expire_buckets(db, card, items, manual=False, day=day):
            summary["expired_buckets"] += len(items)
            summary["expiration_transactions"] += 1
    bucket_store.record_daily_run(db, day, summary)
    return summary


def _start_of(day: str) -> str:
    """00:00 of `day` in the project time zone, as an API timestamp."""
    local = datetime.fromisoformat(day).replace(tzinfo=ZoneInfo(timezone()))
    ms = int(local.astimezone(UTC).timestamp() * 1000)
    return iso_from_ms(ms)


def _due(db: Table, kind: str, before: str, page_size: int) -> Iterable[Item]:
    start: dict[str, Any] | None = None
    while True:
        items, start = bucket_store.due_buckets(db, kind, before, page_size, start)
        yield from items
        if not start:
            return
