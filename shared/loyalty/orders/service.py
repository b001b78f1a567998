"""The orders API (`/v1/orders`): create or upsert by id / source id, update, read by id or source id, list by page; the
customer and referrer upserted as Voucherify does; the first entry into PAID stores an EvaluateEarning job, the first
cancel of a paid order a RevokeOrderEarning job, each in the write that changes the status (earning-map §1.1, §12, E19)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import unquote

from loyalty.cards.store import item as labelled
from loyalty.core.clock import now_iso
from loyalty.core.errors import LoyaltyError, invalid_payload, not_found
from loyalty.core.ids import ORDER
from loyalty.core.logs import logger
from loyalty.customers import service as customers
from loyalty.customers.models import MemberCustomer
from loyalty.customers.records import Customer
from loyalty.db.table import Item, Table
from loyalty.db.transact import TransactionConflict
from loyalty.jobs.models import EvaluateEarning, RevokeOrderEarning
from loyalty.jobs.queue import enqueue
from loyalty.jobs.settle import retire
from loyalty.orders import store
from loyalty.orders.estimate import estimate_points as estimate_points
from loyalty.orders.models import ListOrder, OrderCreate, OrderFields, OrderUpdate
from loyalty.orders.records import Order, OrderData, engine_order
from loyalty.orders.store import CustomerWrite
from loyalty.orders.views import order_view, orders_list_view
from loyalty.points import service as points

ATTEMPTS = 5
"""Reads and writes one upsert may make: each refused write means another request changed the order or a customer since
it was read (or claimed the same source id first), so the next attempt reads again and applies the request to that."""
ORDER_REF = re.compile(r"ord_[A-Za-z0-9]+")
MAX_REF = 255


# ---------------------------------------------------------------------------------------------- people
@dataclass(frozen=True)
class _Person:
    """A customer (or referrer) a request names: by id or source id, with the fields to set on it."""

    id: str | None
    source_id: str | None
    patch: dict[str, Any]

    def lookup(self, db: Table) -> store.Lookup:
        return store.customer_lookup(db, self.id, self.source_id)


def _person(ref: MemberCustomer | None, customer_id: str | None = None) -> _Person | None:
    """The person a `customer` / `referrer` object (and, for the referrer, `referrer_id`) names; 404 for a malformed id
    (it can name no customer), 400 when `referrer_id` and `referrer.id` disagree."""
    if ref is not None and customer_id is not None and ref.id is not None and ref.id != customer_id:
        raise invalid_payload(f"referrer_id '{customer_id}' and referrer.id '{ref.id}' name different customers")
    person_id = customer_id or (ref.id if ref else None)
    if ref is None and person_id is None:
        return None
    if person_id is not None and not customers.CUSTOMER_ID.fullmatch(person_id):
        raise not_found("customer", person_id)
    return _Person(person_id, ref.source_id if ref else None, ref.patch() if ref else {})


@dataclass
class _Resolved:
    """A person as the write will leave it: the customer record, whether it is new, the `updated_at` it was read with, and
    whether the write changes it."""

    customer: Customer
    new: bool
    read_updated_at: str | None = None
    changed: bool = False

    @property
    def write(self) -> CustomerWrite | None:
        """How the order's write writes this customer (None: it stays as it is)."""
        if self.new:
            return CustomerWrite(self.customer, True)
        return CustomerWrite(self.customer, False, self.read_updated_at) if self.changed else None

    def apply(self, patch: dict[str, Any]) -> _Resolved:
        """This customer with `patch` applied too (when the referrer is the order's customer)."""
        updated = customers.patched(self.customer, patch)
        if updated is not None:
            if self.new:
                updated["updated_at"] = None  # a customer created by this write has not been updated yet
            self.customer, self.changed = updated, True
        return self


def _resolve(person: _Person, item: Item | None) -> _Resolved:
    """The customer a person names after its patch: found (updated when the patch changes it), or new (by source id)."""
    found = customers.checked(store.customer_from_item(item) if item else None, person.id, person.source_id)
    if found is None:
        return _Resolved(customers.new_customer(person.source_id, person.patch), True)
    return _Resolved(found, False, found.get("updated_at")).apply(person.patch)


