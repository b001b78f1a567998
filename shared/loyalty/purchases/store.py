"""Stored reward purchases (one list partition per member, newest first) and the transactions that accept, approve and
reject a purchase: card lock, program-reward stock, both transaction records, all in one write each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from loyalty.cards.records import CardTransaction
from loyalty.cards.store import ItemBuilder, add_counter_move, add_settle, add_transaction, transaction_from_row
from loyalty.components.store import CARD_DEFINITION, REWARD
from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.listing import ListQuery, ListSpec
from loyalty.db import lists
from loyalty.db.keys import REWARD_PURCHASE_SK_PREFIX, Key
from loyalty.db.table import Table
from loyalty.db.transact import Transaction
from loyalty.jobs.models import CompleteRewardPurchase, RefundRewardPurchase
from loyalty.members.store import MEMBER_INACTIVE
from loyalty.programs.store import REMOVED
from loyalty.purchases.records import RewardTransaction


def purchase_from_row(item: dict[str, Any]) -> RewardTransaction:
    """The reward transaction of an item (status, updated_at, result and rejection are written beside `data` when it settles)."""
    rtx = dict(item["data"])
    rtx["status"] = item["status"]
    rtx["updated_at"] = item.get("updated_at")
    details = dict(rtx.get("details") or {})
    if "result" in item:
        details["result"] = item["result"]
    if "rejection" in item:
        details["rejection"] = item["rejection"]
    rtx["details"] = details
    return cast(RewardTransaction, rtx)


REDEEMED = "redeemed"
"""The program reward's count of purchases accepted and not rejected (refunds leave it)."""
COUNT = f"{REDEEMED} = if_not_exists({REDEEMED}, :zero) + :one"
UNCOUNT = f"{REDEEMED} = if_not_exists({REDEEMED}, :one) - :one"
"""The SET clauses that count a purchase in `redeemed` and take it back (values `:one`, and `:zero` to count)."""


def _stock(db: Table, program_id: str, reward_id: str) -> Key:
    return db.keys.assignment(program_id, REWARD, reward_id)


def accept_reward_purchase(db: Table, rtx: RewardTransaction, ctx: CardTransaction, cost: int, limited_stock: bool,
                           job: CompleteRewardPurchase, limits: Sequence[ItemBuilder] = (), result: dict[str, Any] | None = None) -> None:
    """Lock the cost on the card, take one from stock, count the purchase and spending limits (`limits`: the reward's
    purchase limit items and the card definition's spending counters) and write both transactions PENDING, atomically.
    The purchase is counted in the program reward's `redeemed` here, on the item that gives its stock (a rejection
    takes it back), so the approval need not write that item again.
    `result` (what the approval delivers) waits on the reward transaction as `pending_result` (PENDING_RESULT) unless the
    job carries it.

    Labels: `card` (balance below the cost, or the member no longer ACTIVE), `stock` (none left), and those of `limits`."""
    tx = db.transaction()
    for label, build in limits:
        build(tx, label)
    # the member is ACTIVE: its cards carry no MEMBER_INACTIVE marker (one item fewer than a check of the member item)
    add_counter_move(tx, db, ctx["member_id"], ctx["card_id"], {"locked": cost}, cost, unless=MEMBER_INACTIVE)
    sets = ["stock_quantity = stock_quantity - :one"] if limited_stock else []
    condition = f"attribute_exists(PK) AND attribute_not_exists({REMOVED})"  # the reward is still assigned to the program
    if limited_stock:
        condition += " AND stock_quantity > :zero"
    tx.update("stock", _stock(db, rtx["program_id"], rtx["reward_id"]), "SET " + ", ".join([*sets, COUNT]), condition=condition,
              values={"one": 1, "zero": 0})  # COUNT: taken back if the worker rejects it
    row: dict[str, Any] = {"status": rtx["status"], "data": rtx, CARD_DEFINITION_ID: ctx["card_definition_id"]}
    if job.result is None and result is not None:
        row[PENDING_RESULT] = result
    tx.put("reward_transaction", db.keys.reward_purchase(rtx["member_id"], rtx["id"]), row)
    _add_reference(tx, db, rtx, ctx["card_definition_id"])  # none when the id names its member
    add_transaction(tx, db, ctx, job)
    tx.commit()


