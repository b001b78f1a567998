"""v1 customers: create-or-update by id / source id, read by id or source id, and the customer response shape."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, cast
from urllib.parse import unquote

from loyalty.core.clock import normalize_iso, now_iso
from loyalty.core.errors import conflict, invalid_payload, not_found
from loyalty.core.ids import new_alnum_id
from loyalty.core.listing import MAX_LIMIT, invalid_query
from loyalty.customers import store
from loyalty.customers.models import CustomerCreate, CustomerUpdate, MemberCustomer
from loyalty.customers.records import Customer
from loyalty.customers.store import CustomerChange
from loyalty.db.keys import Key
from loyalty.db.lists import MAX_SORTED
from loyalty.db.table import Item, Table
from loyalty.db.transact import TransactionConflict

CUSTOMER_ID = re.compile(r"cust_[A-Za-z0-9]+")
_OPTIONAL_FIELDS = ("name", "description", "email", "phone", "birthdate", "birthday")


def customer_view(customer: Customer) -> dict[str, Any]:
    """A stored customer in the shape customers.json documents (aggregates we do not track are zero)."""
    fields = cast(dict[str, Any], customer)
    out: dict[str, Any] = {"id": customer["id"], "source_id": customer.get("source_id")}
    out.update({name: fields[name] for name in _OPTIONAL_FIELDS if fields.get(name) is not None})
    out.update({
        "address": customer.get("address"),
        "summary": {
            "redemptions": {
                "total_redeemed": 0, "total_failed": 0, "total_succeeded": 0, "total_rolled_back": 0,
                "total_rollback_failed": 0, "total_rollback_succeeded": 0,
                "gift": {"redeemed_amount": 0, "amount_to_go": 0},
                "loyalty_card": {"redeemed_points": 0, "points_to_go": 0},
            },
            "orders": {"total_amount": 0, "total_count": 0, "average_amount": 0, "last_order_amount": 0},
        },
        "loyalty": {"points": 0, "referred_customers": 0, "campaigns": {}},
        "referrals": {"total": 0, "campaigns": []},
        "metadata": customer.get("metadata") or {},
        "system_metadata": {},
        "created_at": customer["created_at"],
        "updated_at": customer.get("updated_at"),
        "object": "customer",
    })
    return out


def checked(found: Customer | None, customer_id: str | None, source_id: str | None) -> Customer | None:
    """The customer a reference names, given what was read for it (by id, else by source id): 404 for an unknown or
    malformed id, None for an unknown source id. With an id, a `source_id` beside it is ignored, as the spec's Customer
    says ("If you also pass a customer ID, the source ID will be ignored"): the customer keeps its own."""
    del source_id  # named for the reader: only the id decides when both are given
    if customer_id is not None and found is None:
        raise not_found("customer", customer_id)
    return found


def _existing(db: Table, customer_id: str | None, source_id: str | None) -> Customer | None:
    """The customer named by id (404 when unknown) or by source id (None when unknown)."""
    if customer_id is not None:
        return checked(store.get_customer(db, customer_id) if CUSTOMER_ID.fullmatch(customer_id) else None, customer_id, source_id)
    if source_id is None:
        return None
    found_id = store.get_customer_id_by_source_id(db, source_id)
    return store.get_customer(db, found_id) if found_id else None


def patched(customer: Customer, patch: dict[str, Any]) -> Customer | None:
    """The customer with `patch` applied and `updated_at` moved, or None when the patch changes nothing."""
    if not patch or all(cast(dict[str, Any], customer).get(k) == v for k, v in patch.items()):
        return None
    return cast(Customer, {**customer, **patch, "updated_at": now_iso()})


def new_customer(source_id: str | None, patch: dict[str, Any]) -> Customer:
    """A customer to create, with `patch`'s fields (not stored yet)."""
    return cast(Customer, {
        "id": new_alnum_id("cust_"),
        "source_id": source_id,
        **{name: None for name in _OPTIONAL_FIELDS},
        "address": None,
        "metadata": {},
        **patch,
        "created_at": now_iso(),
        "updated_at": None,
        "object": "customer",
    })


