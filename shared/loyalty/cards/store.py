"""Stored card transactions (one list partition per card, newest first) and the atomic moves of a card's counters."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from loyalty.cards.ledger import balance_delta
from loyalty.cards.records import CardTransaction
from loyalty.core import ids
from loyalty.core.clock import now_iso, now_ms
from loyalty.core.listing import ListQuery, ListSpec
from loyalty.db import lists
from loyalty.db.keys import CARD_TRANSACTION_SK_PREFIX, PENDING_REMOVE
from loyalty.db.lists import Collection
from loyalty.db.table import Table
from loyalty.db.transact import Transaction
from loyalty.jobs.models import ApplyCardTransaction, CompleteOrderPayment, CompleteRewardPurchase, RefundRewardPurchase
from loyalty.jobs.settle import PENDING_LABEL

SettledJob = ApplyCardTransaction | CompleteRewardPurchase | RefundRewardPurchase | CompleteOrderPayment
"""The jobs that settle a PENDING card transaction (its item carries their pending-job marker)."""


V1_CAMPAIGN_PREFIX = "camp_"
"""A card whose program id has this prefix is a v1 campaign's card."""


def transaction_row(db: Table, ctx: CardTransaction, job: SettledJob | None = None) -> dict[str, Any]:
    """A card transaction as its item's attributes (with the pending-job marker while a job must settle it)."""
    row: dict[str, Any] = {"status": ctx["status"], "data": ctx}
    if ctx["program_id"].startswith(V1_CAMPAIGN_PREFIX):  # a v1 card's transactions are listed per campaign too
        row.update(db.keys.listed(db.keys.campaign_transactions_list(ctx["program_id"]), ctx["id"]))
    if job:
        row.update(db.keys.pending_job(ctx["id"], now_ms(), job.to_json()))
    return row


def transaction_from_row(item: dict[str, Any]) -> CardTransaction:
    """The card transaction of an item (status, updated_at and rejection live beside `data`, where settling writes them)."""
    ctx = dict(item["data"])
    ctx["status"] = item["status"]
    ctx["updated_at"] = item.get("updated_at")
    if "rejection" in item:
        ctx["details"] = {**ctx["details"], "rejection": item["rejection"]}
    return cast(CardTransaction, ctx)


def add_transaction(tx: Transaction, db: Table, ctx: CardTransaction, job: SettledJob | None = None,
                    *, label: str = "card_transaction") -> None:
    """Add to `tx` a new card transaction item."""
    tx.put(label, db.keys.card_transaction(ctx["card_id"], ctx["id"]), transaction_row(db, ctx, job))


def add_counter_move(tx: Transaction, db: Table, member_id: str, card_id: str, deltas: dict[str, int], min_balance: int | None,
                     *, label: str = "card", touch: str | None = None, expect: dict[str, int] | None = None,
                     marks: Mapping[str, int | None] | None = None, unless: str | None = None) -> None:
    """Add to `tx` the update that moves a card's counters and its balance together (the card must exist and, with
    `min_balance`, hold at least that balance). `touch` also sets the v1 voucher's `updated_at` to that timestamp.
    `expect` conditions the move on counters still holding the values read (so the caller knows the values it made).
    `marks` moves the card's mirrors of its buckets (db.keys.pending_mark / expiring_mark): a number is added to the
    mirror (created at that number), None removes it. `unless` names an attribute the card must not carry (a marker
    such as members.store.MEMBER_INACTIVE)."""
    names: dict[str, str] = {"#b": "balance"}
    values: dict[str, Any] = {"bd": balance_delta(deltas)}
    sets = []
    for i, (name, amount) in enumerate(sorted(deltas.items())):
        names[f"#c{i}"] = name
        values[f"c{i}"] = amount
        sets.append(f"#c{i} = #c{i} + :c{i}")
    sets.append("#b = #b + :bd")
    if touch is not None:
        names.update({"#d": "data", "#ua": "updated_at"})
        values["ua"] = touch
        sets.append("#d.#ua = :ua")
    adds: list[str] = []
    removes: list[str] = []
    for i, name in enumerate(sorted(marks or {})):
        names[f"#m{i}"] = name
        mark = (marks or {})[name]
        if mark is None:
            removes.append(f"#m{i}")
        else:
            values[f"m{i}"] = mark
            adds.append(f"#m{i} :m{i}")
    condition = "attribute_exists(PK)"
    if unless is not None:
        names["#un"] = unless
        condition += " AND attribute_not_exists(#un)"
    if min_balance is not None:
        condition += " AND #b >= :need"
        values["need"] = min_balance
    for i, (name, value) in enumerate(sorted((expect or {}).items())):
        names[f"#e{i}"] = name
        values[f"e{i}"] = value
        condition += f" AND #e{i} = :e{i}"
    expression = "SET " + ", ".join(sets) + (" ADD " + ", ".join(adds) if adds else "") + (" REMOVE " + ", ".join(removes) if removes else "")
    tx.update(label, db.keys.card(member_id, card_id), expression, condition=condition, names=names, values=values)


