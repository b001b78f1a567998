"""Event items (`<project>#EVT#<event id>` / EVENT): the outbox of domain events. An event is put in the transaction that
writes what it reports (on condition that it does not exist), PENDING with the pending-job marker of its PublishEvent
job; the worker marks it PUBLISHED and takes it out of the PendingJobs index in one transaction once it is on the bus."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from loyalty.core.clock import now_iso, now_ms
from loyalty.db.keys import MEMBER_SK, PENDING_REMOVE
from loyalty.db.table import Item, Table
from loyalty.db.transact import Transaction
from loyalty.jobs.models import PublishEvent
from loyalty.notify.models import Event

PENDING = "PENDING"
PUBLISHED = "PUBLISHED"
FAILED = "FAILED"
EVENT_LABEL = "event"
"""The label of the event item in the transaction that publishes (or retires) it: its condition is `status = PENDING`."""


def add_events(tx: Transaction, db: Table, events: Sequence[Event], *, label: str = "event_out") -> list[PublishEvent]:
    """Add each event to `tx` (PENDING, new: a replay fails the source's own condition first) with its job's pending
    marker; the jobs to send once `tx` has committed."""
    jobs = []
    for event in events:
        job = PublishEvent(project_id=db.project_id, event_id=event["id"])
        tx.put(f"{label}:{event['id']}", db.keys.notify_event(event["id"]),
               {"data": event, "status": PENDING, **db.keys.pending_job(event["id"], now_ms(), job.to_json())})
        jobs.append(job)
    return jobs


def get_event(db: Table, event_id: str) -> Item | None:
    """One event item (`data`: the event; `status`: PENDING, PUBLISHED or FAILED)."""
    return db.get(db.keys.notify_event(event_id))


def publish_transaction(db: Table, event_id: str) -> Transaction:
    """The transaction that records an event as published: its item PUBLISHED and out of the PendingJobs index, on
    condition that it is still PENDING (label `event`). What else a publication writes joins it before it commits."""
    tx = db.transaction()
    tx.update(EVENT_LABEL, db.keys.notify_event(event_id), f"SET #s = :published, published_at = :at {PENDING_REMOVE}",
              condition="#s = :pending", names={"#s": "status"},
              values={"published": PUBLISHED, "pending": PENDING, "at": now_iso()})
    return tx


def retire_event(db: Table, event_id: str, job_json: str, why: dict[str, Any]) -> Transaction:
    """The transaction that ends an event the bus never took (FAILED, out of the index) on condition that its marker
    still holds this retire send (label `event`)."""
    tx = db.transaction()
    tx.update(EVENT_LABEL, db.keys.notify_event(event_id), f"SET #s = :failed, failure = :why {PENDING_REMOVE}",
              condition="job = :job", names={"#s": "status"}, values={"failed": FAILED, "why": why, "job": job_json})
    return tx


def holder(db: Table, member_id: str, card_id: str) -> tuple[str | None, str | None]:
    """(customer id, card code) of a member's card, read together (one BatchGetItem); None where absent."""
    customer_id = code = None
    for item in db.get_many([db.keys.member(member_id), db.keys.card(member_id, card_id)]):
        data = item.get("data") or {}
        if item["SK"] == MEMBER_SK:
            customer_id = data.get("customer_id")
        else:
            code = data.get("code")
    return customer_id, code