def _update(db: Table, customer: Customer, patch: dict[str, Any]) -> Customer:
    updated = patched(customer, patch)
    if updated is None:
        return customer
    store.replace_customer(db, updated)
    return updated


def upsert(db: Table, customer_id: str | None, source_id: str | None, patch: dict[str, Any]) -> Customer:
    """Update the customer named by id or source id with `patch`, or create it (only by source id or anonymously).

    Writes nothing when the customer exists and the patch changes nothing."""
    return save(db, _existing(db, customer_id, source_id), source_id, patch)


def save(db: Table, existing: Customer | None, source_id: str | None, patch: dict[str, Any]) -> Customer:
    """Apply `patch` to a customer already looked up (`existing`), or create it when there is none."""
    if existing is not None:
        return _update(db, existing, patch)
    customer = new_customer(source_id, patch)
    try:
        store.create_customer(db, customer)
    except TransactionConflict as conflict:
        if source_id is None or not conflict.failed("source_id"):
            raise
        # Another request claimed the source id first: update that customer instead.
        raced = _existing(db, None, source_id)
        if raced is None:
            raise
        return _update(db, raced, patch)
    return customer


def create_customer(db: Table, body: CustomerCreate) -> dict[str, Any]:
    """POST /v1/customers: create, or update the customer already holding this id / source_id (200 both ways)."""
    return customer_view(upsert(db, body.id, body.source_id, body.patch()))


def lookup_key(db: Table, ref: MemberCustomer) -> Key | None:
    """The one item to read (with others, in a BatchGetItem) to find the customer a `customer` object names: the customer
    by id, else its source-id claim; None for an id that cannot name a customer (`found_customer` answers 404 for it)."""
    if ref.id is not None and not CUSTOMER_ID.fullmatch(ref.id):
        return None
    return store.lookup_key(db, ref.id, ref.source_id)


def found_customer(db: Table, ref: MemberCustomer, item: Item | None) -> Customer | None:
    """The customer a `customer` object names, from the item `lookup_key` read (a source-id claim costs one more GetItem):
    404 for an unknown id, None for an unknown source id; the same checks as `find`."""
    if ref.id is None:
        return store.from_lookup(db, item, by_id=False) if ref.source_id is not None else None
    found = store.from_lookup(db, item, by_id=True)
    if found is None:
        raise not_found("customer", ref.id)
    return checked(found, ref.id, ref.source_id)


def planned_upsert(existing: Customer | None, source_id: str | None, patch: dict[str, Any]) -> tuple[Customer, CustomerChange]:
    """What `save` would write, without writing it: the customer as it will be and the change (`store.add_customer_change`
    adds it to a caller's transaction; a `source_id` refusal there means another request created that customer first)."""
    if existing is None:
        return new_customer(source_id, patch), "create"
    updated = patched(existing, patch)
    return (existing, None) if updated is None else (updated, "update")


def find(db: Table, ref: MemberCustomer) -> Customer | None:
    """The customer an add-member `customer` names, without writing: 404 for an unknown id, None for an unknown source id."""
    return _existing(db, ref.id, ref.source_id)


def get_customer(db: Table, customer_ref: str) -> dict[str, Any]:
    """GET /v1/customers/{customerId}: by id, else by source id; 404 `customer`."""
    return customer_view(_by_ref(db, customer_ref))


def require_customer_id(db: Table, customer_id: str | None, source_id: str | None) -> str:
    """The id of an existing customer named by id or by source id; 404 otherwise."""
    if customer_id is not None:
        if store.get_customer(db, customer_id) is None:
            raise not_found("customer", customer_id)
        return customer_id
    assert source_id is not None
    found = store.get_customer_id_by_source_id(db, source_id)
    if found is None:
        raise not_found("customer", source_id)
    return found


# ---------------------------------------------------------------------------------------------- list customers
LIST_PARAMS = ("limit", "page", "email", "city", "name", "segment_id", "created_at[before]", "created_at[after]",
               "updated_at[before]", "updated_at[after]", "order", "starting_after")
