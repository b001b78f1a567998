"""Reward purchases: accepted in one conditional transaction (points locked, stock taken), completed by the worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast
from zoneinfo import ZoneInfo

from loyalty.cards import buckets, spending
from loyalty.cards.ledger import card_transaction, insufficient_balance
from loyalty.cards.records import CardTransaction
from loyalty.cards.service import pending_or_outcome, pending_transaction
from loyalty.components import store as components
from loyalty.components.fulfilment import points_target, unfulfillable_reason
from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.errors import LoyaltyError, locked, not_found
from loyalty.core.listing import DATE, ListSpec, id_field
from loyalty.core.lists import member_list
from loyalty.core.settings import get_settings
from loyalty.core.validity import in_validity_window
from loyalty.customers import store as store_customers
from loyalty.db.table import Table
from loyalty.db.transact import TransactionConflict
from loyalty.earning.engine import day_of_week, instant
from loyalty.jobs.models import CompleteRewardPurchase, RefundRewardPurchase
from loyalty.jobs.queue import enqueue
from loyalty.jobs.settle import PENDING_LABEL, once, retire, retirement
from loyalty.members import store as store_members
from loyalty.members.records import Card
from loyalty.members.service import require_active_member, require_member
from loyalty.programs.service import require_active_program, require_program
from loyalty.purchases import costs, store
from loyalty.purchases import limits as purchase_limits
from loyalty.purchases.models import RefundPolicies, RewardPurchaseCreate, RewardPurchaseRefund
from loyalty.purchases.records import RewardTransaction

REASON = "Points spent on reward"
PURCHASED_REASON = "Points purchased with reward"


def out_of_stock() -> Exception:
    """423 `reward_out_of_stock`."""
    return locked("reward_out_of_stock", "Cannot purchase reward when stock is not available", "Reward stock is not available")


def _result(reward: dict[str, Any], target_card: Card | None) -> dict[str, Any]:
    """What an approved purchase delivers (RewardPurchaseResult): a MATERIAL reward's product or SKU, or the points a
    LOYALTY_CARD_POINTS reward credits and the card they go to (`digital.loyalty_card_points`)."""
    digital = None
    target = points_target(reward)
    if target is not None and target_card is not None:
        digital = {"type": "LOYALTY_CARD_POINTS", "loyalty_card_points": {**target, "card_id": target_card["id"]}}
    return {
        "reward": {"id": reward["id"], "type": reward["type"]},
        "quantity": 1,
        "material": reward.get("material") if reward["type"] == "MATERIAL" else None,
        "digital": digital,
    }


def _target_card(reward: dict[str, Any], cards: list[Card]) -> Card | None:
    """The member's card a LOYALTY_CARD_POINTS reward credits (423 `no_target_card` when the member holds none of its card
    definition: the purchase is refused rather than approved with nothing credited); None for other rewards."""
    target = points_target(reward)
    if target is None:
        return None
    card = next((c for c in cards if c["card_definition_id"] == target["card_definition_id"]), None)
    if card is None:
        raise locked("no_target_card", "No target card",
                     f"The member holds no card of card definition {target['card_definition_id']}, which this reward credits "
                     "its points to", resource_type="card_definition", resource_id=target["card_definition_id"])
    return card


def _cost_refusal(choice: costs.CostChoice, reward_id: str) -> Exception:
    """The 423 of a purchase no cost of which the member can pay: `reward_cost_not_matched` (no cost's rules hold),
    `no_card_for_cost` (no card of a card definition a cost that holds is priced in) or the spec's
    `insufficient_card_balance`."""
    if choice.reason == costs.INSUFFICIENT_BALANCE:
        return insufficient_balance()
    if choice.reason == costs.NO_CARD_FOR_COST:
        return locked("no_card_for_cost", "No card for reward cost",
                      "The member holds no card of a card definition this reward is priced in", resource_type="reward", resource_id=reward_id)
    why = "; ".join(choice.errors) or "The rules of none of this reward's costs hold for this member"
    return locked("reward_cost_not_matched", "Reward cost not matched", why, resource_type="reward", resource_id=reward_id)


def purchase_day(at: str) -> int:
    """The day of the week (0 = Sunday) of an instant in the project time zone, which cost rules' `$dow` reads."""
    return day_of_week(instant(at).astimezone(ZoneInfo(get_settings().timezone)))


def purchase_reward(db: Table, program_id: str, member_id: str, body: RewardPurchaseCreate) -> tuple[dict[str, Any], int]:
    """Accept a purchase (202, PENDING transactions) or simulate it (DRY_RUN, 200, nothing stored).

    The cost is chosen by purchases.costs.choose_cost (the chooser Examine rewards uses). The card definition's
    per-spend spending limit is checked before anything is written; the reward's purchase limits and the card
    definition's global spending limit are conditioned counters of the accepting transaction (a DRY_RUN counts
    nothing, so it cannot tell that a counter is full)."""
    ids.PROGRAM.check(program_id)
    ids.MEMBER.check(member_id)
    ids.REWARD.check(body.reward_id)
    program, assignments = require_program(db, program_id)
    member, cards = require_member(db, program_id, member_id)
    assignment = next((a for a in assignments if a["kind"] == components.REWARD and a["id"] == body.reward_id), None)
    found = components.get_components(db, [(components.REWARD, body.reward_id),
                                          *((components.CARD_DEFINITION, d) for d in sorted({c["card_definition_id"] for c in cards}))]
                                      ) if assignment else {}
    reward = found.get((components.REWARD, body.reward_id))
    if assignment is None or reward is None or reward.get("status") == "DELETED":
        raise not_found("reward", body.reward_id)
    unfulfillable = unfulfillable_reason(reward)
    if unfulfillable is not None:
        raise locked("reward_not_supported", "Reward not supported", unfulfillable, resource_type="reward", resource_id=reward["id"])
    require_active_program(program, "Cannot purchase rewards when program status is not ACTIVE")
    require_active_member(member, "Cannot purchase rewards when member status is not ACTIVE")
    if reward["status"] != "ACTIVE":
        raise locked("non_active_reward", "Invalid reward status", "Cannot purchase a reward that is not ACTIVE",
                     resource_type="reward", resource_id=reward["id"])
    if not in_validity_window(reward):
        raise locked("reward_outside_validity_window", "Reward is not available at this time",
                     "The reward is outside its validity window", resource_type="reward", resource_id=reward["id"])
    price = assignment["data"].get("costs") or reward.get("costs") or []
    customer = store_customers.get_customer(db, member["customer_id"]) if costs.needs_customer(price) else None
    now = now_iso()
    choice = costs.choose_cost(price, cards, (customer or {}).get("metadata") or {}, member.get("metadata") or {}, purchase_day(now))
    if choice.card is None:
        raise _cost_refusal(choice, reward["id"])
    cost, card = choice.points, choice.card
    target_card = _target_card(reward, cards)
    stock = assignment.get("stock_quantity")
    limited = stock is not None
    if stock is not None and stock <= 0:
        raise out_of_stock()
    if choice.reason is not None:
        raise _cost_refusal(choice, reward["id"])
    cdef = found.get((components.CARD_DEFINITION, card["card_definition_id"])) or {}
    spending.check_spend(cdef, cost)
    tz = get_settings().timezone
    limits = (*purchase_limits.purchase_limit_items(db, reward, member_id, now, tz), *spending.spending_items(db, cdef, card, cost, now, tz))

    rtx: RewardTransaction = {
        "id": ids.REWARD_TRANSACTION.new_within(member_id, ids.MEMBER),  # a refund finds it by this id alone
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

    purchased_id = ids.CARD_TRANSACTION.new() if target_card is not None else None
    ctx = card_transaction(card, "POINTS_SPENT_ON_REWARD", -cost, REASON, "PENDING", reward_id=reward["id"],
                           reward={"id": reward["id"]}, reward_transaction={"id": rtx["id"]},
                           target_card={"id": target_card["id"]} if target_card is not None else None,
                           purchase_transaction={"id": purchased_id} if purchased_id is not None else None)
    rtx["card_transaction_id"] = ctx["id"]
    result = _result(reward, target_card)
    job = CompleteRewardPurchase(project_id=db.project_id, member_id=member_id, card_id=card["id"], transaction_id=ctx["id"],
                                 cost=cost, limited_stock=limited, result=result if result["digital"] is not None else None,
                                 purchased_transaction_id=purchased_id, counted=True, reward_id=rtx["reward_id"])
    try:
        store.accept_reward_purchase(db, rtx, ctx, cost, limited, job, limits, result)
    except TransactionConflict as conflict:
        for label in (purchase_limits.COOLDOWN, purchase_limits.FREQUENCY):
            if conflict.failed(label):
                raise purchase_limits.limit_reached(label, reward["id"]) from None
        if conflict.failed(spending.LABEL):
            raise spending.spending_limit_reached("The card definition's spending limit does not allow this purchase") from None
        if conflict.failed("card"):
            # the balance fell below the cost, or the member stopped being ACTIVE (its cards got the marker): read it again
            now_member = store_members.get_member_with_cards(db, member_id)
            require_active_member(now_member[0] if now_member else {**member, "status": "INACTIVE"},
                                  "Cannot purchase rewards when member status is not ACTIVE")
            raise insufficient_balance() from None
        if conflict.failed("stock"):
            raise out_of_stock() from None
        raise
    enqueue(job)
    return {"status": "TRANSACTION_CREATED", "message": "Reward purchase transaction created", "transaction": ctx}, 202


def complete_reward_purchase(db: Table, job: CompleteRewardPurchase) -> str:
    """Worker: approve a PENDING purchase (points spent, redeemed +1, result written and, for a LOYALTY_CARD_POINTS
    reward, its points credited to the target card, all in one transaction), or reject it (points unlocked, stock
    restored) when the reward is no longer ACTIVE. Re-running it is a no-op.

    The reward's status is read with the transaction (one BatchGetItem), not checked inside the approving write: a
    deactivation that lands in the few milliseconds between that read and the write does not stop this purchase, as
    if it had come just after it. The money guarantees (lock, stock, one settlement) are all in the write."""
    found, reward_status = store.get_purchase_to_settle(db, job)
    ctx = pending_or_outcome(found, job)
    if isinstance(ctx, str):
        return ctx
    rejection = {"reason": "Reward is not available", "details": {"message": "The reward is no longer ACTIVE"}}
    if reward_status != "ACTIVE":
        return once(lambda: _reject(db, ctx, job, rejection), "REJECTED")
    digital = (job.result or {}).get("digital")
    target = (digital or {}).get("loyalty_card_points")
    if digital is not None and not (target or {}).get("card_id"):
        # a job accepted before fulfilment was checked (a coupon or gift reward, or a points reward with no target card
        # chosen): nothing can be delivered, so the points are given back rather than spent on nothing
        undeliverable = {"reason": "Reward cannot be delivered", "details": {"message": "This server cannot deliver this reward"}}
        return once(lambda: _reject(db, ctx, job, undeliverable), "REJECTED")
    if target is None:
        def approve() -> None:
            buckets.write_with_buckets(lambda moves: store.approve_reward_purchase(db, ctx, job.cost, job.result, moves.items, moves.marks,
                                                                                   count=not job.counted),
                                       lambda: buckets.consumption_moves(db, ctx["card_id"], ctx["member_id"], job.cost))
    else:
        approve = _points_purchase(db, ctx, job, target)
    return once(approve, "APPROVED")


def _points_purchase(db: Table, ctx: CardTransaction, job: CompleteRewardPurchase, target: dict[str, Any]) -> Callable[[], None]:
    """The approval of a LOYALTY_CARD_POINTS purchase: the spend and the POINTS_PURCHASED credit of the target card (its
    points expire as its card definition's `points_expiration` says, counted from now), in one transaction."""
    points = int(target["points"])
    date, kind = buckets.points_expiry(components.get_component(db, components.CARD_DEFINITION, target["card_definition_id"]) or {})
    card = {"id": target["card_id"], "member_id": ctx["member_id"], "program_id": ctx["program_id"],
            "card_definition_id": target["card_definition_id"], "card_type": ctx.get("card_type", "INDIVIDUAL")}
    purchased = card_transaction(cast(Card, card), "POINTS_PURCHASED", points, PURCHASED_REASON, "APPROVED",
                                 reward=ctx["details"]["reward"], reward_transaction=ctx["details"]["reward_transaction"],
                                 card_transaction={"id": ctx["id"]})
    purchased["id"] = job.purchased_transaction_id or purchased["id"]
    purchased["details"]["points"] = {"total": points, "expiration_date": date, "expiration_type": kind}
    same_card = card["id"] == ctx["card_id"]
    credit = buckets.BucketMoves([], {}) if same_card else buckets.credit_moves(db, card, date, kind, points)

    def plan() -> buckets.BucketMoves:
        if same_card:
            return buckets.exchange_moves(db, card, job.cost, date, kind, points)
        return buckets.consumption_moves(db, ctx["card_id"], ctx["member_id"], job.cost)

    def approve() -> None:
        buckets.write_with_buckets(lambda moves: store.approve_reward_purchase(db, ctx, job.cost, job.result, moves.items + credit.items,
                                                                               moves.marks, purchased, credit.marks,
                                                                               count=not job.counted), plan)
    return approve


def retire_reward_purchase(db: Table, job: CompleteRewardPurchase) -> str:
    """Worker, for a job out of attempts: the purchase is REJECTED as when its reward is withdrawn (points unlocked,
    stock given back, both transactions REJECTED) and leaves the PendingJobs index, in one conditional write. Returns
    RETIRED or why not."""
    ctx = pending_transaction(db, job)
    if isinstance(ctx, str):
        return ctx
    return retire(lambda: _reject(db, ctx, job, retirement(job), retiring=job.to_json()))


def _reject(db: Table, ctx: CardTransaction, job: CompleteRewardPurchase, rejection: dict[str, Any], *,
            retiring: str | None = None) -> None:
    """Reject a PENDING purchase; when its program's reward no longer counts stock (made UNLIMITED since), there is
    no stock to give back, and it is rejected without."""
    try:
        store.reject_reward_purchase(db, ctx, job.cost, job.limited_stock, rejection, retiring=retiring, uncount=job.counted)
    except TransactionConflict as conflict:
        if not job.limited_stock or conflict.failed(PENDING_LABEL) or not conflict.failed("stock"):
            raise
        store.reject_reward_purchase(db, ctx, job.cost, False, rejection, retiring=retiring, uncount=job.counted)


PURCHASES = ListSpec("lcrstrx_", filters={"id": id_field(ids.REWARD_TRANSACTION.prefix), "reward_id": id_field(ids.REWARD.prefix),
                                         "created_at": DATE})


def list_reward_purchases(db: Table, program_id: str, member_id: str, params: list[tuple[str, str]]) -> dict[str, Any]:
    """A page of a member's reward purchases (newest first unless `order=created_at`), filtered by id, reward and date."""
    return member_list(program_id, member_id, params, PURCHASES,
                       lambda query: store.list_member_reward_purchases(db, program_id, member_id, query, PURCHASES))


REFUND_REASON = "Reward refund"
REVERSED_REASON = "Reward refund — point purchase reversed"
RETURNED_REASON = "Points returned by a reward refund"
REFUND_MESSAGE = "Reward refund transaction created. Points will be returned to the member's card shortly."


def _not_refundable(rtx_id: str, why: str) -> Exception:
    """409 `invalid_state_transition` (spec-map §3.4, A7): the purchase cannot be refunded."""
    return LoyaltyError(409, "invalid_state_transition", "Invalid state transition", f"Cannot refund reward transaction {rtx_id}: {why}",
                        resource_type="reward_transaction", resource_id=rtx_id)


def refund_reward_purchase(db: Table, program_id: str, rtx_id: str, body: RewardPurchaseRefund | None) -> tuple[dict[str, Any], int]:
    """Accept the refund of an APPROVED purchase (202): the purchase becomes REFUNDED and an APPROVED REFUND reward
    transaction is written with the PENDING POINTS_RETURNED card transaction its job settles, in one conditional
    transaction (so of concurrent refunds of one purchase exactly one succeeds; the others are 409). The reward's
    `refunds.type` must be REFUNDABLE unless `policies.refund` is ALLOW (earning-map §9.1)."""
    ids.PROGRAM.check(program_id)
    ids.REWARD_TRANSACTION.check(rtx_id)
    policies = body.policies if body is not None and body.policies is not None else RefundPolicies()
    subjects = store.get_refund_subjects(db, rtx_id)
    if subjects is None:
        raise not_found("reward_transaction", rtx_id)
    ref, purchase, reward, cdef, assignment = subjects
    if purchase is None or ref["program_id"] != program_id:
        raise not_found("reward_transaction", rtx_id)
    if purchase["type"] != "PURCHASE" or purchase["status"] != "APPROVED":
        raise _not_refundable(rtx_id, f"only an APPROVED PURCHASE can be refunded, this is a {purchase['status']} {purchase['type']}")
    if policies.refund != "ALLOW" and ((reward or {}).get("refunds") or {}).get("type") != "REFUNDABLE":
        raise _not_refundable(rtx_id, "the reward is not REFUNDABLE (its refunds.type is NONE); policies.refund ALLOW forces the refund")

    points = int(((purchase["details"].get("points") or {}).get("total")) or 0)
    date, kind = buckets.points_expiry(cdef or {})
    now = now_iso()
    references = {"card_transaction": {"id": purchase["card_transaction_id"]} if purchase["card_transaction_id"] else None,
                  "reward_transaction": {"id": purchase["id"]}}
    result = purchase["details"].get("result")
    target = ((result or {}).get("digital") or {}).get("loyalty_card_points")
    refund: RewardTransaction = {
        "id": ids.REWARD_TRANSACTION.new_within(purchase["member_id"], ids.MEMBER),
        "card_id": purchase["card_id"],
        "card_transaction_id": None,
        "program_id": program_id,
        "member_id": purchase["member_id"],
        "reward_id": purchase["reward_id"],
        "status": "APPROVED",
        "type": "REFUND",
        "details": {"reason": REVERSED_REASON if target else REFUND_REASON, "rejection": None, "metadata": {},
                    "points": {"total": points}, "result": result, "purchase": references},
        "created_at": now,
        "updated_at": None,
        "object": "reward_transaction",
    }
    card = {"id": purchase["card_id"], "member_id": purchase["member_id"], "program_id": program_id,
            "card_definition_id": ref["card_definition_id"], "card_type": "INDIVIDUAL"}
    ctx = card_transaction(cast(Card, card), "POINTS_RETURNED", points, RETURNED_REASON, "PENDING", reward={"id": purchase["reward_id"]},
                           purchase=references, reward_transaction={"id": refund["id"]})
    ctx["details"]["points"] = {"total": points, "expiration_date": date, "expiration_type": kind}
    refund["card_transaction_id"] = ctx["id"]
    reversed_ = None
    if target and target.get("card_id"):
        reversed_ = {"transaction_id": ids.CARD_TRANSACTION.new(), "card_id": target["card_id"],
                     "card_definition_id": target["card_definition_id"], "points": int(target["points"]),
                     "purchase": references, "reward_transaction": {"id": refund["id"]}}
    limited = assignment is not None and assignment.get("stock_quantity") is not None
    job = RefundRewardPurchase(project_id=db.project_id, member_id=purchase["member_id"], card_id=purchase["card_id"],
                               card_definition_id=ref["card_definition_id"], program_id=program_id, reward_id=purchase["reward_id"],
                               transaction_id=ctx["id"], points=points, expiration_date=date, expiration_type=kind,
                               restore_stock=limited and policies.stock != "WRITE_OFF", reversed=reversed_)
    try:
        store.accept_refund(db, purchase, refund, ctx, ref["card_definition_id"], job)
    except TransactionConflict as conflict:
        if conflict.failed("purchase"):
            raise _not_refundable(rtx_id, "it is no longer an APPROVED PURCHASE (already refunded)") from None
        raise
    enqueue(job)
    return {"transaction": refund, "status": "APPROVED", "message": REFUND_MESSAGE}, 202


def return_refunded_points(db: Table, job: RefundRewardPurchase) -> str:
    """Worker: settle a refund's POINTS_RETURNED transaction (points back on the paying card in their expiring bucket,
    stock restored, a LOYALTY_CARD_POINTS reward's points reversed on the target card), in one conditional transaction;
    a redelivery finds it no longer PENDING and does nothing. Reads at most the target card's expiring buckets."""
    card = {"id": job.card_id, "member_id": job.member_id, "program_id": job.program_id,
            "card_definition_id": job.card_definition_id, "card_type": "INDIVIDUAL"}
    rev = job.reversed
    reversed_ctx: CardTransaction | None = None
    if rev is not None:
        target = {"id": rev["card_id"], "member_id": job.member_id, "program_id": job.program_id,
                  "card_definition_id": rev["card_definition_id"], "card_type": "INDIVIDUAL"}
        reversed_ctx = card_transaction(cast(Card, target), "POINTS_PURCHASE_REVERSED", -int(rev["points"]), REVERSED_REASON, "APPROVED",
                                        reward={"id": job.reward_id}, purchase=rev["purchase"], reward_transaction=rev["reward_transaction"])
        reversed_ctx["id"] = str(rev["transaction_id"])
    same_card = rev is not None and rev["card_id"] == job.card_id

    def plan() -> tuple[buckets.BucketMoves, buckets.BucketMoves]:
        """The paying card's bucket moves and the target card's (empty unless it is another card)."""
        none = buckets.BucketMoves([], {})
        if rev is None:
            return buckets.credit_moves(db, card, job.expiration_date, job.expiration_type, job.points), none
        if same_card:
            return buckets.exchange_moves(db, card, int(rev["points"]), job.expiration_date, job.expiration_type, job.points), none
        return (buckets.credit_moves(db, card, job.expiration_date, job.expiration_type, job.points),
                buckets.consumption_moves(db, rev["card_id"], job.member_id, int(rev["points"])))

    def write(restore: bool) -> None:
        for attempt in range(buckets.BUCKET_RETRIES):
            own, other = plan()
            try:
                store.return_refunded_points(db, job, own.items + other.items, own.marks, reversed_ctx, other.marks, restore_stock=restore)
                return
            except TransactionConflict as conflict:
                if not buckets.failed_labels(conflict, "consume:") or attempt == buckets.BUCKET_RETRIES - 1:
                    raise

    try:
        try:
            write(job.restore_stock)
        except TransactionConflict as conflict:
            if not job.restore_stock or conflict.failed(PENDING_LABEL) or not conflict.failed("stock"):
                raise
            write(False)  # the reward's stock was made UNLIMITED since: nothing to give back
    except TransactionConflict as conflict:
        if conflict.failed(PENDING_LABEL):
            return "ALREADY_SETTLED"
        raise
    return "APPROVED"


def retire_refund(db: Table, job: RefundRewardPurchase) -> str:
    """Worker, for a refund job out of attempts: its POINTS_RETURNED transaction becomes REJECTED (the points are not
    returned; the refund stays recorded) and leaves the PendingJobs index. Returns RETIRED or why not."""
    return retire(lambda: store.retire_refund(db, job, retirement(job)))
