"""Stored order payments: one item per order transaction in the member's list partition, a pointer to it beside the
order (what a cancel reads), the order's amount covered by points; and the transactions that accept, approve, reject a
payment and return its points, one conditional write each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from loyalty.cards.records import CardTransaction
from loyalty.cards.store import ItemBuilder, add_counter_move, add_settle, add_transaction
from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.listing import ListQuery, ListSpec
from loyalty.db import lists
from loyalty.db.keys import ORDER_PAYMENT_SK_PREFIX
from loyalty.db.table import Item, Table
from loyalty.db.transact import Transaction
from loyalty.jobs.models import CompleteOrderPayment
from loyalty.payments.records import OrderTransaction

PAID = "paid"
"""The attribute of an order's PAID_WITH_POINTS item: the amount its PENDING and APPROVED payments cover."""
RETURNED = "returned_transaction_id"
"""The attribute of a payment pointer that claims its points' return (the POINTS_RETURNED transaction's id)."""


def payment_from_row(item: Item) -> OrderTransaction:
    """The order transaction of an item (status, updated_at and rejection are written beside `data` when it settles)."""
    otx = dict(item["data"])
    otx["status"] = item["status"]
    otx["updated_at"] = item.get("updated_at")
    if "rejection" in item:
        otx["details"] = {**otx["details"], "rejection": item["rejection"]}
    if "payment_id" in item:
        otx["details"] = {**otx["details"], "payment": {"id": item["payment_id"], **otx["details"]["payment"]}}
    return cast(OrderTransaction, otx)


def get_paid_with_points(db: Table, order_id: str) -> int:
    """How much of an order its PENDING and APPROVED pay-with-points payments cover."""
    item = db.get(db.keys.order_paid_with_points(order_id))
    return int(item[PAID]) if item else 0


def _add_order_not_canceled(tx: Transaction, db: Table, order_id: str) -> None:
    tx.check("order", db.keys.order(order_id), "attribute_exists(PK) AND #d.#s <> :c", names={"#d": "data", "#s": "status"},
             values={"c": "CANCELED"})


def accept_payment(db: Table, otx: OrderTransaction, ctx: CardTransaction, job: CompleteOrderPayment, *, paid_before: int,
                   items: Sequence[ItemBuilder] = ()) -> None:
    """Lock the points on the card, count the amount on the order and write the order transaction, its pointer and the
    card transaction PENDING (with `items`: the spending-limit counters), atomically.

    Labels: `card` (balance below the points), `member` (no longer ACTIVE), `order` (gone or CANCELED), `order_paid`
    (another payment of the order was counted since `paid_before` was read), and those of `items`."""
    tx = db.transaction()
    for label, build in items:
        build(tx, label)
    add_counter_move(tx, db, job.member_id, job.card_id, {"locked": job.points}, job.points)
    tx.check("member", db.keys.member(job.member_id), "#s = :a", names={"#s": "status"}, values={"a": "ACTIVE"})
    _add_order_not_canceled(tx, db, job.order_id)
    paid_condition = "attribute_not_exists(#p) OR #p = :was" if paid_before == 0 else "#p = :was"
    values: dict[str, Any] = {"now": paid_before + job.amount, "was": paid_before}
    tx.update("order_paid", db.keys.order_paid_with_points(job.order_id), "SET #p = :now", condition=paid_condition,
              names={"#p": PAID}, values=values)
    tx.put("order_transaction", db.keys.order_payment(otx["member_id"], otx["id"]), {"status": otx["status"], "data": otx})
    tx.put("order_payment_ref", db.keys.order_payment_ref(job.order_id, otx["id"]),
           {"data": {"member_id": otx["member_id"], "program_id": otx["program_id"], "card_id": otx["card_id"],
                     "card_definition_id": otx["card_definition_id"], "points": job.points}})
    add_transaction(tx, db, ctx, job)
    tx.commit()


def _add_payment_settle(tx: Transaction, db: Table, job: CompleteOrderPayment, status: str, extra: Mapping[str, Any]) -> None:
    names = {"#s": "status"} | {f"#f{i}": name for i, name in enumerate(extra)}
    values = {"s": status, "u": now_iso(), "p": "PENDING"} | {f"v{i}": value for i, value in enumerate(extra.values())}
    sets = ", ".join(["#s = :s", "updated_at = :u", *(f"#f{i} = :v{i}" for i in range(len(extra)))])
    tx.update("order_transaction", db.keys.order_payment(job.member_id, job.order_transaction_id), f"SET {sets}", condition="#s = :p",
              names=names, values=values)


