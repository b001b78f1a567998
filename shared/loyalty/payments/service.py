"""Pay with points (spec-map #40-41, §2.12): a member's card pays part of an order, at its card definition's exchange
ratio. The payment is accepted in one conditional transaction (points locked, the amount counted on the order) and
completed by the worker; a canceled order returns the points its approved payments spent (earning-map §9.2, E20)."""

from __future__ import annotations

import random
import time
from fractions import Fraction
from typing import Any, cast

from loyalty.cards import buckets, spending
from loyalty.cards.ledger import card_transaction
from loyalty.cards.records import CardTransaction
from loyalty.cards.service import pending_transaction
from loyalty.components import store as components
from loyalty.components.scalars import exchange_ratio
from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.errors import LoyaltyError, locked, not_found
from loyalty.core.listing import DATE, ListSpec, id_field
from loyalty.core.lists import member_list
from loyalty.core.settings import get_settings
from loyalty.db.table import Table
from loyalty.db.transact import TransactionConflict
from loyalty.jobs.models import CompleteOrderPayment
from loyalty.jobs.queue import enqueue
from loyalty.jobs.settle import PENDING_LABEL, retire, retirement, settle
from loyalty.members import store as members_store
from loyalty.members.records import Card, Member
from loyalty.members.service import require_active_member, require_card, require_member
from loyalty.orders import store as orders
from loyalty.orders.views import order_view
from loyalty.payments import store
from loyalty.payments.models import OrderPaymentCreate
from loyalty.payments.records import OrderTransaction
from loyalty.programs.service import require_active_program, require_program

REASON = "Points spent on order payment"
RETURNED_REASON = "Points returned by a canceled order"
MESSAGE = "Pay with points transaction created"
DRY_RUN_MESSAGE = "Dry run mode. No transaction was created. This is only a simulation."
ACCEPT_ATTEMPTS = 32
"""How often a payment re-reads a card (or an order) that other writes keep moving before it answers 409."""


def zero_card_balance() -> Exception:
    """423 `zero_card_balance`."""
    return locked("zero_card_balance", "Card balance is zero", "Operation requires a positive card balance")


def not_enabled(details: str = "Card definition does not have pay with points enabled") -> Exception:
    """423 `pay_with_points_not_enabled`."""
    return locked("pay_with_points_not_enabled", "Pay with points is not enabled", details)


def nothing_to_pay() -> Exception:
    """423 `nothing_to_pay`: the order is paid already, or the limits and the ratio let no whole point pay anything."""
    return locked("nothing_to_pay", "Nothing to pay",
                  "The payment would spend no points: the order is fully paid, or the payment limit and the exchange ratio "
                  "leave no whole number of points to spend")


def card_ratio(cdef: dict[str, Any]) -> Fraction:
    """The exchange ratio of a card definition (the order amount, in cents, one point pays); 423 when it has none."""
    config = cdef.get("pay_with_points") or {}
    if config.get("type") != "EXCHANGE_RATIO":
        raise not_enabled()
    ratio = exchange_ratio((config.get("exchange_ratio") or {}).get("formula"))
    if ratio is None:
        raise not_enabled("The card definition's exchange ratio formula is not a positive number, which this server cannot evaluate")
    return ratio


def points_to_spend(owed: int, ratio: Fraction, balance: int, points_cap: int | None, amount_cap: int | None) -> tuple[int, int]:
    """(points, amount): the most whole points that pay no more than the order still owes, the card holds and the limits
    allow, such that `points x ratio` is a whole amount in cents (so amount = points x ratio exactly)."""
    caps = [int(owed / ratio), balance]
    if points_cap is not None:
        caps.append(points_cap)
    if amount_cap is not None:
        caps.append(int(amount_cap / ratio))
    points = max(min(caps), 0)
    points -= points % ratio.denominator
    return points, int(points * ratio)


def _ratio_number(ratio: Fraction) -> int | float:
    return int(ratio) if ratio.denominator == 1 else float(ratio)


def _find_order(db: Table, body: OrderPaymentCreate, member: Member) -> dict[str, Any]:
    """The order paid (by id, else source id): 404 when unknown or when it is not the member's customer's order."""
    ref = body.order.id or body.order.source_id or ""
    (item,) = orders.read_items(db, [orders.order_lookup(db, body.order.id, body.order.source_id)])
    if item is None:
        raise not_found("order", ref)
    order = order_view(orders.order_from_item(item))
    if (order.get("customer") or {}).get("id") != member.get("customer_id"):
        raise not_found("order", ref)
    return order


