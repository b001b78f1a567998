"""POST /v1/events: track a custom event of a customer (upserted as Voucherify does); the worker evaluates its earning."""

from __future__ import annotations

from typing import Any

from loyalty.cards.store import item as labelled
from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.errors import not_found
from loyalty.core.logs import logger
from loyalty.customers import service as customers
from loyalty.customers.records import Customer
from loyalty.db.table import Table
from loyalty.db.transact import TransactionConflict
from loyalty.events import store
from loyalty.events.models import EventCreate
from loyalty.events.records import CustomEvent, EventCard, engine_event
from loyalty.jobs.models import EvaluateEarning
from loyalty.jobs.queue import enqueue
from loyalty.jobs.settle import retire
from loyalty.points import service as points
from loyalty.schemas import store as schemas


def _event_customer(customer: Customer) -> dict[str, Any]:
    """The customer of an event answer (`evt:SimpleCustomerRequiredObjectType`): `source_id`, `name` and `email` only when
    set (the spec types them as strings, never null)."""
    out: dict[str, Any] = {"id": customer["id"]}
    out.update({name: value for name in ("source_id", "name", "email") if (value := customer.get(name)) is not None})
    return {**out, "metadata": customer.get("metadata") or {}, "object": "customer"}


def track_custom_event(db: Table, body: EventCreate) -> dict[str, Any]:
    """Store the event and its earning job, then send the job; answer `evt:EventsCreateResponseBody`.

    One BatchGetItem reads the customer (or its source-id claim), the schema claim of the event's name and the claim of
    `loyalty.code`; a source-id claim costs one more GetItem for its customer. 404 `customer` for an unknown
    `customer.id` (an unknown `source_id` creates the customer, earning-map E27), 404 `voucher` for an unknown
    `loyalty.code`; nothing is written then. The event, its job's marker and the customer's creation or update are one
    write. A name with no schema is stored with `schema_id` None and earns nothing (E18)."""
    ref = body.customer
    customer_key = customers.lookup_key(db, ref)
    name_key = schemas.name_key(db, body.event)
    code_key = store.card_code_key(db, body.loyalty.code) if body.loyalty is not None else None
    found = store.read_items(db, [k for k in (customer_key, name_key, code_key) if k is not None])
    existing = customers.found_customer(db, ref, found.get(customer_key) if customer_key else None)
    card: EventCard | None = None
    if body.loyalty is not None:
        claim = found.get(code_key) if code_key else None
        if claim is None:
            raise not_found("voucher", body.loyalty.code)
        card = {"code": body.loyalty.code, "member_id": str(claim["member_id"]), "card_id": str(claim["card_id"])}
    patch = ref.patch()
    customer, change = customers.planned_upsert(existing, ref.source_id, patch)
    event: CustomEvent = {
        "id": ids.EVENT.new(),
        "type": body.event,
        "customer_id": customer["id"],
        "schema_id": schemas.schema_id_of(found.get(name_key)),
        "metadata": dict(body.metadata or {}),
        "loyalty": card,
        "referral": body.referral.model_dump() if body.referral is not None else None,
        "created_at": now_iso(),
    }
    job = EvaluateEarning(project_id=db.project_id, source="event", source_id=event["id"])
    try:
        store.create_event(db, event, job, customer, change)
    except TransactionConflict as conflict:
        if change != "create" or not conflict.failed("source_id"):
            raise
        # Another request created the customer of this source id first: update that one, then store the event alone.
        customer = customers.upsert(db, None, ref.source_id, patch)
        event["customer_id"] = customer["id"]
        store.create_event(db, event, job)
    enqueue(job)
    return {"object": "event", "type": event["type"], "customer": _event_customer(customer), "referral": None,
            "loyalty": None, "metadata": event["metadata"]}


# ---------------------------------------------------------------------------------------------- the worker's job
def evaluate_event_earning(db: Table, job: EvaluateEarning) -> str:
    """Worker: a tracked custom event activates the customer's EVENT_BASED pending points that wait for its schema
    (earning-map §3, E2), then the earning rules it fires (v2 by schema, v1 by event name) give their points, each effect
    once; then the event leaves the pending-job index. Re-running it writes nothing new."""
    event = store.get_event(db, job.source_id)
    if event is None:
        logger.warning("earning job for a missing event dropped", extra={"job": job.to_json()})
        return "MISSING"
    activated = points.activate_on_event(db, event["customer_id"], event.get("schema_id"), event["created_at"])
    finish = _finish(db, event["id"], job.to_json())
    written = points.earn(db, event["customer_id"], event["id"], event=engine_event(event), finish=finish)
    finish.end(db)
    return f"EARNED {written} ACTIVATED {activated}"


def _finish(db: Table, event_id: str, job_json: str) -> points.Finish:
    """The removal of the event's job marker, to ride in the job's first earning transaction."""
    return points.Finish(labelled("job", store.finish_event_job, db, event_id, job_json))


def retire_event_job(db: Table, job: EvaluateEarning) -> str:
    """Worker, for an event's earning job out of attempts: its marker leaves the pending-job index (every effect it wrote
    is complete and claimed). Returns RETIRED, or ALREADY_SETTLED when the marker no longer holds this retire send."""
    return retire(lambda: _finish(db, job.source_id, job.to_json()).write(db), label="job")