CARD_DEFINITION_ID = "card_definition_id"
"""The reward transaction item's copy of the paying card's definition id (what a refund reads with the purchase)."""


def _add_reference(tx: Transaction, db: Table, rtx: RewardTransaction, card_definition_id: str) -> None:
    """The pointer from a reward transaction's id to where it is stored (and to what a refund needs without reading
    more), for an id that does not name its member (new_within): 2 write units a purchase saves when it does."""
    if ids.REWARD_TRANSACTION.parent_in(rtx["id"], ids.MEMBER) == rtx["member_id"]:
        return
    tx.put("reward_transaction_ref", db.keys.reward_transaction_ref(rtx["id"]),
           {"data": {"member_id": rtx["member_id"], "program_id": rtx["program_id"], "reward_id": rtx["reward_id"],
                     "card_id": rtx["card_id"], "card_definition_id": card_definition_id}})


def get_refund_subjects(db: Table, transaction_id: str) -> tuple[dict[str, Any], RewardTransaction | None, dict[str, Any] | None,
                                                                  dict[str, Any] | None, dict[str, Any] | None] | None:
    """What a refund of reward transaction `transaction_id` decides on, in two reads (the reward transaction when its id
    names its member, else its pointer item; then one BatchGetItem): where it is, the reward transaction, the reward,
    the paying card's definition and the program's reward assignment (each None when missing); None when no such
    reward transaction."""
    member_id = ids.REWARD_TRANSACTION.parent_in(transaction_id, ids.MEMBER)
    if member_id is not None:  # the id names the member: the purchase itself says the rest
        row = db.get(db.keys.reward_purchase(member_id, transaction_id))
        if row is None or CARD_DEFINITION_ID not in row:
            return None
        data = {"member_id": member_id, "program_id": row["data"]["program_id"], "reward_id": row["data"]["reward_id"],
                "card_id": row["data"]["card_id"], "card_definition_id": row[CARD_DEFINITION_ID]}
    else:
        ref = db.get(db.keys.reward_transaction_ref(transaction_id))
        if ref is None:
            return None
        data, row = ref["data"], None
    keys = {"reward": db.keys.component(REWARD, data["reward_id"]), "cdef": db.keys.component(CARD_DEFINITION, data["card_definition_id"]),
            "stock": _stock(db, data["program_id"], data["reward_id"])}
    if row is None:
        keys["rtx"] = db.keys.reward_purchase(data["member_id"], transaction_id)
    found = {(item["PK"], item["SK"]): item for item in db.get_many(list(keys.values()))}
    got = {name: found.get((key.pk, key.sk)) for name, key in keys.items()}
    if row is not None:
        got["rtx"] = row
    rtx = purchase_from_row(got["rtx"]) if got["rtx"] else None
    reward = got["reward"]["data"] if got["reward"] else None
    cdef = got["cdef"]["data"] if got["cdef"] else None
    return dict(data), rtx, reward, cdef, got["stock"]


def accept_refund(db: Table, purchase: RewardTransaction, refund: RewardTransaction, ctx: CardTransaction, card_definition_id: str,
                  job: RefundRewardPurchase) -> None:
    """Mark the purchase REFUNDED, write the REFUND reward transaction (and its pointer) and the PENDING POINTS_RETURNED
    transaction that its job settles, atomically. Label `purchase`: the purchase is no longer an APPROVED PURCHASE (another
    refund got there first)."""
    tx = db.transaction()
    tx.update("purchase", db.keys.reward_purchase(purchase["member_id"], purchase["id"]), "SET #s = :r, updated_at = :u",
              condition="#s = :a AND #d.#t = :p", names={"#s": "status", "#d": "data", "#t": "type"},
              values={"r": "REFUNDED", "u": refund["created_at"], "a": "APPROVED", "p": "PURCHASE"})
    tx.put("reward_transaction", db.keys.reward_purchase(refund["member_id"], refund["id"]),
           {"status": refund["status"], "data": refund, CARD_DEFINITION_ID: card_definition_id})
    _add_reference(tx, db, refund, card_definition_id)
    add_transaction(tx, db, ctx, job)
    tx.commit()


