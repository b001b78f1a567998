"""Reward purchases: accepted in one conditional transaction (points locked, stock taken), completed by the worker."""

from __future__ import annotations

from typing import Any

from loyalty.clock import new_id, now_iso
from loyalty.errors import check_id, locked, not_found
from loyalty.jobs.queue import enqueue
from loyalty.models.v2 import RewardPurchaseCreate
from loyalty.repository import Repository, TransactionConflict
from loyalty.services.gates import (
    in_validity_window,
    require_active_member,
    require_active_program,
    require_member,
    require_program,
)
from loyalty.services.ledger import card_transaction, insufficient_balance, pending_transaction
from loyalty.services.views import list_view

REASON = "Points spent on reward"


def out_of_stock() -> Exception:
    """423 `reward_out_of_stock`."""
    return locked("reward_out_of_stock", "Cannot purchase reward when stock is not available", "Reward stock is not available")


def _result(reward: dict[str, Any]) -> dict[str, Any]:
    """What an approved purchase delivers (RewardPurchaseResult)."""
    return {
        "reward": {"id": reward["id"], "type": reward["type"]},
        "quantity": 1,
        "material": reward.get("material"),
        "digital": reward.get("digital"),
    }


def _choose_cost(costs: list[dict[str, Any]], cards: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    """The first cost priced on a card definition the member holds a card of."""
    by_definition = {c["card_definition_id"]: c for c in cards}
    for cost in costs:
        spending = (cost.get("spending") or [{}])[0]
        card = by_definition.get(spending.get("card_definition_id"))
        if card is not None:
            return int(spending["points"]), card
    raise locked("reward_cost_not_matched", "Reward cost not matched",
                 "The member holds no card of a card definition this reward is priced in")


def purchase_reward(repo: Repository, program_id: str, member_id: str, body: RewardPurchaseCreate) -> tuple[dict[str, Any], int]:
    """Accept a purchase (202, PENDING transactions) or simulate it (DRY_RUN, 200, nothing stored)."""
    check_id(program_id, "lprg_", "program")
    check_id(member_id, "lmbr_", "member")
    check_id(body.reward_id, "lrew_", "reward")
    program, assignments = require_program(repo.get_program_with_assignments(program_id), program_id)
    member, cards = require_member(repo.get_member_with_cards(member_id), program_id, member_id)
    assignment = next((a for a in assignments if a["kind"] == "REWARD" and a["id"] == body.reward_id), None)
    reward = repo.get_reward(body.reward_id) if assignment else None
    if assignment is None or reward is None or reward.get("status") == "DELETED":
        raise not_found("reward", body.reward_id)
    require_active_program(program, "Cannot purchase rewards when program status is not ACTIVE")
    require_active_member(member, "Cannot purchase rewards when member status is not ACTIVE")
    if reward["status"] != "ACTIVE":
        raise locked("non_active_reward", "Invalid reward status", "Cannot purchase a reward that is not ACTIVE",
                     resource_type="reward", resource_id=reward["id"])
    if not in_validity_window(reward):
        raise locked("reward_outside_validity_window", "Reward is not available at this time",
                     "The reward is outside its validity window", resource_type="reward", resource_id=reward["id"])
    cost, card = _choose_cost(assignment["data"].get("costs") or reward.get("costs") or [], cards)
    limited = assignment.get("stock_quantity") is not None
    if limited and assignment["stock_quantity"] <= 0:
        raise out_of_stock()
    if card["balance"] < cost:
        raise insufficient_balance()

    now = now_iso()
    rtx = {
        "id": new_id("lrtx_"),
        "card_id": card["id"],
        "card_transaction_id": None,
        "program_id": program_id,
        "member_id": member_id,
        "reward_id": reward["id"],
        "status": "PENDING",
        "type": "PURCHASE",
        "details": {"reason": REASON, "rejection": None, "metadata": {}, "points": {"total": cost}, "result": None},
        "created_at": now,
        "updated_at": None,
        "object": "reward_transaction",
    }
    if body.mode == "DRY_RUN":
        simulated = {k: v for k, v in rtx.items() if k not in ("id", "created_at")}
        simulated["status"] = "SIMULATED"
        return {"status": "DRY_RUN", "message": "Dry run mode. No transaction was created. This is only a simulation.",
                "transaction": simulated}, 200

    ctx = card_transaction(card, "POINTS_SPENT_ON_REWARD", -cost, REASON, "PENDING", reward_id=reward["id"],
                           reward={"id": reward["id"]}, reward_transaction={"id": rtx["id"]}, target_card=None,
                           purchase_transaction=None)
    rtx["card_transaction_id"] = ctx["id"]
    job = {"type": "complete_reward_purchase", "project_id": repo.project_id, "member_id": member_id,
           "card_id": card["id"], "transaction_id": ctx["id"], "cost": cost, "limited_stock": limited,
           "result": _result(reward)}
    try:
        repo.accept_reward_purchase(rtx, ctx, cost, limited, job)
    except TransactionConflict as conflict:
        if conflict.failed(0):
            raise insufficient_balance() from None
        if conflict.failed(1):
            raise out_of_stock() from None
        if conflict.failed(2):
            require_active_member({**member, "status": "INACTIVE"}, "Cannot purchase rewards when member status is not ACTIVE")
        raise
    enqueue(job)
    return {"status": "TRANSACTION_CREATED", "message": "Reward purchase transaction created", "transaction": ctx}, 202


def complete_reward_purchase(repo: Repository, job: dict[str, Any]) -> str:
    """Worker: approve a PENDING purchase (points spent, redeemed +1, result written), or reject it
    (points unlocked, stock restored) when the reward is no longer ACTIVE. Re-running it is a no-op."""
    ctx = pending_transaction(repo, job)
    if isinstance(ctx, str):
        return ctx
    cost = int(job["cost"])
    try:
        repo.approve_reward_purchase(ctx, cost, job["result"])
        return "APPROVED"
    except TransactionConflict as conflict:
        if conflict.failed(0):
            return "ALREADY_SETTLED"
        if not conflict.failed(4):
            raise
    rejection = {"reason": "Reward is not available", "details": {"message": "The reward is no longer ACTIVE"}}
    try:
        repo.reject_reward_purchase(ctx, cost, bool(job.get("limited_stock")), rejection)
    except TransactionConflict as conflict:
        if not conflict.failed(0):
            raise
        return "ALREADY_SETTLED"
    return "REJECTED"


def list_reward_purchases(repo: Repository, program_id: str, member_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """A page of a member's reward purchases, newest first."""
    check_id(program_id, "lprg_", "program")
    check_id(member_id, "lmbr_", "member")
    page = repo.list_member_reward_purchases(program_id, member_id, limit, cursor)
    if page is None:
        raise not_found("member", member_id)
    return list_view(*page)
