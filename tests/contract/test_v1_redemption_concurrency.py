"""v1 reward redemption under concurrency on DynamoDB Local: redemptions racing on one card that affords exactly k of
them redeem exactly k (the card's counters and bucket mirrors condition the one TransactWriteItems), the rest are
refused for the balance, and the card's balance matches the ledger formula and its transactions; racing on a reward
with stock s, exactly s are redeemed."""

from __future__ import annotations

from typing import Any

from loyalty.members import store as members_store
from tests.contract.harness import Contract, assert_ledger, call, concurrently, handler_instance
from tests.contract.test_concurrency import scaled, statuses

MATERIAL = {"name": "Mug", "type": "MATERIAL", "parameters": {"product": {"id": "prod_0b15f6b9f650c16990"}}}


def _world(contract: Contract, points: int, expiring: int, cost: int, stock: int | None) -> dict[str, Any]:
    campaign = contract.ok("create_loyalty_program_v1", "POST", "/v1/loyalties", {
        "name": f"Redemptions {points} {stock}", "type": "AUTO_UPDATE",
        "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}, "code_config": {"pattern": "RD-########"}}})
    members = f"/v1/loyalties/{campaign['id']}/members"
    card = contract.ok("add_member_v1", "POST", members, {"customer": contract.customer("redeemer")})
    contract.ok("update_loyalty_card_balance_v1", "POST", f"{members}/{card['code']}/balance", {"points": points - expiring})
    if expiring:
        contract.ok("update_loyalty_card_balance_v1", "POST", f"{members}/{card['code']}/balance",
                    {"points": expiring, "expiration_date": "2099-12-31"})
    reward = contract.ok("create_reward_v1", "POST", "/v1/rewards", {**MATERIAL, "stock": stock})
    contract.ok("create_reward_assignment_v1", "POST", f"/v1/rewards/{reward['id']}/assignments",
                {"campaign": campaign["id"], "parameters": {"loyalty": {"points": cost}}})
    return {"campaign": campaign["id"], "code": card["code"], "reward": reward["id"]}


def _redemptions(contract: Contract, w: dict[str, Any], n: int) -> list[Any]:
    """`n` redemptions at once, alternating the two paths, each in its own execution environment."""
    body = {"reward": {"id": w["reward"]}}
    routes = [("redeem_reward_1", f"/v1/loyalties/{w['campaign']}/members/{w['code']}/redemption"),
              ("redeem_reward", f"/v1/loyalties/members/{w['code']}/redemption")]
    calls = [lambda h=handler_instance(routes[i % 2][0]), path=routes[i % 2][1]: call(h, "POST", path, contract.headers, body)
             for i in range(n)]
    return concurrently(calls)


def _card_and_ledger(contract: Contract, w: dict[str, Any]) -> dict[str, Any]:
    claim = members_store.get_card_by_code(contract.db, w["code"])
    assert claim is not None
    card = members_store.get_card(contract.db, claim["member_id"], claim["card_id"])
    assert card is not None
    transactions = contract.card_transactions({"program": w["campaign"], "member": claim["member_id"], "card": claim["card_id"]})
    assert_ledger(card, transactions)
    return {"card": card, "transactions": transactions}


def test_concurrent_redemptions_on_a_card_that_affords_k_redeem_exactly_k(contract: Contract) -> None:
    # Given a card holding 500 points (200 of them expiring) and an unlimited reward costing 100: it affords exactly 5
    n, cost = scaled(20), 100
    w = _world(contract, points=500, expiring=200, cost=cost, stock=None)

    # When n redemptions arrive at once, on both paths
    results = _redemptions(contract, w, n)

    # Then exactly 5 succeed, the rest are refused for the balance, and the ledger holds
    assert set(statuses(results)) <= {(200, None), (400, "loyalty_card_points_exceeded")}, results
    accepted = [body for status, body in results if status == 200]
    assert len(accepted) == min(n, 5) and len({b["id"] for b in accepted}) == len(accepted)
    state = _card_and_ledger(contract, w)
    assert state["card"]["spent"] == cost * len(accepted) and state["card"]["balance"] == 500 - cost * len(accepted)
    assert sum(1 for t in state["transactions"] if t["type"] == "POINTS_SPENT_ON_REWARD") == len(accepted)
    voucher = contract.ok("get_member_by_code_v1", "GET", f"/v1/loyalties/members/{w['code']}")
    assert voucher["loyalty_card"]["next_expiration_points"] == 0  # the expiring 200 went first
    assert voucher["redemption"]["redeemed_points"] == cost * len(accepted)
    reward = contract.ok("get_reward_v1", "GET", f"/v1/rewards/{w['reward']}")
    assert reward["redeemed"] == len(accepted)


def test_concurrent_redemptions_of_a_reward_with_stock_s_redeem_exactly_s(contract: Contract) -> None:
    # Given a card rich enough for all and a reward with 3 in stock
    n, cost, stock = scaled(20), 10, 3
    w = _world(contract, points=10 * n, expiring=0, cost=cost, stock=stock)

    results = _redemptions(contract, w, n)

    refused = {(423, "reward_out_of_stock"): n - stock} if n > stock else {}
    assert statuses(results) == {(200, None): min(n, stock), **refused}, results
    state = _card_and_ledger(contract, w)
    assert state["card"]["spent"] == cost * min(n, stock)
    assert contract.ok("get_reward_v1", "GET", f"/v1/rewards/{w['reward']}")["redeemed"] == min(n, stock)