def return_refunded_points(db: Table, job: RefundRewardPurchase, items: Sequence[ItemBuilder], marks: Mapping[str, int | None],
                           reversed_ctx: CardTransaction | None = None, reversed_marks: Mapping[str, int | None] | None = None,
                           *, restore_stock: bool) -> None:
    """Approve a refund's POINTS_RETURNED transaction: `returned` on the paying card (its expiring bucket among `items`),
    one unit back in the program's reward stock when `restore_stock`, and with `reversed_ctx` (a LOYALTY_CARD_POINTS
    reward's POINTS_PURCHASE_REVERSED) `purchased_reversed` on the target card, in one transaction.

    Labels: `transaction` (no longer PENDING: a redelivery), `stock` (the assignment no longer counts stock),
    `target_card`, `card`, and those of `items`."""
    tx = db.transaction()
    settled = {"total": job.points, "expiration_date": job.expiration_date, "expiration_type": job.expiration_type}
    add_settle(tx, db, cast(CardTransaction, {"card_id": job.card_id, "id": job.transaction_id}), "APPROVED", points=settled)
    deltas = {"returned": job.points}
    if reversed_ctx is not None:
        points = -int(reversed_ctx["details"]["points"]["total"])
        add_transaction(tx, db, reversed_ctx, label="reversed_transaction")
        if reversed_ctx["card_id"] == job.card_id:
            deltas["purchased_reversed"] = points
        else:
            add_counter_move(tx, db, reversed_ctx["member_id"], reversed_ctx["card_id"], {"purchased_reversed": points}, None,
                             label="target_card", marks=reversed_marks)
    add_counter_move(tx, db, job.member_id, job.card_id, deltas, None, marks=marks)
    if restore_stock:
        tx.update("stock", _stock(db, job.program_id, job.reward_id), "SET stock_quantity = stock_quantity + :one",
                  condition="attribute_exists(stock_quantity)", values={"one": 1})
    for label, build in items:
        build(tx, label)
    tx.commit()


def retire_refund(db: Table, job: RefundRewardPurchase, rejection: dict[str, Any]) -> None:
    """A refund job out of attempts: its POINTS_RETURNED transaction becomes REJECTED (no points move) and leaves the
    PendingJobs index, if its marker still holds this retire send (label `transaction`)."""
    tx = db.transaction()
    add_settle(tx, db, cast(CardTransaction, {"card_id": job.card_id, "id": job.transaction_id}), "REJECTED", rejection,
               retiring=job.to_json())
    tx.commit()


PENDING_RESULT = "pending_result"
"""The reward transaction's attribute holding what its approval delivers while it is PENDING (not shown: the API's
`details.result` stays null until approved); the approval moves it to `result`, a rejection drops it."""


def _add_purchase_settle(tx: Transaction, db: Table, member_id: str, rtx_id: str, status: str, field: str, value: Any) -> None:
    """Move the reward transaction out of PENDING with `field` (result or rejection) set to `value`; a result of None is
    the one the accepting transaction left in PENDING_RESULT."""
    names = {"#s": "status", "#f": field, "#pr": PENDING_RESULT}
    values = {"s": status, "u": now_iso(), "v": value, "p": "PENDING"}
    assigned = ":v"
    if field == "result" and value is None:
        assigned = "if_not_exists(#pr, :v)"
    tx.update("reward_transaction", db.keys.reward_purchase(member_id, rtx_id), f"SET #s = :s, updated_at = :u, #f = {assigned} REMOVE #pr",
              condition="#s = :p", names=names, values=values)


def get_purchase_to_settle(db: Table, job: CompleteRewardPurchase) -> tuple[CardTransaction | None, str | None]:
    """The card transaction a purchase job settles and the status of the reward it buys (each None when missing), in
    one BatchGetItem: the worker decides on the reward's status as read, instead of checking it inside its write."""
    ctx_key = db.keys.card_transaction(job.card_id, job.transaction_id)
    if job.reward_id is None:  # a job accepted before jobs named their reward: the transaction says which
        row = db.get(ctx_key)
        ctx = transaction_from_row(row) if row else None
        reward = db.get(db.keys.component(REWARD, ctx["details"]["reward"]["id"])) if ctx else None
        return ctx, (str(reward["status"]) if reward else None)
    reward_key = db.keys.component(REWARD, job.reward_id)
    found = {(item["PK"], item["SK"]): item for item in db.get_many([ctx_key, reward_key])}
    ctx_row, reward = found.get((ctx_key.pk, ctx_key.sk)), found.get((reward_key.pk, reward_key.sk))
    return (transaction_from_row(ctx_row) if ctx_row else None), (str(reward["status"]) if reward else None)


