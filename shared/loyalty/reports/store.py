"""The report aggregate items: counted once per card transaction (one transaction with its marker), read one range at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from loyalty.core.clock import now_ms
from loyalty.db.keys import Key
from loyalty.db.table import Table
from loyalty.db.transact import Transaction, TransactionConflict
from loyalty.jobs.models import PublishEvent
from loyalty.notify.models import Event
from loyalty.notify.store import add_events
from loyalty.reports.engine import Effects, tier_summary_id

MARK_LABEL = "aggregated"
MARK_TTL_SECONDS = 7 * 24 * 3600
"""A marker outlives the stream's 24 h retention many times over, so no record the stream can still replay finds it gone."""


def _add(tx: Transaction, label: str, key: Any, counts: dict[str, int], fixed: dict[str, str]) -> None:
    """ADD each counter to the aggregate item (created on first use) and SET its fixed attributes (its dimensions)."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    adds, sets = [], []
    for i, (name, amount) in enumerate(sorted(counts.items())):
        names[f"#c{i}"], values[f"c{i}"] = name, amount
        adds.append(f"#c{i} :c{i}")
    for i, (name, value) in enumerate(sorted(fixed.items())):
        names[f"#f{i}"], values[f"f{i}"] = name, value
        sets.append(f"#f{i} = :f{i}")
    expression = ("SET " + ", ".join(sets) + " " if sets else "") + "ADD " + ", ".join(adds)
    tx.update(label, key, expression, condition=None, names=names, values=values)


def _commit_once(tx: Transaction) -> bool:
    """Commit a counting transaction; False when its marker (label MARK_LABEL) exists already: counted before."""
    try:
        tx.commit()
    except TransactionConflict as conflict:
        if conflict.failed(MARK_LABEL):
            return False
        raise
    return True


def count_once(db: Table, ctx: dict[str, Any], found: Effects, events: Sequence[Event] = ()) -> list[PublishEvent] | None:
    """Add an approved card transaction's effects to its aggregates, and the domain events it stands for to the outbox,
    in one TransactWriteItems with its marker; the publish jobs to send (None: nothing counted, because the marker
    exists already, i.e. the transaction was counted before, or because it moves no counter and reports no event)."""
    tx = db.transaction()
    tx.put(MARK_LABEL, db.keys.aggregated(ctx["id"]),
           {"card_id": ctx["card_id"], "day": found.day, "expires_at": now_ms() // 1000 + MARK_TTL_SECONDS})
    program = str(ctx["program_id"])
    for day, counts in sorted(found.card_days().items()):  # a settlement on a later day unlocks on that day's item
        _add(tx, "card" if day == found.day else "card_unlocked", db.keys.card_report_day(ctx["card_id"], day), counts,
             {"date": day})
    if found.earning:
        rule, item, cdef = found.earning
        dims = {"earning_rule_id": rule, "earning_item_id": item, "card_definition_id": cdef}
        _add(tx, "earning_day", db.keys.earnings_report_day(program, found.day, rule, item, cdef), found.earning_counts,
             {**dims, "date": found.day})
        _add(tx, "earning_summary", db.keys.earnings_summary_row(program, rule, item, cdef), found.earning_counts, dims)
    if found.spending is not None:
        cdef = found.spending
        _add(tx, "spending_day", db.keys.spending_report_day(program, found.day, cdef), found.spending_counts,
             {"card_definition_id": cdef, "date": found.day})
        _add(tx, "spending_summary", db.keys.spending_summary_row(program, cdef), found.spending_counts,
             {"card_definition_id": cdef})
    if len(tx) == 1 and not events:
        return None  # moves no counter and reports nothing: no marker needed
    jobs = add_events(tx, db, events)
    return jobs if _commit_once(tx) else None


def count_card_once(db: Table, marker: Key, ctx: dict[str, Any], day: str, counts: dict[str, int]) -> bool:
    """Add `counts` to a card's day item in one TransactWriteItems with `marker` (a PENDING spend's lock, or the unlock
    of its rejection); False when there is nothing to count or the marker exists (counted before)."""
    if not counts:
        return False
    tx = db.transaction()
    tx.put(MARK_LABEL, marker, {"card_id": ctx["card_id"], "day": day, "expires_at": now_ms() // 1000 + MARK_TTL_SECONDS})
    _add(tx, "card", db.keys.card_report_day(ctx["card_id"], day), counts, {"date": day})
    return _commit_once(tx)


def count_application_once(db: Table, found: Effects) -> bool:
    """Count an earning rule applied for a member by a source (`found.applied`) once, in a TransactWriteItems of its own
    with its marker (source + rule + member): the program's daily and all-time rule rows and the member's daily row.
    False when there is nothing to count or the marker exists (another card transaction of the same evaluation, or a
    replayed record, counted it)."""
    if found.applied is None:
        return False
    source, rule, member, program = found.applied
    tx = db.transaction()
    tx.put(MARK_LABEL, db.keys.rule_applied(source, rule, member),
           {"day": found.day, "expires_at": now_ms() // 1000 + MARK_TTL_SECONDS})
    once = {"success_count": 1}
    _add(tx, "rule_day", db.keys.rules_report_day(program, found.day, rule), once, {"earning_rule_id": rule, "date": found.day})
    _add(tx, "rule_summary", db.keys.rules_summary_row(program, rule), once, {"earning_rule_id": rule})
    _add(tx, "member_rule_day", db.keys.member_rule_report_day(member, rule, found.day), {"count": 1}, {"date": found.day})
    return _commit_once(tx)


def rule_days(db: Table, program_id: str, first: str, last: str) -> list[dict[str, Any]]:
    """A program's daily earning-rule rows (per rule) from `first` to `last`."""
    return _range(db, db.keys.rules_report(program_id), first, last)


