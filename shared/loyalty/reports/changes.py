"""The table's stream of card transactions in, report aggregates and domain events out (AggregateCardTransactions).

A card transaction item (`<project>#CARD#<card>` / `CTX#<id>`) that becomes APPROVED (written APPROVED, or moved there
from PENDING) is counted once: one TransactWriteItems puts its marker (`<project>#AGG#<id>`, on condition that it does
not exist) with the ADDs to its aggregates, so a replayed record fails the marker's condition and counts nothing. The
same transaction puts the domain event the card transaction stands for (notify/: points added, pending points
activated, ...) in the outbox, so it too is written once; its publish job is sent after the commit. A failure reports
that record, so the stream retries from there (ReportBatchItemFailures).

A spend written PENDING (POINTS_SPENT_ON_REWARD, POINTS_SPENT_ON_ORDER: its points locked on the card in the same write)
adds its points to the card's `points_locked` on its INSERT (marker `<project>#AGG#<id>#LOCK`, on the day it was made),
and to `points_unlocked` when it is settled, on the day of the settlement (its `updated_at`): with the approval's count
above when APPROVED, with a marker and ADD of its own (`<project>#AGG#<id>`, the settlement's) when REJECTED.

A tier transaction item (`<project>#MBR#<member>#TTX` / `<lttx id>`, written once, APPROVED, with the standing it changes)
is counted the same way on its INSERT: its marker plus the ADDs to the program's daily and summary tier aggregates (its
events are written by the tier change itself, tiering/)."""

from __future__ import annotations

import json
from typing import Any

from loyalty.cards.store import transaction_from_row
from loyalty.core.clock import now_iso
from loyalty.core.logs import logger
from loyalty.core.settings import get_settings
from loyalty.db import clients
from loyalty.db.codec import from_item
from loyalty.db.keys import CARD_TRANSACTION_SK_PREFIX, tier_transaction_owner
from loyalty.db.table import Table
from loyalty.earning.buckets import local_day
from loyalty.notify.models import Event, card_transaction_event, has_event
from loyalty.notify.service import send
from loyalty.notify.store import holder
from loyalty.reports.engine import effects, locked_points, tier_moves
from loyalty.reports.store import count_application_once, count_card_once, count_once, count_tier_once

APPROVED = "APPROVED"
PENDING = "PENDING"
REJECTED = "REJECTED"


