"""Concurrent refunds of one reward purchase on DynamoDB Local: the conditional write that marks the purchase REFUNDED lets
exactly one through; the points come back once, the stock once."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tests.contract.harness import BASE, Contract, assert_ledger, call, concurrently, handler_instance, paths
from tests.contract.test_concurrency import scaled, statuses


def test_concurrent_refunds_of_one_purchase_refund_it_once(contract: Contract) -> None:
    # Given an APPROVED purchase of a reward with a limited stock (2 left after it)
    attempts, price = scaled(20), 100
    world = contract.build_member(contract.build_program(cost=price, stock=3), points=500)
    status, body = call(handler_instance("purchase_member_reward"), "POST", paths(world)["purchase"], contract.headers,
                        {"reward_id": world["reward"]})
    assert status == 202, body
    contract.drain(workers=1)
    rtx = body["transaction"]["details"]["reward_transaction"]["id"]
    path = f"{BASE}/programs/{world['program']}/rewards/purchases/{rtx}/refund"
    handlers = [handler_instance("refund_reward_purchase") for _ in range(attempts)]

    # When `attempts` refunds of it arrive at the same moment
    results: list[tuple[int, Any]] = concurrently(
        [lambda h=h: call(h, "POST", path, contract.headers, {"policies": {"refund": "ALLOW"}}) for h in handlers])

    # Then exactly one is accepted; the others are refused with 409
    assert statuses(results) == {(202, None): 1, (409, "invalid_state_transition"): attempts - 1}
    rtxs = contract.items(f"MBR#{world['member']}#RTX")
    assert Counter((r["data"]["type"], r["status"]) for r in rtxs) == {("PURCHASE", "REFUNDED"): 1, ("REFUND", "APPROVED"): 1}

    # When two workers run its job: the points are back once, the stock once, and nothing is left pending
    contract.drain(workers=2)
    card = contract.card(world)
    assert (card["balance"], card["spent"], card["returned"]) == (500, price, price)
    txs = contract.card_transactions(world)
    assert Counter((t["type"], t["status"]) for t in txs)[("POINTS_RETURNED", "APPROVED")] == 1
    assert_ledger(card, txs)
    assignment = contract.item(f"PRG#{world['program']}", f"A#REWARD#{world['reward']}")
    assert assignment is not None and assignment["stock_quantity"] == 3
    assert contract.pending_jobs() == []
