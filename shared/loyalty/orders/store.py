"""Stored orders: one item per order (its data, version, earning marks and pending-job marker), a claim per source id
(unique in the project), the project's list of orders (GSI1, sorted by created_at); the reads and the conditional writes of
the orders API, and what the earning worker reads and settles."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from loyalty.core.clock import now_ms
from loyalty.core.listing import MAX_LIMIT, invalid_query
from loyalty.customers import store as customers_store
from loyalty.customers.records import Customer
from loyalty.db.keys import GSI1, PENDING_REMOVE, Key, key_names
from loyalty.db.lists import MAX_SORTED
from loyalty.db.table import Item, Table
from loyalty.db.transact import Transaction
from loyalty.jobs.models import EvaluateEarning, RevokeOrderEarning
from loyalty.orders.records import Order, OrderData

ORDER_CLAIM = "order_id"  # the attribute of a source-id claim that names its order
CUSTOMER_CLAIM = "customer_id"  # the attribute of a customer's source-id claim (customers.store) that names the customer
INTERNAL = ("version", "paid_at", "canceled_at")  # attributes beside `data` that `get_order` reads too


# ---------------------------------------------------------------------------------------------- reads
@dataclass(frozen=True)
class Lookup:
    """How to find one item: by its own key, or else through a claim item whose attribute `attr` holds the id that
    `target` turns into the item's key."""

    key: Key | None = None
    claim: Key | None = None
    attr: str = ""
    target: Callable[[str], Key] | None = None


def _by_key(items: list[Item]) -> dict[Key, Item]:
    return {Key(item["PK"], item["SK"]): item for item in items}


def read_items(db: Table, lookups: Sequence[Lookup]) -> list[Item | None]:
    """The item each lookup finds, or None: one BatchGetItem of every key and claim, then one of the items the claims
    found name (only when some claim was found without its item being read already)."""
    first = [k for lookup in lookups for k in (lookup.key, lookup.claim) if k is not None]
    found = _by_key(db.get_many(first)) if first else {}
    wanted: list[Key | None] = []
    for lookup in lookups:
        if lookup.key is not None and lookup.key in found:
            wanted.append(lookup.key)
        elif lookup.claim is not None and lookup.claim in found and lookup.target is not None:
            wanted.append(lookup.target(str(found[lookup.claim][lookup.attr])))
        else:
            wanted.append(None)
    second = [k for k in wanted if k is not None and k not in found]
    if second:
        found.update(_by_key(db.get_many(second)))
    return [found.get(k) if k is not None else None for k in wanted]


def order_lookup(db: Table, order_id: str | None, source_id: str | None) -> Lookup:
    """Find an order by its id, else by its source id."""
    keys = db.keys
    return Lookup(keys.order(order_id) if order_id else None, keys.order_source(source_id) if source_id else None,
                  ORDER_CLAIM, keys.order)


def customer_lookup(db: Table, customer_id: str | None, source_id: str | None) -> Lookup:
    """Find a customer by its id, else (when no id is given) by its source id."""
    keys = db.keys
    return Lookup(keys.customer(customer_id) if customer_id else None,
                  keys.customer_source(source_id) if source_id and not customer_id else None, CUSTOMER_CLAIM, keys.customer)


def order_from_item(item: Item) -> Order:
    """The order an item holds: its data, version and earning marks."""
    order = cast(dict[str, Any], dict(item["data"]))
    order.update({name: item.get(name) for name in INTERNAL})
    return cast(Order, order)


def customer_from_item(item: Item) -> Customer:
    """The customer a customer item holds."""
    return cast(Customer, item["data"])


def get_order(db: Table, order_id: str) -> Order | None:
    """One order by its Voucherify id, as stored (customer_id, items, metadata, status, and `paid_at` / `canceled_at`)."""
    item = db.get(db.keys.order(order_id))
    return order_from_item(item) if item else None


# ---------------------------------------------------------------------------------------------- writes
@dataclass(frozen=True)
class CustomerWrite:
    """A customer an order write creates (`read_updated_at` unused) or updates (on condition it is still as read)."""

    customer: Customer
    new: bool
    read_updated_at: str | None = None


