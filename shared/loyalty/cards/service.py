"""The card ledger: admin credits and debits, created PENDING and applied exactly once by the worker; card transaction lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from loyalty.cards import buckets, store
from loyalty.cards.ledger import MESSAGES, card_transaction, deltas_for, insufficient_balance
from loyalty.cards.models import AdjustPoints
from loyalty.cards.records import CardTransaction
from loyalty.components.store import CARD_DEFINITION, get_component
from loyalty.core import ids
from loyalty.core.errors import not_found
from loyalty.core.listing import DATE, ListQuery, ListSpec, id_field, parse
from loyalty.core.lists import list_view
from loyalty.core.logs import logger
from loyalty.db.table import Table
from loyalty.jobs.models import ApplyCardTransaction, CompleteOrderPayment, CompleteRewardPurchase
from loyalty.jobs.queue import enqueue
from loyalty.jobs.settle import retire, retirement, settle
from loyalty.members.records import Card, Member
from loyalty.members.service import require_active_member, require_card, require_member
from loyalty.programs.records import Program
from loyalty.programs.service import require_active_program, require_program


def require_program_member_card(db: Table, program_id: str, member_id: str, card_id: str) -> tuple[Program, Member, Card]:
    """The program, the member and its card a card operation names: 404 for a malformed or unknown id, a member of
    another program or a card of another member (two Queries: the program's partition, the member's)."""
    ids.PROGRAM.check(program_id)
    ids.MEMBER.check(member_id)
    ids.CARD.check(card_id)
    program, _ = require_program(db, program_id)
    member, cards = require_member(db, program_id, member_id)
    return program, member, require_card(cards, card_id)


def adjust_card_points(db: Table, program_id: str, member_id: str, card_id: str, body: AdjustPoints) -> dict[str, Any]:
    """Create an ADMIN_CREDIT / ADMIN_DEBIT transaction (PENDING) or answer NO_CHANGE for zero."""
    program, member, card = require_program_member_card(db, program_id, member_id, card_id)
    require_active_program(program, "Cannot adjust member's card points when program status is not ACTIVE")
    require_active_member(member, "Cannot adjust member's card points when member status is not ACTIVE")
    if body.points == 0:
        return {"transaction": None, "status": "NO_CHANGE", "message": MESSAGES["NO_CHANGE"]}
    tx_type = "ADMIN_CREDIT" if body.points > 0 else "ADMIN_DEBIT"
    allow_negative = bool(card.get("allow_negative"))
    if tx_type == "ADMIN_DEBIT" and not allow_negative and card["balance"] < -body.points:
        raise insufficient_balance()
    ctx = card_transaction(card, tx_type, body.points, body.reason, "PENDING")
    job = ApplyCardTransaction(project_id=db.project_id, member_id=member_id, card_id=card_id, transaction_id=ctx["id"],
                               allow_negative=allow_negative)
    store.create_pending_card_transaction(db, ctx, job)
    enqueue(job)
    return {"transaction": ctx, "status": "TRANSACTION_CREATED", "message": MESSAGES[tx_type]}


def pending_transaction(db: Table, job: ApplyCardTransaction | CompleteRewardPurchase | CompleteOrderPayment) -> CardTransaction | str:
    """The PENDING transaction a job settles, or the outcome to report when it is missing or already settled."""
    return pending_or_outcome(store.get_card_transaction(db, job.card_id, job.transaction_id), job)


def pending_or_outcome(ctx: CardTransaction | None,
                       job: ApplyCardTransaction | CompleteRewardPurchase | CompleteOrderPayment) -> CardTransaction | str:
    """`ctx` (the transaction a job settles, as read) when it is still PENDING, else the outcome to report."""
    if ctx is None:
        logger.warning("job for a missing transaction dropped", extra={"job": job.to_json()})
        return "MISSING"
    if ctx["status"] != "PENDING":
        return str(ctx["status"])
    return ctx


def apply_card_transaction(db: Table, job: ApplyCardTransaction) -> str:
    """Worker: settle one PENDING admin transaction: APPROVED, or REJECTED when a debit finds the balance too low.
    Re-running it is a no-op. Returns the outcome."""
    ctx = pending_transaction(db, job)
    if isinstance(ctx, str):
        return ctx
    points = abs(int(ctx["details"]["points"]["total"]))
    needs = points if ctx["type"] == "ADMIN_DEBIT" and not job.allow_negative else None
    rejection = {"reason": "insufficient_card_balance", "details": "Operation exceeds the available card balance"}

    settled_points, date, kind = None, None, "NO_EXPIRATION"
    if ctx["type"] == "ADMIN_CREDIT":
        date, kind = buckets.points_expiry(get_component(db, CARD_DEFINITION, ctx["card_definition_id"]) or {})
        settled_points = {"total": points, "expiration_date": date, "expiration_type": kind}

    def plan() -> buckets.BucketMoves:
        if settled_points is None:
            return buckets.consumption_moves(db, ctx["card_id"], ctx["member_id"], points)
        return buckets.credit_moves(db, _bucket_card(ctx), date, kind, points)

    def approve() -> None:
        buckets.write_with_buckets(lambda moves: store.apply_card_transaction(db, ctx, deltas_for(ctx["type"], points), needs, moves.items,
                                                                             points=settled_points, marks=moves.marks), plan)

    return settle(approve, lambda: store.reject_card_transaction(db, ctx, rejection), reject_when="card")


def _bucket_card(ctx: CardTransaction) -> dict[str, Any]:
    """The card fields a bucket of the transaction's card repeats."""
    return {"id": ctx["card_id"], "member_id": ctx["member_id"], "program_id": ctx["program_id"],
            "card_definition_id": ctx["card_definition_id"], "card_type": ctx.get("card_type", "INDIVIDUAL")}


def retire_card_transaction(db: Table, job: ApplyCardTransaction) -> str:
    """Worker, for a job out of attempts: its PENDING admin transaction becomes REJECTED (the card's counters never
    moved) and leaves the PendingJobs index, in one conditional write. Returns RETIRED or why not."""
    ctx = pending_transaction(db, job)
    if isinstance(ctx, str):
        return ctx
    return retire(lambda: store.reject_card_transaction(db, ctx, retirement(job), retiring=job.to_json()))


TRANSACTIONS = ListSpec("lcrsctx_", filters={"id": id_field(ids.CARD_TRANSACTION.prefix), "created_at": DATE})


CardPage = tuple[list[Any], dict[str, str] | None]


def card_list(program_id: str, member_id: str, card_id: str, params: list[tuple[str, str]], spec: ListSpec,
              read: Callable[[ListQuery], CardPage | None], view: Callable[[Any], dict[str, Any]] = dict) -> dict[str, Any]:
    """A page of one of a card's lists (its transactions, pending or expiring buckets): the parameters checked against
    `spec`, the ids' shapes checked (404), `read` giving the page or None when the card is not this member's in this
    program (404 `card`), each record answered through `view`."""
    query = parse(params, spec)
    ids.PROGRAM.check(program_id)
    ids.MEMBER.check(member_id)
    ids.CARD.check(card_id)
    page = read(query)
    if page is None:
        raise not_found("card", card_id)
    return list_view([view(r) for r in page[0]], page[1])


def list_card_transactions(db: Table, program_id: str, member_id: str, card_id: str, params: list[tuple[str, str]]) -> dict[str, Any]:
    """A page of a card's transactions (newest first unless `order=created_at`), filtered by id and created_at."""
    return card_list(program_id, member_id, card_id, params, TRANSACTIONS,
                     lambda query: store.list_card_transactions(db, program_id, member_id, card_id, query, TRANSACTIONS))