def approve_payment(db: Table, job: CompleteOrderPayment, items: Sequence[ItemBuilder] = (),
                    marks: Mapping[str, int | None] | None = None) -> None:
    """Spend the locked points (taken from the card's expiring buckets in `items`, soonest-expiring first) and approve
    both transactions, if the order is not CANCELED meanwhile.

    Labels: `transaction` (no longer PENDING: a redelivery), `order` (gone or CANCELED), and those of `items`."""
    tx = db.transaction()
    add_settle(tx, db, cast(CardTransaction, {"card_id": job.card_id, "id": job.transaction_id}), "APPROVED")
    add_counter_move(tx, db, job.member_id, job.card_id, {"unlocked": job.points, "spent": job.points}, None, marks=marks)
    _add_payment_settle(tx, db, job, "APPROVED", {"payment_id": ids.ORDER_PAYMENT.new()})
    _add_order_not_canceled(tx, db, job.order_id)
    for label, build in items:
        build(tx, label)
    tx.commit()


def reject_payment(db: Table, job: CompleteOrderPayment, rejection: dict[str, Any], *, retiring: str | None = None) -> None:
    """Unlock the points, uncount the amount on the order and mark both transactions REJECTED (label `transaction` when no
    longer PENDING or, with `retiring`, when the pending marker no longer holds that retire send)."""
    tx = db.transaction()
    add_settle(tx, db, cast(CardTransaction, {"card_id": job.card_id, "id": job.transaction_id}), "REJECTED", rejection,
               retiring=retiring)
    add_counter_move(tx, db, job.member_id, job.card_id, {"unlocked": job.points}, None)
    _add_payment_settle(tx, db, job, "REJECTED", {"rejection": rejection})
    tx.update("order_paid", db.keys.order_paid_with_points(job.order_id), "SET #p = #p - :a", condition="attribute_exists(#p)",
              names={"#p": PAID}, values={"a": job.amount})
    tx.commit()


def get_order_payments(db: Table, order_id: str) -> list[tuple[Item, OrderTransaction | None]]:
    """An order's payment pointers, each with its order transaction (None when missing): one Query, one BatchGetItem."""
    refs = db.query_all(db.keys.order_payment_refs(order_id), ORDER_PAYMENT_SK_PREFIX)
    if not refs:
        return []
    keys = [db.keys.order_payment(str(ref["data"]["member_id"]), str(ref["SK"])[len(ORDER_PAYMENT_SK_PREFIX):]) for ref in refs]
    found = {(item["PK"], item["SK"]): payment_from_row(item) for item in db.get_many(keys)}
    return [(ref, found.get((key.pk, key.sk))) for ref, key in zip(refs, keys, strict=True)]


def return_payment_points(db: Table, order_id: str, otx: OrderTransaction, returned: CardTransaction, items: Sequence[ItemBuilder],
                          marks: Mapping[str, int | None]) -> None:
    """Return an APPROVED payment's points: the POINTS_RETURNED transaction, `returned` on the card (its expiring bucket
    among `items`), claimed on the payment's pointer, in one transaction.

    Labels: `claim` (the points were returned already), `order_transaction` (the payment is not APPROVED), `card`, and
    those of `items`."""
    tx = db.transaction()
    tx.update("claim", db.keys.order_payment_ref(order_id, otx["id"]), "SET #r = :r", condition="attribute_not_exists(#r)",
              names={"#r": RETURNED}, values={"r": returned["id"]})
    tx.check("order_transaction", db.keys.order_payment(otx["member_id"], otx["id"]), "#s = :a", names={"#s": "status"},
             values={"a": "APPROVED"})
    add_transaction(tx, db, returned)
    add_counter_move(tx, db, otx["member_id"], otx["card_id"], {"returned": int(returned["details"]["points"]["total"])}, None,
                     marks=marks)
    for label, build in items:
        build(tx, label)
    tx.commit()


def list_member_payments(db: Table, program_id: str, member_id: str, query: ListQuery,
                         spec: ListSpec) -> tuple[list[OrderTransaction], dict[str, str] | None] | None:
    """A page of a member's order payments (one Query in creation order); None unless the member is the program's."""
    page = lists.member_page(db, db.keys.order_payments(member_id), ORDER_PAYMENT_SK_PREFIX, ids.ORDER_TRANSACTION.prefix,
                             program_id, member_id, query, spec, lambda item: dict(payment_from_row(item)))
    return None if page is None else ([cast(OrderTransaction, r) for r in page[0]], page[1])
