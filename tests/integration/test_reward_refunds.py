"""Reward purchase refunds on moto (spec-map #37, §3.4; earning-map §9.1): the refund is accepted at once (the purchase
REFUNDED, an APPROVED REFUND transaction), and the worker returns the points (POINTS_RETURNED, `returned`), gives the
stock back and, for a LOYALTY_CARD_POINTS reward, reverses the points it credited, exactly once."""

from __future__ import annotations

from typing import Any

from loyalty.jobs.worker import run_job
from tests.integration.conftest import Stack, error_of
from tests.integration.test_reward_fulfilment import ROLLING_3M, cards, cdef, ledger, ok, purchase, purchase_path, transactions
from tests.integration.test_reward_fulfilment import world as points_world
from tests.integration.test_v2_journey import BASE, credit, make_customer, make_member
from tests.integration.test_worker import receive_all


def material_world(stack: Stack, *, refunds: str | None = "REFUNDABLE", stock: int | None = 2, expiring: bool = True) -> dict[str, Any]:
    """A member holding 300 points on a wallet whose points expire after 3 months (never, unless `expiring`), and a
    MATERIAL reward costing 100 (REFUNDABLE unless told) assigned with `stock` units."""
    wallet = cdef(stack, "Wallet", ROLLING_3M if expiring else None)
    body: dict[str, Any] = {"name": "Mug", "type": "MATERIAL", "status": "ACTIVE",
                            "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}},
                            "costs": [{"spending": [{"points": 100, "card_definition_id": wallet}]}]}
    if refunds is not None:
        body["refunds"] = {"type": refunds}
    reward = str(ok(stack, "create_reward", "POST", f"{BASE}/rewards", body)["id"])
    rule = ok(stack, "create_earning_rule", "POST", f"{BASE}/earning-rules", {
        "name": "Order paid", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": wallet}}]}]})
    assignment: dict[str, Any] = {"id": reward} if stock is None else {"id": reward, "stock": stock}
    prog = str(ok(stack, "create_program", "POST", f"{BASE}/programs", {
        "name": "VIP", "status": "ACTIVE", "card_definitions": [{"id": wallet}], "earning_rules": [{"id": rule["id"]}],
        "rewards": [assignment]})["id"])
    member = make_member(stack, prog, make_customer(stack))
    w = {"program": prog, "member": member["id"], "reward": reward, "a": wallet}
    credit(stack, prog, member["id"], cards(stack, prog, member["id"])[wallet]["id"], 300)
    stack.drain()
    return w


def refund_path(w: dict[str, Any], rtx_id: str) -> str:
    return f"{BASE}/programs/{w['program']}/rewards/purchases/{rtx_id}/refund"


def bought(stack: Stack, w: dict[str, Any]) -> str:
    """Buy the reward, let the worker approve it; the PURCHASE reward transaction's id."""
    spend = purchase(stack, w)
    stack.drain()
    return str(spend["details"]["reward_transaction"]["id"])


def purchases(stack: Stack, w: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["type"]: r for r in ok(stack, "list_member_reward_purchases", "GET", purchase_path(w))["data"]}


def stock_of(stack: Stack, w: dict[str, Any]) -> Any:
    [reward] = ok(stack, "get_program", "GET", f"{BASE}/programs/{w['program']}")["rewards"]
    return reward["stock"]


def test_a_refund_returns_the_points_once_and_gives_the_stock_back(stack: Stack) -> None:
    w = material_world(stack)
    rtx_id = bought(stack, w)
    assert stock_of(stack, w) == 1
    status, resp = stack.call("refund_reward_purchase", "POST", refund_path(w, rtx_id), {})
    assert status == 202, resp
    refund = resp["transaction"]
    assert resp["status"] == "APPROVED"
    assert resp["message"] == "Reward refund transaction created. Points will be returned to the member's card shortly."
    assert (refund["type"], refund["status"], refund["id"][:5]) == ("REFUND", "APPROVED", "lrtx_")
    assert refund["details"]["purchase"]["reward_transaction"] == {"id": rtx_id}
    assert refund["details"]["points"] == {"total": 100}
    # At once: the purchase is REFUNDED; the points are not back yet (the returning transaction is PENDING)
    listed = purchases(stack, w)
    assert listed["PURCHASE"]["status"] == "REFUNDED" and listed["REFUND"]["id"] == refund["id"]
    card = cards(stack, w["program"], w["member"])[w["a"]]
    assert card["balance"]["points"] == 200
    [returned] = [t for t in transactions(stack, w, card["id"]) if t["type"] == "POINTS_RETURNED"]
    assert returned["status"] == "PENDING" and returned["id"] == refund["card_transaction_id"]

    # The job, delivered twice: the second delivery changes nothing
    [message] = receive_all(stack)
    assert run_job(message["Body"]) == "APPROVED"
    assert run_job(message["Body"]) == "ALREADY_SETTLED"
    stack.drain()

    card = cards(stack, w["program"], w["member"])[w["a"]]
    p = ledger(stack, w, card)
    assert (card["balance"]["points"], p["returned"], p["spent"]) == (300, 100, 100)
    [returned] = [t for t in transactions(stack, w, card["id"]) if t["type"] == "POINTS_RETURNED"]
    d = returned["details"]
    assert returned["status"] == "APPROVED" and d["points"]["total"] == 100 and d["points"]["expiration_type"] == "ROLLING_EXPIRATION"
    assert d["reward"] == {"id": w["reward"]} and d["reward_transaction"] == {"id": refund["id"]}
    assert d["purchase"]["reward_transaction"] == {"id": rtx_id} and d["purchase"]["card_transaction"]["id"].startswith("lctx_")
    # The returned points sit in an expiring bucket of their expiration date
    card_path = f"{BASE}/programs/{w['program']}/members/{w['member']}/cards/{card['id']}"
    buckets = ok(stack, "list_card_expiring_points", "GET", f"{card_path}/expiring-points")["data"]
    assert sum(b["points"]["total"] for b in buckets if b["expiration_date"] == d["points"]["expiration_date"]) >= 100
    assert stock_of(stack, w) == 2  # stock DEFAULT: the unit is back

    # A second refund of the same purchase, and a refund of the REFUND transaction, are refused
    error_of(stack, 409, "invalid_state_transition", "refund_reward_purchase", "POST", refund_path(w, rtx_id), None)
    error_of(stack, 409, "invalid_state_transition", "refund_reward_purchase", "POST", refund_path(w, refund["id"]), None)


def test_write_off_keeps_the_stock_and_a_pending_purchase_is_not_refundable(stack: Stack) -> None:
    w = material_world(stack)
    spend = purchase(stack, w)
    pending = spend["details"]["reward_transaction"]["id"]
    error_of(stack, 409, "invalid_state_transition", "refund_reward_purchase", "POST", refund_path(w, pending), None)
    stack.drain()
    status, resp = stack.call("refund_reward_purchase", "POST", refund_path(w, pending), {"policies": {"stock": "WRITE_OFF"}})
    assert status == 202, resp
    stack.drain()
    assert stock_of(stack, w) == 1
    card = cards(stack, w["program"], w["member"])[w["a"]]
    assert ledger(stack, w, card)["returned"] == 100 and card["balance"]["points"] == 300


def test_a_reward_that_is_not_refundable_needs_policy_allow(stack: Stack) -> None:
    w = material_world(stack, refunds=None, stock=None)
    rtx_id = bought(stack, w)
    error_of(stack, 409, "invalid_state_transition", "refund_reward_purchase", "POST", refund_path(w, rtx_id), None)
    assert purchases(stack, w)["PURCHASE"]["status"] == "APPROVED"
    status, resp = stack.call("refund_reward_purchase", "POST", refund_path(w, rtx_id), {"policies": {"refund": "ALLOW"}})
    assert status == 202, resp
    stack.drain()
    assert cards(stack, w["program"], w["member"])[w["a"]]["balance"]["points"] == 300


def test_unknown_or_other_programs_purchases_are_not_found(stack: Stack) -> None:
    w = material_world(stack)
    rtx_id = bought(stack, w)
    error_of(stack, 404, "not_found", "refund_reward_purchase", "POST", refund_path(w, "lrtx_0123456789abcdef01"), None)
    other = {**w, "program": "lprg_0123456789abcdef01"}
    error_of(stack, 404, "not_found", "refund_reward_purchase", "POST", refund_path(other, rtx_id), None)


def test_a_points_reward_refund_reverses_the_points_it_credited(stack: Stack) -> None:
    w = points_world(stack)
    ok(stack, "update_reward", "PUT", f"{BASE}/rewards/{w['reward']}", {"refunds": {"type": "REFUNDABLE"}})
    rtx_id = bought(stack, w)
    status, resp = stack.call("refund_reward_purchase", "POST", refund_path(w, rtx_id), None)
    assert status == 202, resp
    assert resp["transaction"]["details"]["result"]["digital"]["type"] == "LOYALTY_CARD_POINTS"
    stack.drain()
    by_cdef = cards(stack, w["program"], w["member"])
    source, target = by_cdef[w["a"]], by_cdef[w["b"]]
    a, b = ledger(stack, w, source), ledger(stack, w, target)
    assert (source["balance"]["points"], a["returned"]) == (300, 100)
    assert (target["balance"]["points"], b["purchased"], b["purchased_reversed"]) == (0, 40, 40)
    [rev] = [t for t in transactions(stack, w, target["id"]) if t["type"] == "POINTS_PURCHASE_REVERSED"]
    assert rev["status"] == "APPROVED" and rev["details"]["points"]["total"] == -40
    assert rev["details"]["reward_transaction"] == {"id": resp["transaction"]["id"]}
    assert rev["details"]["purchase"]["reward_transaction"] == {"id": rtx_id}
    # the reversed points left the target card's expiring bucket
    card_path = f"{BASE}/programs/{w['program']}/members/{w['member']}/cards/{target['id']}"
    assert sum(x["points"]["total"] for x in ok(stack, "list_card_expiring_points", "GET", f"{card_path}/expiring-points")["data"]) == 0


def test_an_empty_body_is_the_default_policies(stack: Stack) -> None:
    w = material_world(stack)
    rtx_id = bought(stack, w)
    status, resp = stack.call("refund_reward_purchase", "POST", refund_path(w, rtx_id), raw_body="")
    assert status == 202, resp
    stack.drain()
    assert stock_of(stack, w) == 2
