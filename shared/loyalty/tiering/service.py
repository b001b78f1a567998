"""Members in tiers: re-evaluating a member's standing when its tracked card changes or a day comes, the daily run, and
the tier transactions list.

A card's points change in many places (earning, purchases, refunds, admin operations, expiry); none of them knows
about tiers. The table's stream carries every card change to `re_evaluate`, which reads the member's current cards and
standing (one Query) and writes a new standing with its tier transaction only when something changed (one conditional
TransactWriteItems, with the tier events the change fires in the outbox: notify/): a points change costs no extra
request, a redelivered or replayed change finds nothing to do, and two evaluations racing on one member are ordered by
the standing's version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, cast

from loyalty.cards.buckets import CardWrite
from loyalty.core import ids
from loyalty.core.cache import WarmCache
from loyalty.core.clock import now_iso
from loyalty.core.listing import DATE, ListSpec, id_field
from loyalty.core.lists import member_list
from loyalty.core.settings import get_settings
from loyalty.db.keys import TIER_STRUCTURE
from loyalty.db.table import Table
from loyalty.db.transact import Transaction, TransactionConflict
from loyalty.earning.buckets import local_day
from loyalty.members.records import Card
from loyalty.notify import service as notify
from loyalty.notify.models import tier_transaction_events
from loyalty.points import service as points
from loyalty.programs.store import get_program_with_assignments
from loyalty.tiering import store
from loyalty.tiers import standing as rules
from loyalty.tiers.standing import Origin, Standing
from loyalty.tiers.store import get_structure_with_tiers
from loyalty.v1 import earning as v1_earning
from loyalty.v1 import store as v1_store
from loyalty.v1.models import tier_events, tier_of, tier_structure_of

RETRIES = 4


@dataclass(frozen=True)
class TierSetup:
    """A program's live tier structure (ACTIVE) and its tiers."""

    structure: dict[str, Any]
    tiers: list[dict[str, Any]]

    @property
    def card_definition_id(self) -> str:
        """The card definition the structure tracks."""
        return rules.tracks(self.structure)


def load_tier_setup(db: Table, program_id: str) -> TierSetup | None:
    """The program's ACTIVE tier structure with its tiers (one Query + one Query), or None. A v1 campaign (`camp_`) is a
    program whose tiers (`ltr_`) form the structure `v1.models.tier_structure_of` describes (one Query)."""
    if v1_store.CAMPAIGN_ID.fullmatch(program_id):
        tiers = v1_store.campaign_tiers(db, program_id)
        return TierSetup(tier_structure_of(program_id), [tier_of(t) for t in tiers]) if tiers else None
    found = get_program_with_assignments(db, program_id)
    if found is None:
        return None
    ts_id = next((a["id"] for a in found[1] if a["kind"] == TIER_STRUCTURE), None)
    if ts_id is None:
        return None
    with_tiers = get_structure_with_tiers(db, ts_id)
    if with_tiers is None or with_tiers[0].data.get("status") != "ACTIVE":
        return None
    return TierSetup(dict(with_tiers[0].data), [dict(t) for t in with_tiers[1]])


SETUPS: WarmCache[TierSetup | None] = WarmCache()
"""Tier setups a warm function reuses: a stream batch touching many members of one program reads its structure once."""


def today() -> date:
    """Today in the project time zone."""
    return local_day(now_iso(), get_settings().timezone)