def save_order(db: Table, order: OrderData, *, version: int | None, paid_at: str | None = None, canceled_at: str | None = None,
               job: EvaluateEarning | RevokeOrderEarning | None = None, customers: Sequence[CustomerWrite] = ()) -> None:
    """Create the order (`version` None: with its source-id claim) or overwrite it on condition that its version is still
    `version`, with the customers it creates or updates, in one transaction. `paid_at` / `canceled_at` are set only if
    the item has none yet (a canceled_at only if it has a paid_at); `job` puts the pending-job marker on the order (replacing
    any earlier one).

    Labels: `order` (it exists already, or changed since it was read), `order_source` (the source id is taken),
    `customer` / `source_id` (a customer changed, or its source id was claimed, since it was read)."""
    keys = db.keys
    attrs: dict[str, Any] = {"data": order, **keys.order_listed(order["created_at"], order["id"])}
    if paid_at is not None:
        attrs["paid_at"] = paid_at
    if canceled_at is not None:
        attrs["canceled_at"] = canceled_at
    if job is not None:
        attrs.update(keys.pending_job(order["id"], now_ms(), job.to_json()))
    tx = db.transaction()
    if version is None:
        tx.put("order", keys.order(order["id"]), {**attrs, "version": 1})
        if order.get("source_id"):
            tx.put("order_source", keys.order_source(str(order["source_id"])), {ORDER_CLAIM: order["id"]})
    else:
        names = {f"#a{i}": name for i, name in enumerate(attrs)} | {"#v": "version", "#pa": "paid_at", "#ca": "canceled_at"}
        values = {f"a{i}": value for i, value in enumerate(attrs.values())} | {"was": version, "next": version + 1}
        expression = "SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(attrs))) + ", #v = :next"
        condition = "#v = :was"
        if paid_at is not None:
            condition += " AND attribute_not_exists(#pa)"
        if canceled_at is not None:
            condition += " AND attribute_exists(#pa) AND attribute_not_exists(#ca)"
        used = {n: v for n, v in names.items() if n in expression or n in condition}
        tx.update("order", keys.order(order["id"]), expression, condition=condition, names=used, values=values)
    for write in customers:
        if write.new:
            customers_store.add_customer(tx, db, write.customer)
        else:
            customers_store.add_customer_update(tx, db, write.customer, write.read_updated_at)
    tx.commit()


def add_order_job_done(tx: Transaction, db: Table, order_id: str, job_json: str, *, label: str = "job") -> None:
    """Add to `tx` the removal of an order's pending-job marker, on condition that the marker still holds `job_json` (label
    `job`: another delivery finished the job, or a later job replaced it)."""
    tx.update(label, db.keys.order(order_id), PENDING_REMOVE, condition="#job = :job", names={"#job": "job"},
              values={"job": job_json})


# ---------------------------------------------------------------------------------------------- the list
def _sort_value(order: Order, field: str) -> tuple[str, str]:
    return str(order.get(field) or order.get("created_at") or ""), order["id"]


def list_orders(db: Table, *, page: int, limit: int, field: str, descending: bool) -> tuple[list[Order], int]:
    """One page of the project's orders and how many there are. By created_at: one Query of the list (sorted by it)
    reading up to `page` x `limit` entries, plus, unless that Query reached the list's end, a counting Query (Select=COUNT,
    one per MB of orders). By updated_at: the whole list is read and sorted (at most MAX_SORTED orders)."""
    assert 1 <= limit <= MAX_LIMIT and page >= 1
    partition = db.keys.collection(db.keys.ORDERS)
    pk, _ = key_names(GSI1)
    kw: dict[str, Any] = {"key_condition": f"{pk} = :pk", "IndexName": GSI1, "ConsistentRead": False,
                          "ScanIndexForward": not descending}
    want = page * limit if field == "created_at" else None
    read: list[Order] = []
    while True:
        if want is not None:
            kw["Limit"] = want - len(read)
        items, last = db.query(partition, **kw)
        read += [order_from_item(item) for item in items]
        if last is None or (want is not None and len(read) >= want):
            break
        if len(read) > MAX_SORTED:
            raise invalid_query(f"Ordering by {field} sorts the whole list in memory, and this list holds more than "
                                f"{MAX_SORTED:,} orders; order by created_at instead")
        kw["ExclusiveStartKey"] = last
    if want is None:
        read.sort(key=lambda o: _sort_value(o, field), reverse=descending)
        return read[(page - 1) * limit: page * limit], len(read)
    total = len(read) if last is None else db.count(partition, index=GSI1)
    return read[(page - 1) * limit: page * limit], total