def newly_approved(record: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(project, card transaction) of a stream record whose card transaction became APPROVED, else None (for an order
    payment, `details.order.amount` added: what the spending report counts)."""
    found = approved_transaction(record)
    return None if found is None else _with_order_amount(record, found)


def _with_order_amount(record: dict[str, Any], found: tuple[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """The approved card transaction with, for an order payment, `details.order.amount` added from the PENDING image."""
    project, ctx = found
    amount = _order_amount((record.get("dynamodb") or {}).get("OldImage") or {})
    if amount is not None:  # what the spending report's amount_on_order counts (the details name the order alone)
        details = dict(ctx.get("details") or {})
        details["order"] = {**(details.get("order") or {}), "amount": amount}
        ctx = {**ctx, "details": details}
    return project, ctx


def approved_transaction(record: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(project, card transaction as the v2 API shows it) of a stream record whose card transaction became APPROVED,
    else None (a MODIFY of one APPROVED already was counted when it became APPROVED)."""
    found = _card_transaction(record)
    if found is None or found[3] != APPROVED or found[2] == APPROVED:
        return None
    return found[0], found[1]


def _card_transaction(record: dict[str, Any]) -> tuple[str, dict[str, Any], str, str] | None:
    """(project, card transaction, old status, new status) of a stream record changing a card transaction item (old
    status "" on an INSERT), else None."""
    change = record.get("dynamodb") or {}
    keys = change.get("Keys") or {}
    pk, sk = (keys.get("PK") or {}).get("S", ""), (keys.get("SK") or {}).get("S", "")
    parts = pk.split("#")
    new = change.get("NewImage") or {}
    if (not sk.startswith(CARD_TRANSACTION_SK_PREFIX) or len(parts) != 3 or parts[1] != "CARD" or "data" not in new
            or record.get("eventName") not in ("INSERT", "MODIFY")):
        return None
    old = ((change.get("OldImage") or {}).get("status") or {}).get("S", "") if record.get("eventName") == "MODIFY" else ""
    return parts[0], dict(transaction_from_row(from_item(new))), old, (new.get("status") or {}).get("S", "")


def locked_transaction(record: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(project, card transaction) of a stream record inserting a PENDING spend (its points locked on the card), else None."""
    found = _card_transaction(record)
    if found is None or (found[2], found[3]) != ("", PENDING) or not locked_points(found[1]):
        return None
    return found[0], found[1]


def rejected_transaction(record: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(project, card transaction) of a stream record moving a PENDING spend to REJECTED (its points unlocked), else None."""
    found = _card_transaction(record)
    if found is None or (found[2], found[3]) != (PENDING, REJECTED) or not locked_points(found[1]):
        return None
    return found[0], found[1]


def settled_on(record: dict[str, Any], ctx: dict[str, Any], zone: str) -> str | None:
    """The day (project time zone) a newly approved card transaction left PENDING (its `updated_at`, which settling
    writes), or None when it was written APPROVED at once."""
    found = _card_transaction(record)
    if found is None or found[2] != PENDING:
        return None
    return local_day(str(ctx.get("updated_at") or ctx["created_at"]), zone).isoformat()


def new_tier_transaction(record: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(project, tier transaction) of a stream record inserting a tier transaction, else None."""
    change = record.get("dynamodb") or {}
    keys = change.get("Keys") or {}
    owner = tier_transaction_owner((keys.get("PK") or {}).get("S", ""))
    new = change.get("NewImage") or {}
    if owner is None or record.get("eventName") != "INSERT" or "data" not in new:
        return None
    return owner[0], dict(from_item(new)["data"])


def _order_amount(old: dict[str, Any]) -> int | None:
    """The amount an order payment paid, from the job its PENDING item carried (settling removes it)."""
    raw = (old.get("job") or {}).get("S")
    if not raw:
        return None
    try:
        job = json.loads(raw)
    except ValueError:
        return None
    return int(job["amount"]) if job.get("type") == "complete_order_payment" and "amount" in job else None


def _events(db: Table, ctx: dict[str, Any]) -> list[Event]:
    """The domain event a newly approved card transaction (as the v2 API shows it) stands for (none for a type that
    stands for none), with its holder's customer id and card code (one BatchGetItem, only for a transaction that has an
    event)."""
    if not has_event(ctx):
        return []
    customer_id, code = holder(db, str(ctx["member_id"]), str(ctx["card_id"]))
    event = card_transaction_event(db.project_id, ctx, customer_id, code, now_iso())
    return [event] if event is not None else []


def _table(project: str) -> Table:
    settings = get_settings()
    return Table(project, settings.table_name, cursor_secret=settings.cursor_secret, client=clients.for_project(project))


def _count_tier(db: Table, ttx: dict[str, Any], zone: str) -> int:
    """1 when a tier transaction was counted now into the tier aggregates, 0 when it moves nothing or was counted before."""
    day = local_day(str(ttx["created_at"]), zone).isoformat()
    return int(count_tier_once(db, ttx, day, tier_moves(ttx)))


def _count_lock(record: dict[str, Any], zone: str) -> int:
    """Count a PENDING spend's lock (its insert, on the day it was made) or its rejection's unlock (on the day it was
    settled) into the card's day item once: 1 when counted now, 0 when counted before or the record is neither."""
    locked = locked_transaction(record)
    found = locked or rejected_transaction(record)
    if found is None:
        return 0
    project, ctx = found
    db, points = _table(project), locked_points(ctx)
    if locked is not None:
        day = local_day(str(ctx["created_at"]), zone).isoformat()
        return int(count_card_once(db, db.keys.aggregated_lock(ctx["id"]), ctx, day, {"points_locked": points}))
    day = local_day(str(ctx.get("updated_at") or ctx["created_at"]), zone).isoformat()
    return int(count_card_once(db, db.keys.aggregated(ctx["id"]), ctx, day, {"points_unlocked": points}))


def process_stream_event(event: dict[str, Any]) -> dict[str, Any]:
    """Count each newly approved card transaction, each PENDING spend's lock and rejection, and each new tier transaction
    of a batch of stream records once; answers the partial batch response (the first record that failed, and so
    everything after it)."""
    counted = 0
    records = list(event.get("Records") or [])
    zone = get_settings().timezone
    for record in records:
        tier = new_tier_transaction(record)
        approved = approved_transaction(record) if tier is None else None
        picked = tier or (_with_order_amount(record, approved) if approved is not None else None)
        if picked is None:
            try:
                counted += _count_lock(record, zone)
            except Exception:  # noqa: BLE001 - reported to the stream, which retries from this record
                logger.exception("aggregating a lock failed", extra={"event_id": record.get("eventID")})
                return {"batchItemFailures": [{"itemIdentifier": str(record["dynamodb"]["SequenceNumber"])}]}
            continue
        project, ctx = picked
        try:
            if tier is not None:
                counted += _count_tier(_table(project), ctx, zone)
                continue
            db = _table(project)
            moves = effects(ctx, local_day(str(ctx["created_at"]), zone).isoformat(), settled_on(record, ctx, zone))
            count_application_once(db, moves)  # before the transaction's own count: a retry after it still counts it
            assert approved is not None
            jobs = count_once(db, ctx, moves, _events(db, approved[1]))
            if jobs is not None:
                counted += 1
                send(jobs)
        except Exception:  # noqa: BLE001 - reported to the stream, which retries from this record
            logger.exception("aggregating a transaction failed", extra={"project": project, "transaction_id": ctx.get("id")})
            return {"batchItemFailures": [{"itemIdentifier": str(record["dynamodb"]["SequenceNumber"])}]}
    logger.info("transactions aggregated", extra={"records": len(records), "counted": counted})
    return {"batchItemFailures": []}
