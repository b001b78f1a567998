"""POST /v1/events: track a custom event of a customer (upserted as Voucherify does); the worker evaluates its earning."""

from __future__ import annotations

from typing import Any

from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.errors import not_found
from loyalty.customers import service as customers
from loyalty.customers.records import Customer
from loyalty.db.table import Table
from loyalty.db.transact import TransactionConflict
from loyalty.events import store
from loyalty.events.models import EventCreate
from loyalty.events.records import CustomEvent, EventCard
from loyalty.jobs.models import EvaluateEarning
from loyalty.jobs.queue import enqueue
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