LIST_ORDERS = ("created_at", "-created_at", "updated_at", "-updated_at", "source_id", "-source_id")
MAX_PAGE = 99


def _int_param(name: str, value: str, high: int) -> int:
    if not re.fullmatch(r"\d{1,4}", value) or not 1 <= int(value) <= high:
        raise invalid_query(f"Query parameter '{name}' must be an integer from 1 to {high}")
    return int(value)


def _date_param(name: str, value: str) -> str:
    """A date-time (or date) query value in the API's timestamp format; 400 otherwise."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise invalid_query(f"Query parameter '{name}' must be a date-time (ISO 8601)") from None
    return normalize_iso(parsed)


def _list_query(params: list[tuple[str, str]]) -> dict[str, str]:
    """The list-customers query string as one value per declared parameter; 400 for another or a repeated one."""
    out: dict[str, str] = {}
    for name, value in params:
        if name not in LIST_PARAMS:
            raise invalid_query(f"Query parameter '{name}' is not allowed (allowed: {', '.join(LIST_PARAMS)})")
        if name in out:
            raise invalid_query(f"Query parameter '{name}' is given more than once")
        out[name] = value
    return out


def _sort_value(customer: Customer, field: str) -> tuple[str, str]:
    fields = cast(dict[str, Any], customer)
    # a never-updated customer sorts by its creation in an updated_at order (Voucherify lists it as updated at creation)
    value = fields.get(field) or (customer["created_at"] if field == "updated_at" else "")
    return str(value), customer["id"]


def list_customers(db: Table, params: list[tuple[str, str]]) -> dict[str, Any]:
    """GET /v1/customers: the customers the filters select (`email`, `city`, `name` exact; `created_at` / `updated_at`
    before / after; `segment_id`: none, as the project has no segments), in `order` (default newest first), page `page`
    of `limit`; `starting_after` keeps those past a date in the order's direction (`CustomersListResponseBody`)."""
    query = _list_query(params)
    limit = _int_param("limit", query["limit"], MAX_LIMIT) if "limit" in query else 10
    page = _int_param("page", query["page"], MAX_PAGE) if "page" in query else 1
    order = query.get("order", "-created_at")
    if order not in LIST_ORDERS:
        raise invalid_query(f"Query parameter 'order' must be one of {', '.join(LIST_ORDERS)}")
    field, descending = order.lstrip("-"), order.startswith("-")
    bounds = {name: _date_param(name, query[name]) for name in LIST_PARAMS if "[" in name and name in query}
    after = _date_param("starting_after", query["starting_after"]) if "starting_after" in query else None
    read = store.all_customers(db, MAX_SORTED)
    if read is None:
        raise invalid_query(f"Listing customers reads the whole list, and this project holds more than {MAX_SORTED:,} customers")

    def keep(customer: Customer) -> bool:
        fields = cast(dict[str, Any], customer)
        if "segment_id" in query:
            return False
        if any(name in query and fields.get(name) != query[name] for name in ("email", "name")):
            return False
        if "city" in query and (customer.get("address") or {}).get("city") != query["city"]:
            return False
        for name, bound in bounds.items():
            stamp = fields.get(name.split("[")[0])
            if stamp is None or (stamp >= bound if name.endswith("[before]") else stamp <= bound):
                return False
        if after is not None:
            cursor_field = field if field != "source_id" else "created_at"
            value = _sort_value(customer, cursor_field)[0]
            return value < after if descending else value > after
        return True

    selected = sorted(filter(keep, read), key=lambda c: _sort_value(c, field), reverse=descending)
    start = (page - 1) * limit
    return {"object": "list", "data_ref": "customers",
            "customers": [customer_view(c) for c in selected[start:start + limit]],
            "total": len(selected), "has_more": len(selected) > start + limit}


