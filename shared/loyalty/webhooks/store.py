"""Webhook items (`<project>#WEBHOOKS` / `WH#<id>`, with the counter `COUNT` beside them) and delivery items
(`<project>#WEBHOOK#<id>#DLV` / `<event created_at>#<delivery id>`): their reads and conditional writes."""

from __future__ import annotations

from typing import Any

from loyalty.core.clock import now_ms
from loyalty.db.keys import PENDING_REMOVE
from loyalty.db.table import ConditionFailed, Item, Table
from loyalty.db.transact import Transaction, TransactionConflict
from loyalty.jobs.models import DeliverWebhook
from loyalty.webhooks.models import MAX_WEBHOOKS


class TooManyWebhooks(Exception):
    """The project has MAX_WEBHOOKS webhooks already."""


def list_webhooks(db: Table) -> list[dict[str, Any]]:
    """Every webhook of the project (its `data`), oldest first: one Query of the webhooks partition."""
    return [item["data"] for item in db.query_all(db.keys.webhooks_partition(), db.keys.WEBHOOK_PREFIX)]


def get_webhook(db: Table, webhook_id: str) -> dict[str, Any] | None:
    """One webhook (its `data`), or None."""
    item = db.get(db.keys.webhook(webhook_id))
    return item["data"] if item else None


def create_webhook(db: Table, webhook: dict[str, Any]) -> None:
    """Store a new webhook and count it, in one transaction refused when the project has MAX_WEBHOOKS already."""
    tx = db.transaction()
    tx.put("webhook", db.keys.webhook(webhook["id"]), {"data": webhook})
    tx.update("count", db.keys.webhook_count(), "ADD webhooks :one", condition="attribute_not_exists(webhooks) OR webhooks < :max",
              values={"one": 1, "max": MAX_WEBHOOKS})
    try:
        tx.commit()
    except TransactionConflict as exc:
        if exc.failed("count"):
            raise TooManyWebhooks() from None
        raise


def replace_webhook(db: Table, webhook: dict[str, Any]) -> bool:
    """Store a webhook's new state, on condition that it still exists; False when it was deleted meanwhile."""
    try:
        db.update(db.keys.webhook(webhook["id"]), "SET #d = :data", names={"#d": "data"}, values={"data": webhook})
    except ConditionFailed:
        return False
    return True


def delete_webhook(db: Table, webhook_id: str) -> bool:
    """Delete a webhook and uncount it in one transaction; False when it did not exist. Its deliveries stay (a pending
    one ends FAILED when its job next runs)."""
    tx = db.transaction()
    tx.delete("webhook", db.keys.webhook(webhook_id), condition="attribute_exists(PK)")
    tx.update("count", db.keys.webhook_count(), "ADD webhooks :minus", values={"minus": -1})
    try:
        tx.commit()
    except TransactionConflict as exc:
        if exc.failed("webhook"):
            return False
        raise
    return True


def add_delivery(db: Table, tx: Transaction, delivery: dict[str, Any], body: str, job: DeliverWebhook) -> None:
    """Add to `tx` a PENDING delivery with the exact body to POST and its pending-job marker (a conditional put: the
    same event fanned out again to the same webhook refuses it, so the caller's transaction is refused too)."""
    tx.put(f"delivery:{delivery['id']}", db.keys.webhook_delivery(job.webhook_id, job.sort_key),
           {"data": delivery, "status": "PENDING", "body": body, "attempt_count": 0,
            **db.keys.pending_job(delivery["id"], now_ms(), job.to_json())})


def deliveries_page(db: Table, webhook_id: str, limit: int, start: dict[str, Any] | None) -> tuple[list[Item], dict[str, Any] | None]:
    """Up to `limit` deliveries of a webhook, newest first, from `start`; and where the next page starts."""
    kw: dict[str, Any] = {"ScanIndexForward": False, "Limit": limit}
    if start:
        kw["ExclusiveStartKey"] = start
    return db.query(db.keys.webhook_deliveries(webhook_id), **kw)


def get_delivery(db: Table, job: DeliverWebhook) -> Item | None:
    """The delivery item a job names, or None."""
    return db.get(db.keys.webhook_delivery(job.webhook_id, job.sort_key))


def lease(db: Table, job: DeliverWebhook, token: str, now: int, lease_ms: int) -> bool:
    """Reserve a PENDING delivery's next POST to this receiver for `lease_ms` (one conditional UpdateItem: no unexpired
    lease of another receiver); False when it is not PENDING or another receiver holds it."""
    try:
        db.update(db.keys.webhook_delivery(job.webhook_id, job.sort_key), "SET lease = :token, lease_until = :until",
                  condition="#s = :pending AND (attribute_not_exists(lease_until) OR lease_until < :now)",
                  names={"#s": "status"}, values={"token": token, "until": now + lease_ms, "pending": "PENDING", "now": now})
    except ConditionFailed:
        return False
    return True


def record_attempt(db: Table, job: DeliverWebhook, token: str, data: dict[str, Any], status: str, attempt_count: int) -> bool:
    """Store a delivery's attempts and status, on condition that this receiver still holds its lease; a final status
    (DELIVERED or FAILED) also takes it out of the pending-job index. False when the lease was lost."""
    final = status != "PENDING"
    # a final status also leaves the pending-job index: PENDING_REMOVE's attributes join the lease's REMOVE clause
    removed = "lease, lease_until" + (", " + PENDING_REMOVE.removeprefix("REMOVE ") if final else "")
    expression = f"SET #d = :data, #s = :status, attempt_count = :n REMOVE {removed}"
    try:
        db.update(db.keys.webhook_delivery(job.webhook_id, job.sort_key), expression, condition="lease = :token",
                  names={"#d": "data", "#s": "status"}, values={"data": data, "status": status, "n": attempt_count, "token": token})
    except ConditionFailed:
        return False
    return True


def retire_delivery(db: Table, job: DeliverWebhook, data: dict[str, Any]) -> bool:
    """Mark a delivery out of sends FAILED and out of the pending-job index, on condition that it is still PENDING, its
    marker holds this retire send and no receiver holds an unexpired lease; False otherwise."""
    try:
        db.update(db.keys.webhook_delivery(job.webhook_id, job.sort_key), f"SET #d = :data, #s = :failed {PENDING_REMOVE}",
                  condition="#s = :pending AND job = :job AND (attribute_not_exists(lease_until) OR lease_until < :now)",
                  names={"#d": "data", "#s": "status"},
                  values={"data": data, "failed": "FAILED", "pending": "PENDING", "job": job.to_json(), "now": now_ms()})
    except ConditionFailed:
        return False
    return True