def approve_reward_purchase(db: Table, ctx: CardTransaction, cost: int, result: dict[str, Any] | None,
                            items: Sequence[ItemBuilder] = (), marks: Mapping[str, int | None] | None = None,
                            purchased: CardTransaction | None = None, purchased_marks: Mapping[str, int | None] | None = None,
                            *, count: bool = False) -> None:
    """Spend the locked points (taking them from the card's expiring buckets in `items`), count the redemption and write
    the result (the worker read the reward ACTIVE just before: get_purchase_to_settle) (with `count`, a job accepted
    before the accept counted it, also count it in the program reward's `redeemed`); with `purchased` (a LOYALTY_CARD_POINTS reward's POINTS_PURCHASED
    transaction), also credit its points to the target card (`purchased` and `total`, its expiring bucket among `items`,
    the bucket mirrors `purchased_marks`), in the same transaction: the spend and the credit happen together or not at all.
    When the target card is the spending card, its counters move once and `marks` holds both cards' mirrors.

    Labels: `transaction` (no longer PENDING), `target_card` (the target card is gone), and those of `items`."""
    d = ctx["details"]
    tx = db.transaction()
    add_settle(tx, db, ctx, "APPROVED")
    spend = {"unlocked": cost, "spent": cost}
    if purchased is not None:
        points = int(purchased["details"]["points"]["total"])
        credit = {"purchased": points, "total": points}  # earning-map §5: `total` carries it into the balance
        add_transaction(tx, db, purchased, label="purchased_transaction")
        if purchased["card_id"] == ctx["card_id"]:
            spend.update(credit)
        else:
            add_counter_move(tx, db, purchased["member_id"], purchased["card_id"], credit, None, label="target_card",
                             marks=purchased_marks)
    add_counter_move(tx, db, ctx["member_id"], ctx["card_id"], spend, None, marks=marks)
    _add_purchase_settle(tx, db, ctx["member_id"], d["reward_transaction"]["id"], "APPROVED", "result", result)
    if count:  # a purchase accepted before the accepting transaction counted it
        tx.update("redeemed", _stock(db, ctx["program_id"], d["reward"]["id"]), f"SET {COUNT}", condition=None,
                  values={"one": 1, "zero": 0})
    for label, build in items:
        build(tx, label)
    tx.commit()


def reject_reward_purchase(db: Table, ctx: CardTransaction, cost: int, limited_stock: bool, rejection: dict[str, Any],
                           *, retiring: str | None = None, uncount: bool = False) -> None:
    """Unlock the points, give the stock back (and, with `uncount`, take the purchase out of `redeemed`) and mark both
    transactions REJECTED (label `transaction` when no longer PENDING, or, with `retiring`, when the pending marker no
    longer holds that retire send; label `stock` when the assignment no longer counts its stock)."""
    d = ctx["details"]
    tx = db.transaction()
    add_settle(tx, db, ctx, "REJECTED", rejection, retiring=retiring)
    add_counter_move(tx, db, ctx["member_id"], ctx["card_id"], {"unlocked": cost}, None)
    _add_purchase_settle(tx, db, ctx["member_id"], d["reward_transaction"]["id"], "REJECTED", "rejection", rejection)
    sets = [*(["stock_quantity = stock_quantity + :one"] if limited_stock else []), *([UNCOUNT] if uncount else [])]
    if sets:
        tx.update("stock" if limited_stock else "redeemed", _stock(db, ctx["program_id"], d["reward"]["id"]), "SET " + ", ".join(sets),
                  condition="attribute_exists(stock_quantity)" if limited_stock else "attribute_exists(PK)", values={"one": 1})
    tx.commit()


def list_member_reward_purchases(db: Table, program_id: str, member_id: str, query: ListQuery,
                                 spec: ListSpec) -> tuple[list[RewardTransaction], dict[str, str] | None] | None:
    """A page of a member's reward purchases (one Query in creation order); None unless the member is the program's."""
    page = lists.member_page(db, db.keys.reward_purchases(member_id), REWARD_PURCHASE_SK_PREFIX, ids.REWARD_TRANSACTION.prefix,
                             program_id, member_id, query, spec, lambda item: dict(purchase_from_row(item)))
    return None if page is None else ([cast(RewardTransaction, r) for r in page[0]], page[1])
