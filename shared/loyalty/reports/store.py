"""The report aggregate items: counted once per card transaction (one transaction with its marker), read one range at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from loyalty.core.clock import now_ms
from loyalty.db.table import Table
from loyalty.db.transact import Transaction, TransactionConflict
from loyalty.jobs.models import PublishEvent
from loyalty.notify.models import Event
from loyalty.notify.store import add_events
from loyalty.reports.engine import Effects

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


def count_once(db: Table, ctx: dict[str, Any], found: Effects, events: Sequence[Event] = ()) -> list[PublishEvent] | None:
    """Add an approved card transaction's effects to its aggregates, and the domain events it stands for to the outbox,
    in one TransactWriteItems with its marker; the publish jobs to send (None: nothing counted, because the marker
    exists already, i.e. the transaction was counted before, or because it moves no counter and reports no event)."""
    tx = db.transaction()
    tx.put(MARK_LABEL, db.keys.aggregated(ctx["id"]),
           {"card_id": ctx["card_id"], "day": found.day, "expires_at": now_ms() // 1000 + MARK_TTL_SECONDS})
    program = str(ctx["program_id"])
    if found.card:
        _add(tx, "card", db.keys.card_report_day(ctx["card_id"], found.day), found.card, {"date": found.day})
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
    try:
        tx.commit()
    except TransactionConflict as conflict:
        if conflict.failed(MARK_LABEL):
            return None
        raise
    return jobs


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