def rule_summary(db: Table, program_id: str) -> list[dict[str, Any]]:
    """A program's all-time earning-rule rows (one Query)."""
    return db.query_all(db.keys.rules_summary(program_id))


def member_rule_days(db: Table, member_id: str, rule_id: str, first: str, last: str) -> list[dict[str, Any]]:
    """A member's daily applications of one earning rule from `first` to `last`."""
    return _range(db, db.keys.member_rule_report(member_id, rule_id), first, last)


def count_tier_once(db: Table, ttx: dict[str, Any], day: str, moves: list[tuple[str, str, dict[str, int]]]) -> bool:
    """Add a tier transaction's moves (engine.tier_moves) to the program's daily and summary tier aggregates in one
    TransactWriteItems with its marker; False (nothing counted) when it moves nothing or was counted before."""
    if not moves:
        return False
    program = str(ttx["program_id"])
    tx = db.transaction()
    tx.put(MARK_LABEL, db.keys.aggregated(ttx["id"]),
           {"member_id": ttx["member_id"], "day": day, "expires_at": now_ms() // 1000 + MARK_TTL_SECONDS})
    for i, (structure, tier, counts) in enumerate(moves):
        dims = {"tier_structure_id": structure, "tier_id": tier}
        _add(tx, f"tier_day_{i}", db.keys.tiers_report_day(program, day, structure, tier), counts, {**dims, "date": day})
        _add(tx, f"tier_summary_{i}", db.keys.tiers_summary_row(program, tier_summary_id(program, structure, tier)), counts,
             dims)
    return _commit_once(tx)


def _range(db: Table, partition: str, first: str, last: str) -> list[dict[str, Any]]:
    """The items of a report partition whose sort key starts with a day of [first, last] (one Query; a page larger than
    1 MB, far beyond a report's 90 days, continues)."""
    return db.query_between(partition, first, last + "~")


def card_days(db: Table, card_id: str, first: str, last: str) -> list[dict[str, Any]]:
    """A card's daily aggregates from `first` to `last` (days, inclusive)."""
    return _range(db, db.keys.card_report(card_id), first, last)


def earning_days(db: Table, program_id: str, first: str, last: str) -> list[dict[str, Any]]:
    """A program's daily points earnings rows (per rule, earning item and card definition) from `first` to `last`."""
    return _range(db, db.keys.earnings_report(program_id), first, last)


def earning_summary(db: Table, program_id: str) -> list[dict[str, Any]]:
    """A program's all-time points earnings rows (one Query)."""
    return db.query_all(db.keys.earnings_summary(program_id))


def spending_days(db: Table, program_id: str, first: str, last: str) -> list[dict[str, Any]]:
    """A program's daily spending rows (per card definition) from `first` to `last`."""
    return _range(db, db.keys.spending_report(program_id), first, last)


def spending_summary(db: Table, program_id: str) -> list[dict[str, Any]]:
    """A program's all-time spending rows (one Query)."""
    return db.query_all(db.keys.spending_summary(program_id))


def tier_days(db: Table, program_id: str, first: str, last: str) -> list[dict[str, Any]]:
    """A program's daily tier moves (per tier structure and tier) from `first` to `last` (one Query)."""
    return _range(db, db.keys.tiers_report(program_id), first, last)


def tier_summary(db: Table, program_id: str) -> list[dict[str, Any]]:
    """A program's all-time tier moves, one row per tier structure and tier, in id order (one Query)."""
    return db.query_all(db.keys.tiers_summary(program_id))
