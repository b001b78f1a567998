"""Stored customers: one item per customer, and a claim item per source id (unique per project)."""

from __future__ import annotations

from typing import Any, Literal, cast

from loyalty.customers.records import Customer
from loyalty.db.keys import GSI1, MEMBERSHIP_SK_PREFIX, Key, key_names
from loyalty.db.table import Item, Table
from loyalty.db.transact import Transaction

CustomerChange = Literal["create", "update"] | None
"""What an upsert has to write: a new customer (with its source-id claim), its updated data, or nothing."""


def get_customer(db: Table, customer_id: str) -> Customer | None:
    """One customer by id."""
    item = db.get(db.keys.customer(customer_id))
    return cast(Customer, item["data"]) if item else None


def get_customer_id_by_source_id(db: Table, source_id: str) -> str | None:
    """The id of the customer holding `source_id`."""
    item = db.get(db.keys.customer_source(source_id))
    return item["customer_id"] if item else None


def create_customer(db: Table, customer: Customer) -> None:
    """A new customer, claiming its source id in the same transaction (label `source_id` when it is taken)."""
    tx = db.transaction()
    add_customer(tx, db, customer)
    tx.commit()


def add_customer(tx: Transaction, db: Table, customer: Customer) -> None:
    """Add to `tx` a new customer and its source-id claim."""
    keys = db.keys
    tx.put("customer", keys.customer(customer["id"]), {"data": customer, **keys.listed(keys.CUSTOMERS, customer["id"])})
    source_id = customer.get("source_id")
    if source_id:
        tx.put("source_id", keys.customer_source(source_id), {"customer_id": customer["id"]})


def replace_customer(db: Table, customer: Customer) -> None:
    """Overwrite an existing customer's data (upsert by source id)."""
    db.update(db.keys.customer(customer["id"]), "SET #d = :d", names={"#d": "data"}, values={"d": customer})


def add_customer_update(tx: Transaction, db: Table, customer: Customer, read_updated_at: str | None) -> None:
    """Add to `tx` the overwrite of an existing customer's data, on condition that nobody changed it since it was read
    (its `updated_at` is still `read_updated_at`; label `customer`)."""
    names = {"#d": "data", "#u": "updated_at"}
    if read_updated_at is None:
        condition, values = "attribute_exists(PK) AND attribute_type(#d.#u, :null)", {"d": customer, "null": "NULL"}
    else:
        condition, values = "attribute_exists(PK) AND #d.#u = :was", {"d": customer, "was": read_updated_at}
    tx.update("customer", db.keys.customer(customer["id"]), "SET #d = :d", condition=condition, names=names, values=values)


def lookup_key(db: Table, customer_id: str | None, source_id: str | None) -> Key:
    """The one item that names a customer: the customer itself by id, else its source-id claim (for a caller that reads
    it in a BatchGetItem with other items; `from_lookup` reads what it found)."""
    return db.keys.customer(customer_id) if customer_id is not None else db.keys.customer_source(str(source_id))


def from_lookup(db: Table, item: Item | None, *, by_id: bool) -> Customer | None:
    """The customer a `lookup_key` item names: the item's own data (by id), or the customer its source-id claim points to
    (one more GetItem); None when the item was absent."""
    if item is None:
        return None
    if by_id:
        return cast(Customer, item["data"])
    return get_customer(db, str(item["customer_id"]))


def add_customer_change(tx: Transaction, db: Table, customer: Customer, change: CustomerChange) -> None:
    """Add to `tx` what an upsert writes: a new customer and its source-id claim (labels `customer`, `source_id` when
    taken), or the customer's new data (label `customer`), or nothing."""
    if change == "create":
        add_customer(tx, db, customer)
    elif change == "update":
        tx.update("customer", db.keys.customer(customer["id"]), "SET #d = :d", names={"#d": "data"}, values={"d": customer})


def all_customers(db: Table, max_read: int) -> list[Customer] | None:
    """Every customer of the project (GSI1 list, eventually consistent, page by page), or None when it holds more than
    `max_read` (the caller refuses to sort such a list in memory)."""
    pk, _ = key_names(GSI1)
    kw: dict[str, Any] = {"key_condition": f"{pk} = :pk", "IndexName": GSI1, "ConsistentRead": False}
    read: list[Customer] = []
    while True:
        items, last = db.query(db.keys.collection(db.keys.CUSTOMERS), **kw)
        read += [cast(Customer, item["data"]) for item in items]
        if len(read) > max_read:
            return None
        if last is None:
            return read
        kw["ExclusiveStartKey"] = last


def update_customer(db: Table, customer: Customer, read_updated_at: str | None) -> None:
    """Overwrite a customer's data if nobody changed or deleted it since it was read (TransactionConflict `customer`)."""
    tx = db.transaction()
    add_customer_update(tx, db, customer, read_updated_at)
    tx.commit()


def delete_customer(db: Table, customer: Customer) -> None:
    """Remove a customer and free its source id, if it still exists (TransactionConflict `customer` otherwise); its
    membership claims stay in its partition, for the members and cards that still name it."""
    keys = db.keys
    tx = db.transaction()
    tx.delete("customer", keys.customer(customer["id"]), condition="attribute_exists(PK)")
    source_id = customer.get("source_id")
    if source_id:
        tx.delete("source_id", keys.customer_source(source_id), condition="customer_id = :id", values={"id": customer["id"]})
    tx.commit()


def membership_member_ids(db: Table, customer_id: str) -> list[str]:
    """The members a customer's membership claims name (one Query of its partition, 1 per MB)."""
    keys = db.keys
    claims = db.query_all(keys.customer_memberships(customer_id), MEMBERSHIP_SK_PREFIX)
    return [str(item["member_id"]) for item in claims]


ERASE_CHUNK = 90  # members anonymised per transaction (a transaction holds at most 100 items)


def erase_customer(db: Table, customer: Customer, member_ids: list[str]) -> None:
    """Permanent deletion: the members' metadata cleared (their version moved, so a concurrent change of one is
    refused) and so is every `metadata` the members' activities recorded (one Query per member), in transactions of
    ERASE_CHUNK, then the customer and its source-id claim deleted (label `customer` when it
    is already gone). The membership claims stay: they name only members, and keep one member per customer and scope."""
    keys = db.keys
    writes: list[tuple[str, Key, str, dict[str, Any]]] = []
    for member_id in member_ids:
        writes.append(("member", keys.member(member_id), "SET #d.metadata = :empty, version = if_not_exists(version, :zero) + :one",
                       {"empty": {}, "zero": 0, "one": 1}))
        for item in db.query_all(keys.activities(member_id)):
            scrubbed = _scrubbed(item["data"])
            if scrubbed != item["data"]:
                writes.append(("activity", keys.activity(member_id, str(item["SK"])), "SET #d = :d", {"d": scrubbed}))
    for start in range(0, len(writes), ERASE_CHUNK):
        tx = db.transaction()
        for label, key, expression, values in writes[start:start + ERASE_CHUNK]:
            tx.update(label, key, expression, names={"#d": "data"}, values=values)
        tx.commit()
    delete_customer(db, customer)


def _scrubbed(value: Any) -> Any:
    """A copy of an activity's data with every `metadata` object emptied (the member snapshots it records)."""
    if isinstance(value, dict):
        return {k: {} if k == "metadata" and isinstance(v, dict) else _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v) for v in value]
    return value