def _names_same(referrer: _Person, resolved: _Resolved) -> bool:
    """Whether the referrer names the customer the order's customer resolved to (then both are one customer to write)."""
    if referrer.id is not None:
        return referrer.id == resolved.customer["id"]
    return referrer.source_id is not None and referrer.source_id == resolved.customer.get("source_id")


# ---------------------------------------------------------------------------------------------- upsert
def _plan(db: Table, order_lookup: store.Lookup, body: OrderFields) -> tuple[Order | None, _Resolved | None, _Resolved | None]:
    """One round of reads (two BatchGetItem at most): the order, the customer and the referrer the request names."""
    customer = _person(body.customer)
    referrer = _person(body.referrer, body.referrer_id)
    lookups = [order_lookup] + [p.lookup(db) for p in (customer, referrer) if p is not None]
    items = store.read_items(db, lookups)
    order = store.order_from_item(items[0]) if items[0] else None
    rest = iter(items[1:])
    resolved_customer = _resolve(customer, next(rest)) if customer else None
    resolved_referrer = None
    if referrer is not None:
        item = next(rest)
        if resolved_customer is not None and _names_same(referrer, resolved_customer):
            resolved_referrer = resolved_customer.apply(referrer.patch)
        else:
            resolved_referrer = _resolve(referrer, item)
    return order, resolved_customer, resolved_referrer


def _data_fields(order: Order) -> OrderData:
    return cast(OrderData, {k: v for k, v in order.items() if k not in store.INTERNAL})


def _upsert(db: Table, order_lookup: store.Lookup, body: OrderFields, missing: LoyaltyError | None) -> dict[str, Any]:
    """Apply the request to the order the lookup finds (`missing` raised when there is none, else a new order is created),
    conditioned on what was read; a refused write reads again (ATTEMPTS). Enqueues the job the write stored."""
    changes = body.changes()
    for _ in range(ATTEMPTS):
        found, customer, referrer = _plan(db, order_lookup, body)
        if found is None and missing is not None:
            raise missing
        if found is not None and "source_id" in changes and changes["source_id"] != found.get("source_id"):
            raise invalid_payload(f"Order '{found['id']}' has source_id '{found.get('source_id')}'; an order's source_id cannot be changed")
        people: dict[str, Any] = {}
        if customer is not None:
            people["customer_id"] = customer.customer["id"]
        if referrer is not None:
            people["referrer_id"] = referrer.customer["id"]
        writes = [r.write for r in (customer, referrer) if r is not None and r.write is not None]
        writes = list({w.customer["id"]: w for w in writes}.values())  # the referrer may be the customer
        now = now_iso()
        if found is None:
            before: OrderData | None = None
            order = cast(OrderData, {
                "id": ORDER.new(), "source_id": None, "status": "CREATED", "amount": None, "initial_amount": None,
                "discount_amount": None, "items": [], "metadata": {}, "customer_id": None, "referrer_id": None,
                "created_at": now, "updated_at": None, **changes, **people})
        else:
            before = _data_fields(found)
            order = cast(OrderData, {**before, **changes, **people})
            if order == before and not writes:
                return order_view(order)  # nothing changes: nothing is written
            order["updated_at"] = now
        paid = order["status"] == "PAID" and not (found or {}).get("paid_at")
        canceled = (order["status"] == "CANCELED" and found is not None and bool(found.get("paid_at"))
                    and not found.get("canceled_at"))
        job: EvaluateEarning | RevokeOrderEarning | None = None
        if paid:
            job = EvaluateEarning(project_id=db.project_id, source="order", source_id=order["id"])
        elif canceled:
            job = RevokeOrderEarning(project_id=db.project_id, order_id=order["id"])
        try:
            store.save_order(db, order, version=found.get("version") if found else None, paid_at=now if paid else None,
                             canceled_at=now if canceled else None, job=job, customers=writes)
        except TransactionConflict:
            continue
        if job is not None:
            enqueue(job)
        return order_view(order)
    raise LoyaltyError(409, "concurrent_modification", "Concurrent modification",
                       "The order or its customer is being modified by other requests; retry the request")


