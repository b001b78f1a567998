"""The table's stream of card changes in, tier re-evaluations out (the ProcessCardChanges function).

Each card whose balance or earned points moved (or that was created or deleted with its member) is re-evaluated once
per batch, in the order its first change arrived. A failure reports that card's first record, so the stream retries from
there (ReportBatchItemFailures); re-evaluating a member twice is harmless, since it converges on the card as it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loyalty.core.logs import logger
from loyalty.core.settings import get_settings
from loyalty.db import clients
from loyalty.db.codec import from_item
from loyalty.db.keys import CARD_SK_PREFIX
from loyalty.db.table import Table
from loyalty.members.records import Card
from loyalty.members.store import card_from_row
from loyalty.tiering.service import re_evaluate
from loyalty.tiers.standing import Origin

TRACKED = ("balance", "earned")


@dataclass
class _CardChanges:
    """What a batch says about one card: its first record, the `earned` it had before, how it changed."""

    project: str
    member_id: str
    card_id: str
    first_sequence: str
    earned_before: int | None
    origin: Origin = "card_operations"
    removed: Card | None = None
    records: list[str] = field(default_factory=list)


def _card_change(record: dict[str, Any]) -> tuple[str, str, str] | None:
    """(project, member id, card id) of a stream record of a card item whose tracked values changed, else None."""
    change = record.get("dynamodb") or {}
    keys = change.get("Keys") or {}
    pk, sk = (keys.get("PK") or {}).get("S", ""), (keys.get("SK") or {}).get("S", "")
    parts = pk.split("#")
    if not sk.startswith(CARD_SK_PREFIX) or len(parts) != 3 or parts[1] != "MBR":
        return None
    if record.get("eventName") == "MODIFY":
        old, new = change.get("OldImage") or {}, change.get("NewImage") or {}
        if all(old.get(name) == new.get(name) for name in TRACKED):
            return None
    return parts[0], parts[2], sk[len(CARD_SK_PREFIX):]


def _group(records: list[dict[str, Any]]) -> list[_CardChanges]:
    """The batch's card changes, one entry per card, in the order of each card's first change."""
    by_card: dict[tuple[str, str, str], _CardChanges] = {}
    for record in records:
        found = _card_change(record)
        if found is None:
            continue
        change = record["dynamodb"]
        entry = by_card.get(found)
        if entry is None:
            old = change.get("OldImage")
            earned_before = int(from_item(old).get("earned", 0)) if old else 0
            entry = by_card[found] = _CardChanges(*found, first_sequence=str(change["SequenceNumber"]), earned_before=earned_before)
        name = record.get("eventName")
        if name == "INSERT":
            entry.origin, entry.removed = "member_card_created", None
        elif name == "REMOVE" and "data" in (change.get("OldImage") or {}):
            entry.removed = card_from_row(from_item(change["OldImage"]))
        else:
            entry.removed = None
        entry.records.append(str(change["SequenceNumber"]))
    return list(by_card.values())


def _table(project: str) -> Table:
    settings = get_settings()
    return Table(project, settings.table_name, cursor_secret=settings.cursor_secret, client=clients.for_project(project))


def process_stream_event(event: dict[str, Any]) -> dict[str, Any]:
    """Re-evaluate the tier standing of every member whose tracked card changed in a batch of stream records; answers
    the partial batch response (the first record of the first card that failed, and so everything after it)."""
    changed = 0
    for entry in _group(list(event.get("Records") or [])):
        try:
            if re_evaluate(_table(entry.project), entry.member_id, entry.card_id, origin=entry.origin,
                           earned_before=entry.earned_before, removed_card=entry.removed):
                changed += 1
        except Exception:  # noqa: BLE001 - reported to the stream, which retries from this record
            logger.exception("tier re-evaluation failed", extra={"project": entry.project, "member_id": entry.member_id})
            return {"batchItemFailures": [{"itemIdentifier": entry.first_sequence}]}
    logger.info("card changes evaluated", extra={"records": len(event.get("Records") or []), "tier_changes": changed})
    return {"batchItemFailures": []}
