"""Stored custom events: one item per event, in the PendingJobs index until the worker has evaluated its earning."""

from __future__ import annotations

from typing import cast

from loyalty.core.clock import now_ms
from loyalty.customers import store as customers
from loyalty.customers.records import Customer
from loyalty.customers.store import CustomerChange
from loyalty.db.keys import PENDING_REMOVE, Key
from loyalty.db.table import Item, Table
from loyalty.db.transact import Transaction
from loyalty.events.records import CustomEvent
from loyalty.jobs.models import EvaluateEarning


def card_code_key(db: Table, code: str) -> Key:
    """The claim of a loyalty card code (`{member_id, card_id}`), read with the rest of what an event needs."""
    return db.keys.card_code(code)


def read_items(db: Table, keys: list[Key]) -> dict[Key, Item]:
    """What tracking an event reads (its customer or source-id claim, its name's schema claim, its card code claim), in one
    BatchGetItem; by key, absent items left out."""
    return {Key(item["PK"], item["SK"]): item for item in db.get_many(keys)} if keys else {}


def create_event(db: Table, event: CustomEvent, job: EvaluateEarning, customer: Customer | None = None,
                 change: CustomerChange = None) -> None:
    """Store a new event in the PendingJobs index (its job's marker), with the customer change its upsert needs in the
    same transaction; a single PutItem when the customer needs none.

    Labels: `source_id` (another request created the customer of this source id first), `customer`, `event`."""
    attrs = {"data": event, **db.keys.pending_job(event["id"], now_ms(), job.to_json())}
    if change is None:
        db.put(db.keys.event(event["id"]), attrs)
        return
    assert customer is not None
    tx = db.transaction()
    customers.add_customer_change(tx, db, customer, change)
    tx.put("event", db.keys.event(event["id"]), attrs)
    tx.commit()


def get_event(db: Table, event_id: str) -> CustomEvent | None:
    """One stored event (the worker reads it to evaluate its earning)."""
    item = db.get(db.keys.event(event_id))
    return cast(CustomEvent, item["data"]) if item else None


def finish_event_job(tx: Transaction, db: Table, event_id: str, job_json: str, *, label: str = "job") -> None:
    """Add to `tx` the removal of the event's pending-job marker, on condition that it still holds the job send `job_json`
    (label `job`: refused when another delivery finished the job, or the sweeper sent it again since)."""
    tx.update(label, db.keys.event(event_id), PENDING_REMOVE, condition="#job = :job", names={"#job": "job"},
              values={"job": job_json})