# ---------------------------------------------------------------------------------------------- update, delete
def _by_ref(db: Table, customer_ref: str) -> Customer:
    """The customer a path's `customerId` names (its id, else its source id); 404 `customer` otherwise."""
    ref = unquote(customer_ref)
    if not ref or len(ref) > 255:
        raise not_found("customer", ref)
    found = store.get_customer(db, ref) if CUSTOMER_ID.fullmatch(ref) else None
    if found is None:
        found_id = store.get_customer_id_by_source_id(db, ref)
        found = store.get_customer(db, found_id) if found_id else None
    if found is None:
        raise not_found("customer", ref)
    return found


UPDATE_ATTEMPTS = 3


def update_customer(db: Table, customer_ref: str, body: CustomerUpdate) -> dict[str, Any]:
    """PUT /v1/customers/{customerId}: set the fields the body names (null clears one; `metadata` and `address` are
    replaced as a whole), leave the others; by id or source id, 404 otherwise. A `source_id` in the body must be the
    customer's (400 otherwise). A concurrent change is re-read and the patch applied again on top of it."""
    for _ in range(UPDATE_ATTEMPTS):
        customer = _by_ref(db, customer_ref)
        if body.source_id is not None and body.source_id != customer.get("source_id"):
            raise invalid_payload(f"source_id '{body.source_id}' is not the source id of customer '{customer_ref}'; it cannot be changed")
        updated = patched(customer, body.patch())
        if updated is None:
            return customer_view(customer)
        try:
            store.update_customer(db, updated, customer.get("updated_at"))
        except TransactionConflict:
            continue
        return customer_view(updated)
    raise conflict("concurrent_update", "Conflict", f"Customer '{customer_ref}' is being changed by another request; retry")


def delete_customer(db: Table, customer_ref: str) -> None:
    """DELETE /v1/customers/{customerId}: the customer is gone (404 by id and by source id; the source id is free for a
    new customer). Its loyalty records stay as they are: its members, cards, points ledgers and membership claims keep
    naming its id, as Voucherify keeps a deleted customer's vouchers and history (permanent deletion erases them)."""
    customer = _by_ref(db, customer_ref)
    try:
        store.delete_customer(db, customer)
    except TransactionConflict:
        raise not_found("customer", unquote(customer_ref)) from None


# ---------------------------------------------------------------------------------------------- permanent deletion
def permanently_delete_customer(db: Table, customer_ref: str) -> dict[str, Any]:
    """POST /v1/customers/{customerId}/permanent-deletion: the customer's personal data erased for good (its record and
    source-id claim deleted: 404 by id and by source id from then on, its source id free for a new customer) and its
    members' metadata cleared. Kept, pseudonymous: members, cards, points ledgers, orders and events, which name the
    customer only by its random id (no longer resolvable); counters and balances stay consistent. Answers the deletion
    request, DONE (`CustomersPermanentDeletionCreateResponseBody`; nothing is deleted but the customer, so the counts of
    the other kinds are 0)."""
    customer = _by_ref(db, customer_ref)
    try:
        store.erase_customer(db, customer, store.membership_member_ids(db, customer["id"]))
    except TransactionConflict:
        raise not_found("customer", unquote(customer_ref)) from None
    return {
        "id": new_alnum_id("del_"), "created_at": now_iso(), "related_object_id": customer["id"],
        "related_object": "customer", "status": "DONE",
        "data_json": {"events": 0, "customer_events": 0, "daily_events": 0, "segments": 0, "orders": 0, "order_events": 0,
                      "customer": 1},
        "object": "pernament_deletion",
    }


# ---------------------------------------------------------------------------------------------- segments
def list_customer_segments(db: Table, customer_ref: str, params: list[tuple[str, str]]) -> dict[str, Any]:
    """GET /v1/customers/{customerId}/segments: the segments the customer belongs to. The project has no segments yet, so
    the list is empty for every customer; an id or source id naming no customer of the project is a 404 like every
    customer route (the spec's list of segments an unknown id would qualify for is empty without segments anyway); the
    route takes no query parameters (400)."""
    if params:
        raise invalid_query(f"Query parameter '{params[0][0]}' is not allowed (this list takes none)")
    _by_ref(db, customer_ref)
    return {"object": "list", "data_ref": "data", "data": [], "total": 0}
