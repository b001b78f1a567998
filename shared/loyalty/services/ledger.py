"""The card ledger: admin credits and debits, created PENDING and applied exactly once by the worker."""

from __future__ import annotations

from typing import Any

from loyalty.clock import new_id, now_iso
from loyalty.errors import check_id, locked, not_found
from loyalty.jobs.queue import enqueue
from loyalty.logs import logger
from loyalty.models.v2 import AdjustPoints
from loyalty.repository import Repository, TransactionConflict
from loyalty.services.gates import require_active_member, require_active_program, require_card, require_member, require_program
from loyalty.services.views import list_view

MESSAGES = {
    "ADMIN_CREDIT": "Points addition transaction created",
    "ADMIN_DEBIT": "Points subtraction transaction created",
    "NO_CHANGE": "Provided amount is zero, transaction was not created",
}


def deltas_for(tx_type: str, points: int) -> dict[str, int]:
    """The lifetime counters a settled transaction of this type moves (points as a positive amount)."""
    if tx_type == "ADMIN_CREDIT":
        return {"added": points, "total": points}
    if tx_type == "ADMIN_DEBIT":
        return {"subtracted": points}
    raise ValueError(f"no ledger rule for {tx_type}")


def insufficient_balance() -> Exception:
    """423 `insufficient_card_balance`."""
    return locked("insufficient_card_balance", "Insufficient card balance", "Operation exceeds the available card balance")


def card_transaction(card: dict[str, Any], tx_type: str, points_total: int, reason: str | None, status: str,
                     **details: Any) -> dict[str, Any]:
    """A card transaction record (`points_total` is negative for debits)."""
    now = now_iso()
    return {
        "id": new_id("lctx_"),
        "card_id": card["id"],
        "program_id": card["program_id"],
        "member_id": card["member_id"],
        "card_definition_id": card["card_definition_id"],
        "card_type": card.get("card_type", "INDIVIDUAL"),
        "type": tx_type,
        "details": {
            "reason": reason,
            "metadata": {},
            "rejection": None,
            "points": {"total": points_total, "expiration_date": None, "expiration_type": "NO_EXPIRATION"}
            if tx_type == "ADMIN_CREDIT" else {"total": points_total},
            **details,
        },
        "status": status,
        "created_at": now,
        "updated_at": now if status != "PENDING" else None,
        "object": "card_transaction",
    }


def adjust_card_points(repo: Repository, program_id: str, member_id: str, card_id: str, body: AdjustPoints) -> dict[str, Any]:
    """Create an ADMIN_CREDIT / ADMIN_DEBIT transaction (PENDING) or answer NO_CHANGE for zero."""
    check_id(program_id, "lprg_", "program")
    check_id(member_id, "lmbr_", "member")
    check_id(card_id, "lcrd_", "card")
    program, _ = require_program(repo.get_program_with_assignments(program_id), program_id)
    member, cards = require_member(repo.get_member_with_cards(member_id), program_id, member_id)
    card = require_card(cards, card_id)
    require_active_program(program, "Cannot adjust member's card points when program status is not ACTIVE")
    require_active_member(member, "Cannot adjust member's card points when member status is not ACTIVE")
    if body.points == 0:
        return {"transaction": None, "status": "NO_CHANGE", "message": MESSAGES["NO_CHANGE"]}
    tx_type = "ADMIN_CREDIT" if body.points > 0 else "ADMIN_DEBIT"
    allow_negative = bool(card.get("allow_negative"))
    if tx_type == "ADMIN_DEBIT" and not allow_negative and card["balance"] < -body.points:
        raise insufficient_balance()
    ctx = card_transaction(card, tx_type, body.points, body.reason, "PENDING")
    job = {"type": "apply_card_transaction", "project_id": repo.project_id, "member_id": member_id,
           "card_id": card_id, "transaction_id": ctx["id"], "allow_negative": allow_negative}
    repo.create_pending_card_transaction(ctx, job)
    enqueue(job)
    return {"transaction": ctx, "status": "TRANSACTION_CREATED", "message": MESSAGES[tx_type]}


def pending_transaction(repo: Repository, job: dict[str, Any]) -> dict[str, Any] | str:
    """The PENDING transaction a job settles, or the outcome to report when it is missing or already settled."""
    ctx = repo.get_card_transaction(job["card_id"], job["transaction_id"])
    if ctx is None:
        logger.warning("job for a missing transaction dropped", extra={"job": job})
        return "MISSING"
    if ctx["status"] != "PENDING":
        return str(ctx["status"])
    return ctx


def apply_card_transaction(repo: Repository, job: dict[str, Any]) -> str:
    """Worker: settle one PENDING admin transaction. Re-running it is a no-op. Returns the final status."""
    ctx = pending_transaction(repo, job)
    if isinstance(ctx, str):
        return ctx
    points = abs(int(ctx["details"]["points"]["total"]))
    needs = points if ctx["type"] == "ADMIN_DEBIT" and not job.get("allow_negative") else None
    try:
        repo.apply_card_transaction(ctx, deltas_for(ctx["type"], points), needs)
        return "APPROVED"
    except TransactionConflict as conflict:
        if conflict.failed(0):
            return "ALREADY_SETTLED"
        if not conflict.failed(1):
            raise
    rejection = {"reason": "insufficient_card_balance", "details": "Operation exceeds the available card balance"}
    try:
        repo.reject_card_transaction(ctx, rejection)
    except TransactionConflict as conflict:
        if not conflict.failed(0):
            raise
    return "REJECTED"


def list_card_transactions(repo: Repository, program_id: str, member_id: str, card_id: str, limit: int,
                           cursor: str | None) -> dict[str, Any]:
    """A page of a card's transactions, newest first."""
    check_id(program_id, "lprg_", "program")
    check_id(member_id, "lmbr_", "member")
    check_id(card_id, "lcrd_", "card")
    page = repo.list_card_transactions(program_id, member_id, card_id, limit, cursor)
    if page is None:
        raise not_found("card", card_id)
    return list_view(*page)
