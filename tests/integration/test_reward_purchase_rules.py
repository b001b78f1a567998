"""Reward purchase rules on moto (spec-map §2.4, §3.5): a reward's `purchase_limits` (FIXED_COOLDOWN, LIMITED frequency per
current period) per member, and the paying card definition's `spending_limits` (per purchase, SPENDING_BASED, TIME_BASED),
each refused with its 423 and nothing written; the cost's 423s (no card for any cost, insufficient balance). The limits'
items are written in the accepting transaction; a purchase the worker rejects does not give its slot back."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Stack
from tests.integration.test_reward_fulfilment import cards, cdef, ok, program
from tests.integration.test_v2_journey import BASE, credit, make_customer, make_member

MUG = {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}}


DAY = {"type": "CURRENT_PERIOD", "current_period": {"unit": "DAY"}}


def per_day(most: int) -> dict[str, Any]:
    return {"frequency": {"type": "LIMITED", "limits": [{"type": "TIME_BASED", "period": DAY, "triggers": {"max": most}}]}}


COOLDOWN_1H = {"cooldown": {"type": "FIXED_COOLDOWN", "fixed_cooldown": {"period": {"value": 1, "unit": "HOUR"}}}}


def spending_limits(global_: dict[str, Any] | None = None, per_spend: int | None = None) -> dict[str, Any]:
    return {"global": {"type": "LIMITED", "limits": [global_]} if global_ else {"type": "NO_LIMIT"},
            "transactions": {"type": "LIMITED", "limits": [{"type": "POINTS", "max": per_spend}]} if per_spend else {"type": "NO_LIMIT"}}


def world(stack: Stack, *, limits: dict[str, Any] | None = None, spending: dict[str, Any] | None = None, points: int = 1000,
          cost: int = 100, other_wallet: bool = False) -> dict[str, Any]:
    """A member holding `points` on wallet A (whose card definition has `spending` limits) and a MATERIAL reward costing
    `cost` points of A (of wallet B, which the member holds no card of, with `other_wallet`), with `limits`."""
    a = str(ok(stack, "create_card_definition", "POST", f"{BASE}/card-definitions",
               {"name": "Wallet A", "type": "INDIVIDUAL", "status": "ACTIVE", **({"spending_limits": spending} if spending else {})})["id"])
    priced_on = cdef(stack, "Wallet B") if other_wallet else a
    body: dict[str, Any] = {"name": "Mug", "type": "MATERIAL", "material": MUG, "status": "ACTIVE",
                            "costs": [{"spending": [{"points": cost, "card_definition_id": priced_on}]}]}
    if limits:
        body["purchase_limits"] = limits
    reward = str(ok(stack, "create_reward", "POST", f"{BASE}/rewards", body)["id"])
    prog = program(stack, [a], [reward])
    member = make_member(stack, prog, make_customer(stack))
    credit(stack, prog, member["id"], cards(stack, prog, member["id"])[a]["id"], points)
    stack.drain()
    return {"program": prog, "member": member["id"], "reward": reward, "a": a}


def buy(stack: Stack, w: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    path = f"{BASE}/programs/{w['program']}/members/{w['member']}/rewards/purchases"
    status, got = stack.call("purchase_member_reward", "POST", path, {"reward_id": w["reward"]})
    return status, dict(got)


def refused(stack: Stack, w: dict[str, Any], key: str) -> dict[str, Any]:
    """The purchase is refused with 423 `key` and writes nothing (a full scan before and after)."""
    before = stack.items()
    status, got = buy(stack, w)
    assert (status, got.get("key")) == (423, key), got
    assert stack.items() == before
    return got


def bought(stack: Stack, w: dict[str, Any], times: int = 1) -> None:
    for _ in range(times):
        status, got = buy(stack, w)
        assert status == 202, got


def test_a_frequency_limit_allows_that_many_purchases_per_member_per_period(stack: Stack) -> None:
    w = world(stack, limits=per_day(2))
    bought(stack, w, 2)
    got = refused(stack, w, "reward_purchase_limit_reached")
    assert got["details"] == "The member has used up the purchases of this reward allowed in the current period"
    # another member of the same program has its own count
    other = {**w, "member": make_member(stack, w["program"], make_customer(stack, "bob-1"))["id"]}
    credit(stack, w["program"], other["member"], cards(stack, w["program"], other["member"])[w["a"]]["id"], 500)
    stack.drain()
    bought(stack, other, 2)


def test_a_cooldown_refuses_a_second_purchase_within_its_period(stack: Stack) -> None:
    w = world(stack, limits=COOLDOWN_1H)
    bought(stack, w)
    got = refused(stack, w, "reward_purchase_limit_reached")
    assert got["details"] == "The reward's purchase cooldown has not passed since the member's last purchase"


def test_a_purchase_the_worker_rejects_does_not_give_its_slot_back(stack: Stack) -> None:
    w = world(stack, limits=per_day(1))
    bought(stack, w)
    ok(stack, "deactivate_reward", "POST", f"{BASE}/rewards/{w['reward']}/deactivate")
    stack.drain()  # the worker rejects the purchase: its reward is no longer ACTIVE
    ok(stack, "activate_reward", "POST", f"{BASE}/rewards/{w['reward']}/activate")
    [rtx] = ok(stack, "list_member_reward_purchases", "GET", f"{BASE}/programs/{w['program']}/members/{w['member']}/rewards/purchases")["data"]
    assert rtx["status"] == "REJECTED"
    refused(stack, w, "reward_purchase_limit_reached")


def test_a_dry_run_counts_nothing(stack: Stack) -> None:
    w = world(stack, limits=per_day(1))
    path = f"{BASE}/programs/{w['program']}/members/{w['member']}/rewards/purchases"
    for _ in range(2):
        assert stack.call("purchase_member_reward", "POST", path, {"reward_id": w["reward"], "mode": "DRY_RUN"})[0] == 200
    bought(stack, w)


def test_a_purchase_over_the_per_transaction_spending_limit_is_refused(stack: Stack) -> None:
    w = world(stack, spending=spending_limits(per_spend=50))
    refused(stack, w, "spending_limit_reached")


def test_a_spending_based_limit_caps_the_points_ever_taken_from_the_card(stack: Stack) -> None:
    w = world(stack, spending=spending_limits({"type": "SPENDING_BASED", "max": 250}))
    bought(stack, w, 2)
    refused(stack, w, "spending_limit_reached")


def test_a_time_based_spending_limit_caps_the_points_taken_in_the_current_period(stack: Stack) -> None:
    limit = {"type": "TIME_BASED", "period": {"type": "CURRENT_PERIOD", "current_period": {"unit": "DAY"}}, "points": {"max": 150}}
    w = world(stack, spending=spending_limits(limit))
    bought(stack, w)
    refused(stack, w, "spending_limit_reached")


def test_a_reward_priced_on_no_card_the_member_holds_is_refused(stack: Stack) -> None:
    refused(stack, world(stack, other_wallet=True), "no_card_for_cost")


def test_a_card_short_of_the_cost_is_refused_with_the_spec_key(stack: Stack) -> None:
    got = refused(stack, world(stack, points=99), "insufficient_card_balance")
    assert (got["message"], got["details"]) == ("Insufficient card balance", "Operation exceeds the available card balance")