def create_payment(db: Table, program_id: str, member_id: str, body: OrderPaymentCreate) -> tuple[dict[str, Any], int]:
    """Accept a payment (202, PENDING transactions) or simulate it (DRY_RUN, 200, nothing stored)."""
    ids.PROGRAM.check(program_id)
    ids.MEMBER.check(member_id)
    program, _ = require_program(db, program_id)
    member, cards = require_member(db, program_id, member_id)
    card = require_card(cards, ids.CARD.check(body.card_id))
    order = _find_order(db, body, member)
    require_active_program(program, "Cannot pay with points when program status is not ACTIVE")
    require_active_member(member, "Cannot pay with points when member status is not ACTIVE")
    cdef = components.get_component(db, components.CARD_DEFINITION, card["card_definition_id"]) or {}
    ratio = card_ratio(cdef)
    if order["status"] == "CANCELED":
        raise locked("order_canceled", "Order is canceled", "Cannot pay for a CANCELED order", resource_type="order",
                     resource_id=order["id"])
    limit = body.payment_limit
    points_cap = limit.points_limit.max if limit and limit.points_limit else None
    amount_cap = limit.amount_limit.max if limit and limit.amount_limit else None
    allowed = spending.per_spend_max(cdef)  # a payment takes at most the card definition's per-transaction limit
    if allowed is not None:
        points_cap = allowed if points_cap is None else min(points_cap, allowed)
    metadata = {k: v for k, v in (("points_limit", points_cap if limit and limit.points_limit else None),
                                  ("amount_limit", amount_cap)) if v is not None}
    fresh_card = card
    for attempt in range(ACCEPT_ATTEMPTS):
        balance = int(fresh_card.get("balance", 0))
        if balance <= 0:
            raise zero_card_balance()
        paid = store.get_paid_with_points(db, order["id"])
        points, amount = points_to_spend(max(int(order["total_amount"] or 0) - paid, 0), ratio, balance, points_cap, amount_cap)
        if points <= 0:
            raise nothing_to_pay()
        spending.check_spend(cdef, points)
        otx = _transaction(program_id, member_id, fresh_card, order["id"], metadata, points, amount, ratio)
        if body.mode == "DRY_RUN":
            simulated = {k: v for k, v in otx.items() if k not in ("id", "created_at")}
            simulated.update(status="SIMULATED", card_transaction_id=None)
            return {"transaction": simulated, "status": "DRY_RUN", "message": DRY_RUN_MESSAGE}, 200
        ctx = card_transaction(fresh_card, "POINTS_SPENT_ON_ORDER", -points, REASON, "PENDING", order={"id": order["id"]},
                               order_transaction={"id": otx["id"]})
        otx["card_transaction_id"] = ctx["id"]
        job = CompleteOrderPayment(project_id=db.project_id, member_id=member_id, card_id=card["id"], transaction_id=ctx["id"],
                                   order_transaction_id=otx["id"], order_id=order["id"], points=points, amount=amount)
        try:
            limits = spending.spending_items(db, cdef, fresh_card, points, otx["created_at"], get_settings().timezone)
            store.accept_payment(db, otx, ctx, job, paid_before=paid, items=limits)
        except TransactionConflict as conflict:
            if conflict.failed(spending.LABEL):
                raise spending.spending_limit_reached("The card definition's spending limit does not allow this payment now") from None
            if conflict.failed("member"):
                require_active_member({**member, "status": "INACTIVE"}, "Cannot pay with points when member status is not ACTIVE")
            if conflict.failed("order"):
                raise locked("order_canceled", "Order is canceled", "Cannot pay for a CANCELED order", resource_type="order",
                             resource_id=order["id"]) from None
            if not (conflict.failed("card") or conflict.failed("order_paid")):
                raise
            # the card's balance or the order's paid amount moved since they were read: read them again
            fresh = members_store.get_card(db, member_id, card["id"])
            if fresh is None:
                raise not_found("card", card["id"]) from None
            fresh_card = fresh
            time.sleep(random.uniform(0.002, 0.01) * min(attempt + 1, 5))
            continue
        enqueue(job)
        return {"transaction": otx, "status": "TRANSACTION_CREATED", "message": MESSAGE}, 202
    raise LoyaltyError(409, "concurrent_modification", "Concurrent modification",
                       "The card or the order is being changed by many requests at once; retry the request")