def create_order(db: Table, body: OrderCreate) -> dict[str, Any]:
    """POST /v1/orders: create an order, or update the one whose `id` (404 when unknown) or `source_id` is given."""
    if body.id is not None:
        return _upsert(db, store.order_lookup(db, body.id, None), body, not_found("order", body.id))
    return _upsert(db, store.order_lookup(db, None, body.source_id), body, None)


def _ref_lookup(db: Table, order_ref: str) -> tuple[str, store.Lookup]:
    """The order a path names, by its Voucherify id or else its source id; 404 for what can name none."""
    ref = unquote(order_ref)
    if not ref or len(ref) > MAX_REF:
        raise not_found("order", ref)
    order_id = ref if ORDER_REF.fullmatch(ref) and len(ref) <= 64 else None
    return ref, store.order_lookup(db, order_id, ref)


def update_order(db: Table, order_ref: str, body: OrderUpdate) -> dict[str, Any]:
    """PUT /v1/orders/{orderId}: change the fields given (the others are left unchanged); 404 `order`."""
    ref, lookup = _ref_lookup(db, order_ref)
    return _upsert(db, lookup, body, not_found("order", ref))


def get_order(db: Table, order_ref: str) -> dict[str, Any]:
    """GET /v1/orders/{orderId}: by Voucherify id or source id; 404 `order`."""
    ref, lookup = _ref_lookup(db, order_ref)
    (item,) = store.read_items(db, [lookup])
    if item is None:
        raise not_found("order", ref)
    return order_view(store.order_from_item(item))


def list_orders(db: Table, limit: int, page: int, order: ListOrder) -> dict[str, Any]:
    """GET /v1/orders: page `page` of `limit` orders in the order asked, and the total (`ord:OrdersListResponseBody`)."""
    field = order.lstrip("-")
    orders, total = store.list_orders(db, page=page, limit=limit, field=field, descending=order.startswith("-"))
    return orders_list_view(list(orders), total)


# ---------------------------------------------------------------------------------------------- the worker's jobs
def evaluate_order_earning(db: Table, job: EvaluateEarning) -> str:
    """Worker: evaluate the earning rules a PAID order fires for its customer (v2 programs and v1 campaigns) and write
    what they give, each effect once; then take the order off the pending-job index. Re-running it writes nothing new."""
    order = store.get_order(db, job.source_id)
    if order is None:
        logger.warning("earning job for a missing order dropped", extra={"job": job.to_json()})
        return "MISSING"
    finish = _finish(db, order["id"], job.to_json())
    written = _earn(db, order, finish)
    finish.end(db)
    return f"EARNED {written}"


def revoke_order_earning(db: Table, job: RevokeOrderEarning) -> str:
    """Worker: a PAID order was canceled. Its earning is completed first (the earning job may not have run yet; it is
    idempotent), then what it earned is revoked as each card definition's `refunds` says, once per effect."""
    order = store.get_order(db, job.order_id)
    if order is None:
        logger.warning("revoke job for a missing order dropped", extra={"job": job.to_json()})
        return "MISSING"
    _earn(db, order)
    revoked = points.revoke_order(db, order["id"])
    _finish(db, order["id"], job.to_json()).end(db)
    return f"REVOKED {revoked}"


def _finish(db: Table, order_id: str, job_json: str) -> points.Finish:
    """The removal of the order's job marker, to ride in the job's first earning transaction."""
    return points.Finish(labelled("job", store.add_order_job_done, db, order_id, job_json))


def _earn(db: Table, order: Order, finish: points.Finish | None = None) -> int:
    customer_id = order.get("customer_id")
    if not customer_id or not order.get("paid_at"):
        return 0
    return points.earn(db, str(customer_id), order["id"], order=engine_order(order), finish=finish)


def retire_order_job(db: Table, job: EvaluateEarning | RevokeOrderEarning) -> str:
    """Worker, for an earning or revoke job out of attempts: its marker leaves the pending-job index (what it wrote
    stays: every effect it wrote is complete and claimed). Returns RETIRED, or ALREADY_SETTLED when the marker no longer
    holds this retire send."""
    order_id = job.source_id if isinstance(job, EvaluateEarning) else job.order_id
    return retire(lambda: _finish(db, order_id, job.to_json()).write(db), label="job")
