"""Publishing domain events: the writers add events to their own transaction (`store.add_events`) and send the jobs
after committing (`send`); the worker's PublishEvent job puts the event on the bus and records it published (or, out of
attempts, FAILED), once."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import cast

from loyalty.core.logs import logger
from loyalty.db import bus
from loyalty.db.table import Table
from loyalty.db.transact import Transaction, TransactionConflict
from loyalty.jobs.models import DeliverWebhook, PublishEvent
from loyalty.jobs.queue import enqueue
from loyalty.jobs.settle import retire, retirement
from loyalty.notify import store
from loyalty.notify.models import Event
from loyalty.webhooks import service as webhooks

PUBLISHED = "PUBLISHED"
ALREADY_PUBLISHED = "ALREADY_PUBLISHED"
NOT_FOUND = "NOT_FOUND"


def send(jobs: Iterable[PublishEvent]) -> None:
    """Send the publish jobs of events just committed (best effort: a lost send is the sweeper's to re-send)."""
    for job in jobs:
        enqueue(job)


def publication(db: Table, event: Event) -> tuple[Transaction, list[DeliverWebhook]]:
    """The ONE transaction that records an event published (label `event`: it is still PENDING, and leaves the
    PendingJobs index) and fans it out: one delivery item per subscribed webhook (webhooks.fan_out), each with its
    pending-job marker; and the delivery jobs to send once it commits."""
    tx = store.publish_transaction(db, event["id"])
    return tx, webhooks.fan_out(db, tx, event)


def publish_event(db: Table, job: PublishEvent) -> str:
    """Worker: put one stored event on the bus (PutEvents; a refused entry raises, so SQS retries) and record it
    published. A redelivered job finds it published and does nothing; two deliveries racing may both put it on the bus
    (EventBridge is at-least-once anyway: consumers dedupe on the event `id`), but only one records it and fans it out to
    the webhooks."""
    item = store.get_event(db, job.event_id)
    if item is None:
        logger.warning("publish job for an event that does not exist", extra={"event_id": job.event_id})
        return NOT_FOUND
    if item.get("status") != store.PENDING:
        return ALREADY_PUBLISHED
    event = cast(Event, item["data"])
    bus.put_event(event["type"], json.dumps(event, separators=(",", ":")))
    tx, deliveries = publication(db, event)
    try:
        tx.commit()
    except TransactionConflict as conflict:
        if conflict.failed(store.EVENT_LABEL):
            return ALREADY_PUBLISHED
        raise
    for delivery in deliveries:
        enqueue(delivery)  # best effort: each delivery's marker has the sweeper re-send a lost one
    return PUBLISHED


def retire_publish(db: Table, job: PublishEvent) -> str:
    """Worker, for a publish job out of attempts: the event ends FAILED (with why) and leaves the index. Returns RETIRED
    or ALREADY_SETTLED."""
    return retire(lambda: store.retire_event(db, job.event_id, job.to_json(), retirement(job)).commit(),
                  label=store.EVENT_LABEL)
