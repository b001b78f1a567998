"""Reward purchase rules under concurrency on DynamoDB Local: a reward's per-member purchase limit is one conditioned
item of the accepting transaction, so 50 simultaneous purchases against a limit of 3 accept exactly 3; and purchases
racing the refund that refills a nearly empty card leave a card whose balance matches the ledger formula."""

from __future__ import annotations

from typing import Any

from tests.contract.harness import BASE, Contract, assert_ledger, call, concurrently, handler_instance, paths
from tests.contract.test_concurrency import statuses

THREE_A_DAY = {"frequency": {"type": "LIMITED", "limits": [{"type": "TIME_BASED", "period": {"type": "CURRENT_PERIOD",
                                                                                               "current_period": {"unit": "DAY"}},
                                                             "triggers": {"max": 3}}]}}


def purchase(world: dict[str, str], contract: Contract) -> Any:
    handler = handler_instance("purchase_member_reward")
    return lambda: call(handler, "POST", paths(world)["purchase"], contract.headers, {"reward_id": world["reward"]})


def test_fifty_concurrent_purchases_against_a_limit_of_three_per_member_accept_exactly_three(contract: Contract) -> None:
    # Given a reward a member may buy 3 times a day, and a member with points for all 50
    attempts, price = 50, 10
    world = contract.build_program(cost=price)
    limited = contract.ok("create_reward", "POST", f"{BASE}/rewards", {
        "name": "Coffee, 3 a day", "type": "MATERIAL", "status": "ACTIVE", "purchase_limits": THREE_A_DAY,
        "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}},
        "costs": [{"spending": [{"points": price, "card_definition_id": world["cdef"]}]}]})
    program = contract.ok("create_program", "POST", f"{BASE}/programs", {
        "name": "Limited", "status": "ACTIVE", "card_definitions": [{"id": world["cdef"]}], "earning_rules": [{"id": world["rule"]}],
        "rewards": [{"id": limited["id"]}]})
    world = {**world, "reward": limited["id"], "program": program["id"]}
    world = contract.build_member(world, points=attempts * price)

    # When 50 purchases of it arrive at the same moment
    results = concurrently([purchase(world, contract) for _ in range(attempts)])

    # Then exactly 3 are accepted and 47 refused with the limit's 423; the card locked 3 costs only
    assert statuses(results) == {(202, None): 3, (423, "reward_purchase_limit_reached"): attempts - 3}
    contract.drain(workers=2)
    card = contract.card(world)
    assert (card["balance"], card["spent"], card["locked"]) == (attempts * price - 3 * price, 3 * price, 3 * price)
    assert_ledger(card, contract.card_transactions(world))
    [counter] = [i for i in contract.items(f"RWLIM#{world['member']}") if i["SK"].startswith(f"N#{world['reward']}#")]
    assert counter["count"] == 3


def test_purchases_racing_the_refund_that_refills_a_nearly_empty_card_keep_the_ledger(contract: Contract) -> None:
    # Given a card left with 50 points after an APPROVED purchase of 100
    price, attempts = 100, 5
    world = contract.build_member(contract.build_program(cost=price), points=150)
    status, body = purchase(world, contract)()
    assert status == 202, body
    contract.drain()
    assert contract.card(world)["balance"] == 50
    rtx = body["transaction"]["details"]["reward_transaction"]["id"]
    refund = f"{BASE}/programs/{world['program']}/rewards/purchases/{rtx}/refund"
    assert call(handler_instance("refund_reward_purchase"), "POST", refund, contract.headers, {"policies": {"refund": "ALLOW"}})[0] == 202

    # When the refund's job returns the 100 points while 5 purchases of 100 arrive
    def worker() -> tuple[int, Any]:
        contract.drain()
        return 0, None
    results = concurrently([worker, *(purchase(world, contract) for _ in range(attempts))])

    # Then at most one purchase got through (only the returned points could pay it), the others were short of points,
    # and once everything is settled the balance is what the ledger formula and the transactions say
    got = statuses(results[1:])
    assert got[(202, None)] <= 1 and got[(202, None)] + got[(423, "insufficient_card_balance")] == attempts, got
    contract.drain()
    card = contract.card(world)
    assert card["balance"] == 150 - price * (1 + got[(202, None)]) + price
    assert_ledger(card, contract.card_transactions(world))
    assert contract.pending_jobs() == []