def _transaction(program_id: str, member_id: str, card: Card, order_id: str, metadata: dict[str, Any], points: int, amount: int,
                 ratio: Fraction) -> OrderTransaction:
    return {
        "id": ids.ORDER_TRANSACTION.new(),
        "program_id": program_id,
        "member_id": member_id,
        "card_id": card["id"],
        "card_definition_id": card["card_definition_id"],
        "card_transaction_id": None,
        "order_id": order_id,
        "status": "PENDING",
        "type": "PAY_WITH_POINTS",
        "details": {"reason": REASON, "rejection": None, "metadata": metadata,
                    "payment": {"amount": amount, "points_spent": points, "exchange_ratio": _ratio_number(ratio)}},
        "created_at": now_iso(),
        "updated_at": None,
        "object": "order_transaction",
    }


ORDER_CANCELED_REJECTION = {"reason": "ORDER_CANCELED", "details": {"message": "The order was canceled before the payment was approved"}}


def complete_payment(db: Table, job: CompleteOrderPayment) -> str:
    """Worker: approve a PENDING payment (points spent soonest-expiring first, `spent` +points, both transactions
    APPROVED), or reject it (points unlocked, the amount uncounted) when its order was canceled meanwhile. Re-running it
    is a no-op."""
    ctx = pending_transaction(db, job)
    if isinstance(ctx, str):
        return ctx

    def approve() -> None:
        buckets.write_with_buckets(lambda moves: store.approve_payment(db, job, moves.items, moves.marks),
                                   lambda: buckets.consumption_moves(db, job.card_id, job.member_id, job.points))
    return settle(approve, lambda: store.reject_payment(db, job, ORDER_CANCELED_REJECTION), reject_when="order")


def retire_payment(db: Table, job: CompleteOrderPayment) -> str:
    """Worker, for a payment job out of attempts: REJECTED as when its order is canceled (points unlocked), and out of the
    PendingJobs index, in one conditional write. Returns RETIRED or why not."""
    ctx = pending_transaction(db, job)
    if isinstance(ctx, str):
        return ctx
    return retire(lambda: store.reject_payment(db, job, retirement(job), retiring=job.to_json()))


def return_order_payments(db: Table, order_id: str) -> int:
    """A PAID order was canceled: each APPROVED payment of it whose card definition says `refunds.spent_points`
    REFUNDABLE (RETURN_POINTS) gets its points back in one POINTS_RETURNED transaction (`returned`, earning-map §9.2, E20),
    exactly once (claimed on the payment's pointer); the payment stays APPROVED. NONE keeps them. Returns how many."""
    returned = 0
    cdefs: dict[str, dict[str, Any]] = {}
    for ref, otx in store.get_order_payments(db, order_id):
        if otx is None or otx["status"] != "APPROVED" or ref.get(store.RETURNED):
            continue
        cdef_id = otx["card_definition_id"]
        if cdef_id not in cdefs:
            cdefs[cdef_id] = components.get_component(db, components.CARD_DEFINITION, cdef_id) or {}
        spent = (cdefs[cdef_id].get("refunds") or {}).get("spent_points") or {}
        if spent.get("type") != "REFUNDABLE":
            continue
        if _return_points(db, order_id, otx, cdefs[cdef_id]):
            returned += 1
    return returned


def _return_points(db: Table, order_id: str, otx: OrderTransaction, cdef: dict[str, Any]) -> bool:
    points = int(otx["details"]["payment"]["points_spent"])
    date, kind = buckets.points_expiry(cdef)
    card = cast(Card, {"id": otx["card_id"], "member_id": otx["member_id"], "program_id": otx["program_id"],
                       "card_definition_id": otx["card_definition_id"], "card_type": "INDIVIDUAL"})
    ctx: CardTransaction = card_transaction(card, "POINTS_RETURNED", points, RETURNED_REASON, "APPROVED",
                                            order={"id": order_id}, order_transaction={"id": otx["id"]})
    ctx["details"]["points"] = {"total": points, "expiration_date": date, "expiration_type": kind}
    moves = buckets.credit_moves(db, dict(card), date, kind, points)
    try:
        store.return_payment_points(db, order_id, otx, ctx, moves.items, moves.marks)
    except TransactionConflict as conflict:
        if conflict.failed("claim") or conflict.failed("order_transaction") or conflict.failed(PENDING_LABEL):
            return False
        raise
    return True


PAYMENTS = ListSpec("lcrsotx_", filters={"id": id_field(ids.ORDER_TRANSACTION.prefix), "created_at": DATE})


def list_payments(db: Table, program_id: str, member_id: str, params: list[tuple[str, str]]) -> dict[str, Any]:
    """A page of a member's order payments (newest first unless `order=created_at`), filtered by id and date."""
    return member_list(program_id, member_id, params, PAYMENTS,
                       lambda query: store.list_member_payments(db, program_id, member_id, query, PAYMENTS))