def re_evaluate(db: Table, member_id: str, card_id: str, *, origin: Origin, day: date | None = None, daily: bool = False,
                earned_before: int | None = None, removed_card: Card | None = None,
                card_transaction_ids: Sequence[str] = ()) -> str | None:
    """Bring a member's standing up to date with its card `card_id` as it is now (or, with `removed_card`, as it was
    before its member was deleted). Returns the change written (JOINED, UPGRADED, ...) or None."""
    day = day or today()
    for attempt in range(RETRIES):
        member, cards, standing, version = store.get_member_standing(db, member_id)
        card = removed_card if removed_card is not None else cards.get(card_id)
        if card is None:
            return None
        program_id = str(card.get("program_id", ""))
        if not (ids.PROGRAM.matches(program_id) or v1_store.CAMPAIGN_ID.fullmatch(program_id)):
            return None
        setup = SETUPS.get(db.project_id, str(card["program_id"]), partial(load_tier_setup, db))
        if setup is None or card["card_definition_id"] != setup.card_definition_id:
            return None
        if standing is not None and standing.get("tier_structure_id") != setup.structure["id"]:
            standing = None  # the program's structure changed: start over in the new one (the version still orders writes)
        deleted = removed_card is not None or member is None or member.get("status") == "DELETED"
        at = now_iso()
        outcome = rules.evaluate(setup.structure, setup.tiers, standing, card, day, daily=daily, at=at,
                                 earned_before=earned_before, removed=deleted)
        if outcome.standing is None:
            return None
        change = outcome.decision.change
        ttx = (rules.tier_transaction(ids.TIER_TRANSACTION.new(), outcome, "member_card_deleted" if deleted else origin, at,
                                      card_transaction_ids) if change else None)
        due = None if deleted else rules.due_day(setup.structure, outcome.standing)
        earned = _tier_earnings(db, card, setup, ttx, at) if ttx is not None and not deleted else None
        events = [] if ttx is None else tier_transaction_events(
            db.project_id, ttx, (member or {}).get("data", {}).get("customer_id"), card.get("code"), at)
        try:
            notify.send(store.write_standing(db, outcome.standing, version, due, ttx,
                                             None if earned is None else partial(_add_write, earned, db), events))
            return change
        except TransactionConflict as conflict:
            if not conflict.failed("standing") or attempt == RETRIES - 1:
                raise
    return None


def _add_write(write: CardWrite, db: Table, tx: Transaction) -> None:
    write.add_to(tx, db)


def _tier_earnings(db: Table, card: Card, setup: TierSetup, ttx: dict[str, Any], at: str) -> CardWrite | None:
    """What a v1 campaign's tier-event earning rules credit for a tier change (one Query of the campaign: only when its
    member's tier changed), as a card write joining the transaction that writes the change; None for a v2 program."""
    program_id = str(card["program_id"])
    if not v1_store.CAMPAIGN_ID.fullmatch(program_id):
        return None
    campaign, stored = v1_store.campaign_with_rules(db, program_id)
    if campaign is None or not stored:
        return None
    details = ttx["details"]
    events = tier_events(ttx["type"], details.get("tier_from"), details.get("tier_to"))
    fired = v1_earning.fired_tier_rules(campaign, [item["data"] for item in stored], events, at, get_settings().timezone)
    names = {str(t["id"]): str(t.get("name") or "") for t in setup.tiers}
    return points.tier_earning_write(db, card, fired, ttx, at, names) if fired else None


def run_daily(db: Table, day: str, *, page_size: int = 500) -> dict[str, int]:
    """The tier part of the daily job for one project and day: re-evaluate every standing due on or before `day` (a
    tier expiring, a grace period ended, a tracking period starting). Idempotent: a re-evaluated standing moves to its
    next date, so a second run finds nothing due."""
    changed = evaluated = 0
    on = date.fromisoformat(day)
    start: dict[str, Any] | None = None
    while True:
        items, start = store.due_standings(db, day, page_size, start)
        for item in items:
            standing = cast(Standing, item["data"])
            evaluated += 1
            if re_evaluate(db, standing["member_id"], standing["card_id"], origin="daily_task_operations", day=on, daily=True):
                changed += 1
        if not start:
            return {"tiers_evaluated": evaluated, "tier_changes": changed}


TRANSACTIONS = ListSpec("lcrsttx_", filters={"card_id": id_field(ids.CARD.prefix), "created_at": DATE})


def list_member_tier_transactions(db: Table, program_id: str, member_id: str, params: list[tuple[str, str]]) -> dict[str, Any]:
    """A page of a member's tier transactions (newest first unless `order=created_at`), filtered by card_id and created_at."""
    return member_list(program_id, member_id, params, TRANSACTIONS,
                       lambda query: store.list_tier_transactions(db, program_id, member_id, query, TRANSACTIONS))
