"""Stored tier standings and tier transactions: what re-evaluating a member reads and writes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from loyalty.core import ids
from loyalty.core.listing import ListQuery, ListSpec
from loyalty.db import lists
from loyalty.db.keys import CARD_SK_PREFIX, MEMBER_SK, MEMBER_TIER_SK
from loyalty.db.table import Item, Table
from loyalty.db.transact import Transaction
from loyalty.jobs.models import PublishEvent
from loyalty.members.records import Card
from loyalty.members.store import card_from_row
from loyalty.notify.models import Event
from loyalty.notify.store import add_events
from loyalty.tiers.standing import Standing


def get_member_standing(db: Table, member_id: str) -> tuple[Item | None, dict[str, Card], Standing | None, int]:
    """The member item, its cards by id, its stored standing and the standing's version (0: none), in one Query."""
    items, _ = db.query(db.keys.member_partition(member_id))
    member = next((i for i in items if i["SK"] == MEMBER_SK), None)
    cards = {str(i["data"]["id"]): card_from_row(i) for i in items if i["SK"].startswith(CARD_SK_PREFIX) and "data" in i}
    standing = next((i for i in items if i["SK"] == MEMBER_TIER_SK), None)
    if standing is None:
        return member, cards, None, 0
    return member, cards, cast(Standing, standing["data"]), int(standing.get("version", 0))


def write_standing(db: Table, standing: Standing, version: int, due: str | None, transaction: dict[str, Any] | None,
                   also: Callable[[Transaction], None] | None = None, events: Sequence[Event] = ()) -> list[PublishEvent]:
    """Store a member's new standing (on the daily job's list for `due` when given) and the tier transaction recording
    its change, in one transaction conditioned on the standing still having the version read (0: none stored); `also`
    adds what the change earns (the card write of the tier-event earning rules it fires) to the same transaction, and
    `events` the domain events the change fires (the outbox). Returns their publish jobs, to send after the commit.

    Labels: `standing` (another evaluation wrote it first: read again), `ttx`, and those `also` gives."""
    tx = db.transaction()
    key = db.keys.member_tier(standing["member_id"])
    attrs: dict[str, Any] = {"data": standing, "version": version + 1}
    if due is not None:
        attrs.update(db.keys.tier_due(due, standing["member_id"]))
    condition = "attribute_not_exists(PK)" if version == 0 else "version = :v"
    tx.put("standing", key, attrs, condition=condition, values=None if version == 0 else {"v": version})
    if transaction is not None:
        key = db.keys.tier_transaction(standing["member_id"], transaction["id"])
        tx.put("ttx", key, {"data": transaction, "created_at": transaction["created_at"]})
    if also is not None:
        also(tx)
    jobs = add_events(tx, db, events)
    tx.commit()
    return jobs


def due_standings(db: Table, day: str, limit: int, start: dict[str, Any] | None = None) -> tuple[list[Item], dict[str, Any] | None]:
    """A page of the standings due for re-evaluation on or before `day` (GSI1, oldest date first)."""
    return db.query_list_below(db.keys.tiers_due(), f"{day}#~", limit, start)


def list_tier_transactions(db: Table, program_id: str, member_id: str, query: ListQuery, spec: ListSpec
                           ) -> tuple[list[dict[str, Any]], dict[str, str] | None] | None:
    """A page of a member's tier transactions (one Query in creation order); None unless the member is in this program."""
    return lists.member_page(db, db.keys.tier_transactions(member_id), "", ids.TIER_TRANSACTION.prefix, program_id, member_id,
                             query, spec, lambda item: dict(item["data"]))
