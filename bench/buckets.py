"""Points buckets written straight into a stack, as earning writes them (the transaction, the bucket, the card's counters
and its bucket mirrors in one TransactWriteItems): for the round-trip scenario and the suites that reach a running stack
over HTTP only (e2e, fuzz), where no route earns into a v1 card yet, and for card states earning cannot reach (a bucket
on a card whose card definition does not delay points)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from loyalty.cards import buckets as bucket_store
from loyalty.cards.buckets import CardWrite
from loyalty.cards.ledger import card_transaction
from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.db.table import Table
from loyalty.members.records import Card


def card_ref(card_id: str, member_id: str, program_id: str, card_definition_id: str, customer_id: str | None = None) -> dict[str, Any]:
    """The card fields a bucket repeats."""
    return {"id": card_id, "member_id": member_id, "program_id": program_id, "card_definition_id": card_definition_id,
            "card_type": "INDIVIDUAL", "customer_id": customer_id}


def seed_pending(db: Table, card: dict[str, Any], points: int, date: str, kind: str = "PERIOD_BASED", *,
                 source_id: str = "ord_5eed", rule_id: str = "lern_5eed") -> dict[str, Any]:
    """A PENDING bucket of `points` activating on `date`, with its PENDING_POINTS_ADDED transaction. Returns the bucket."""
    at = now_iso()
    metadata = {"event_id": source_id, "earning_rule_id": rule_id}
    ctx = card_transaction(cast(Card, card), "PENDING_POINTS_ADDED", points, "Seeded earning", "APPROVED", metadata=metadata,
                           points={"total": points, "date": date, "type": kind})
    bucket = {"id": ids.PENDING_POINTS_BUCKET.new(), **bucket_store.bucket_ref(card), "points": {"total": points}, "date": date,
              "type": kind, "status": "PENDING", "created_at": at, "updated_at": None, "object": "card_pending_points_bucket",
              "customer_id": card.get("customer_id"), "points_expiration": None, "source_id": source_id,
              "transaction_id": ctx["id"], "reason": "Seeded earning", "metadata": metadata}
    write = CardWrite(card["member_id"], card["id"])
    write.move(pending_total=points)
    write.add_pending(db, bucket, label="pending")
    write.transactions.append(cast(dict[str, Any], ctx))
    write.commit(db)
    return bucket


def seed_expiring(db: Table, card: dict[str, Any], points: int, expiration_date: str, kind: str = "ROLLING_EXPIRATION") -> None:
    """`points` earned now (POINTS_EARNED) that expire after `expiration_date`, in the card's bucket for that date and type."""
    ctx = card_transaction(cast(Card, card), "POINTS_EARNED", points, "Seeded earning", "APPROVED",
                           points={"total": points, "expiration_date": expiration_date, "expiration_type": kind})
    write = CardWrite(card["member_id"], card["id"])
    write.move(earned=points, total=points)
    write.credit_expiring(db, card, expiration_date, kind, points, ids.POINTS_BUCKET.new(), label="credit")
    write.transactions.append(cast(dict[str, Any], ctx))
    write.commit(db)


def served_table(state_dir: str | Path, project: str) -> Table:
    """The table of a running `python -m local serve` (from its <state-dir>/endpoints.json), scoped to a project."""
    import boto3

    info = json.loads((Path(state_dir) / "endpoints.json").read_text())
    client = boto3.client("dynamodb", endpoint_url=info["endpoints"]["dynamodb"], region_name=info.get("region") or "us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local")
    return Table(project, info["table_name"], cursor_secret="-" * 32, client=client)