def add_settle(tx: Transaction, db: Table, ctx: CardTransaction, status: str, rejection: dict[str, Any] | None = None,
               *, retiring: str | None = None, points: dict[str, Any] | None = None) -> None:
    """Add to `tx` the move of a PENDING card transaction to `status` (label `transaction`: refused when it is no longer
    PENDING, which makes a second delivery of its job a no-op). `retiring` is the retire send of its job: then the move
    is also refused unless the item's pending marker still holds that send."""
    expression = "SET #s = :s, updated_at = :u"
    names = {"#s": "status"}
    values: dict[str, Any] = {"s": status, "u": now_iso(), "p": "PENDING"}
    condition = "#s = :p"
    if rejection is not None:
        expression += ", #rej = :r"
        names["#rej"] = "rejection"
        values["r"] = rejection
    if points is not None:  # the settled transaction's `details.points` (a credit learns its expiration when applied)
        expression += ", #d.#det.#pts = :pts"
        names.update({"#d": "data", "#det": "details", "#pts": "points"})
        values["pts"] = points
    if retiring is not None:
        condition += " AND #job = :job"
        names["#job"] = "job"
        values["job"] = retiring
    tx.update(PENDING_LABEL, db.keys.card_transaction(ctx["card_id"], ctx["id"]), f"{expression} {PENDING_REMOVE}",
              condition=condition, names=names, values=values)


def create_pending_card_transaction(db: Table, ctx: CardTransaction, job: ApplyCardTransaction) -> None:
    """A PENDING card transaction, visible to the sweeper until the worker applies it."""
    db.put(db.keys.card_transaction(ctx["card_id"], ctx["id"]), transaction_row(db, ctx, job))


def get_card_transaction(db: Table, card_id: str, transaction_id: str) -> CardTransaction | None:
    """One card transaction."""
    item = db.get(db.keys.card_transaction(card_id, transaction_id))
    return transaction_from_row(item) if item else None


ItemBuilder = tuple[str, Callable[[Transaction, str], None]]
"""A labelled item another part of the ledger adds to a card's transaction (a bucket credit or debit)."""


def item(label: str, build: Callable[..., None], *args: Any, **kw: Any) -> ItemBuilder:
    """A labelled item whose builder is called as `build(tx, *args, label=<label>, **kw)`."""
    return (label, lambda tx, chosen: build(tx, *args, label=chosen, **kw))


def apply_card_transaction(db: Table, ctx: CardTransaction, deltas: dict[str, int], min_balance: int | None,
                           items: Sequence[ItemBuilder] = (), *, points: dict[str, Any] | None = None,
                           marks: Mapping[str, int | None] | None = None) -> None:
    """Move a PENDING transaction to APPROVED (with its final `details.points` when given) and its card's counters
    (with the bucket moves in `items`), in one transaction.

    Labels: `transaction` (no longer PENDING), `card` (the balance condition failed), and those of `items`."""
    tx = db.transaction()
    add_settle(tx, db, ctx, "APPROVED", points=points)
    add_counter_move(tx, db, ctx["member_id"], ctx["card_id"], deltas, min_balance, marks=marks)
    for label, build in items:
        build(tx, label)
    tx.commit()


def reject_card_transaction(db: Table, ctx: CardTransaction, rejection: dict[str, Any], *, retiring: str | None = None) -> None:
    """Move a PENDING transaction to REJECTED (label `transaction` when it is no longer PENDING, or, with `retiring`,
    when its marker no longer holds that retire send)."""
    tx = db.transaction()
    add_settle(tx, db, ctx, "REJECTED", rejection, retiring=retiring)
    tx.commit()


def record_settled_balance_change(db: Table, ctx: CardTransaction, deltas: dict[str, int], min_balance: int | None,
                                  expect: dict[str, int], items: Sequence[ItemBuilder] = (),
                                  marks: Mapping[str, int | None] | None = None) -> None:
    """Write an already-APPROVED transaction and move the card's counters (and its `updated_at`, which a v1 voucher
    shows) in one transaction, only if the counters in `expect` still hold the values read: v1 balance changes are
    synchronous and answer the balance they made, so no other write may slip in between.

    Labels: `card` (the card is gone, its balance is below `min_balance`, or it moved since it was read)."""
    tx = db.transaction()
    add_transaction(tx, db, ctx)
    add_counter_move(tx, db, ctx["member_id"], ctx["card_id"], deltas, min_balance, touch=ctx["created_at"], expect=expect, marks=marks)
    for label, build in items:
        build(tx, label)
    tx.commit()


def list_card_transactions(db: Table, program_id: str, member_id: str, card_id: str, query: ListQuery,
                           spec: ListSpec) -> tuple[list[CardTransaction], dict[str, str] | None] | None:
    """A page of a card's transactions (one Query in creation order); None unless the card is this member's in this program."""
    collection = Collection(db.keys.card_transactions(card_id), sk_prefix=CARD_TRANSACTION_SK_PREFIX,
                            id_prefix=ids.CARD_TRANSACTION.prefix, owner={"program_id": program_id, "member_id": member_id})

    def exists() -> bool:
        card = db.get(db.keys.card(member_id, card_id))
        return card is not None and card["data"].get("program_id") == program_id

    page = lists.page(db, collection, query, spec, lambda item: dict(transaction_from_row(item)), exists)
    return None if page is None else ([cast(CardTransaction, r) for r in page[0]], page[1])
