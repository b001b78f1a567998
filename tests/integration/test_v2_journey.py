"""The v2 loyalty journey, handler by handler on moto: components -> program -> member -> points -> purchase."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Stack

BASE = "/v2/loyalties"


def make_components(stack: Stack, *, cost: int = 100, reward_status: str = "ACTIVE") -> dict[str, str]:
    """Given an ACTIVE card definition, earning rule and reward priced `cost` points."""
    status, cdef = stack.call("create_card_definition", "POST", f"{BASE}/card-definitions",
                              {"name": "Main wallet", "type": "INDIVIDUAL", "status": "ACTIVE",
                               "code_config": {"prefix": "MW-", "length": 8}})
    assert status == 200, cdef
    status, rule = stack.call("create_earning_rule", "POST", f"{BASE}/earning-rules", {
        "name": "Order paid", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": cdef["id"]}}]}]})
    assert status == 200, rule
    status, reward = stack.call("create_reward", "POST", f"{BASE}/rewards", {
        "name": "Coffee", "type": "MATERIAL", "status": reward_status,
        "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}},
        "costs": [{"spending": [{"points": cost, "card_definition_id": cdef["id"]}]}]})
    assert status == 200, reward
    return {"cdef": cdef["id"], "rule": rule["id"], "reward": reward["id"]}


def make_program(stack: Stack, ids: dict[str, str], stock: Any = None) -> dict[str, Any]:
    reward: dict[str, Any] = {"id": ids["reward"]}
    if stock is not None:
        reward["stock"] = stock
    status, program = stack.call("create_program", "POST", f"{BASE}/programs", {
        "name": "VIP", "status": "ACTIVE", "card_definitions": [{"id": ids["cdef"]}],
        "earning_rules": [{"id": ids["rule"]}], "rewards": [reward]})
    assert status == 200, program
    return program


def make_customer(stack: Stack, source_id: str = "alice-1") -> str:
    status, customer = stack.call("create_customer", "POST", "/v1/customers", {"source_id": source_id, "name": "Alice"})
    assert status == 200, customer
    return str(customer["id"])


def make_member(stack: Stack, program_id: str, customer_id: str) -> dict[str, Any]:
    status, member = stack.call("create_program_member", "POST", f"{BASE}/programs/{program_id}/members",
                                {"customer_id": customer_id})
    assert status == 200, member
    return member


def card_of(stack: Stack, program_id: str, member_id: str) -> dict[str, Any]:
    status, member = stack.call("get_program_member", "GET", f"{BASE}/programs/{program_id}/members/{member_id}")
    assert status == 200, member
    return member["cards"][0]["card"]


def credit(stack: Stack, program_id: str, member_id: str, card_id: str, points: int) -> dict[str, Any]:
    status, body = stack.call("adjust_card_points", "POST",
                              f"{BASE}/programs/{program_id}/members/{member_id}/cards/{card_id}/points",
                              {"points": points, "reason": "test"})
    assert status == 200, body
    return body


def test_full_v2_journey(stack: Stack) -> None:
    # Given components, an ACTIVE program with stock 10 and an enrolled customer
    ids = make_components(stack, cost=100)
    program = make_program(stack, ids, stock=10)
    assert program["status"] == "ACTIVE"
    assert program["rewards"] == [{"id": ids["reward"], "costs": program["rewards"][0]["costs"], "stock": 10}]
    member = make_member(stack, program["id"], make_customer(stack))
    card = member["cards"][0]["card"]
    assert card["code"] is None and card["balance"] == {"points": 0, "pending_points": 0}

    # When the worker runs, the card gets its code from the card definition's code_config
    stack.drain()
    card = card_of(stack, program["id"], member["id"])
    assert card["code"].startswith("MW-") and len(card["code"]) == 11

    # When 500 points are credited, the transaction is PENDING until the worker applies it
    body = credit(stack, program["id"], member["id"], card["id"], 500)
    assert body["status"] == "TRANSACTION_CREATED"
    assert body["transaction"]["type"] == "ADMIN_CREDIT" and body["transaction"]["status"] == "PENDING"
    assert card_of(stack, program["id"], member["id"])["balance"]["points"] == 0
    stack.drain()
    card = card_of(stack, program["id"], member["id"])
    assert card["balance"]["points"] == 500
    assert card["lifetime_bucket"]["points"]["added"] == 500

    # When the member buys the reward: 202, points locked at once, stock taken
    status, purchase = stack.call("purchase_member_reward", "POST",
                                  f"{BASE}/programs/{program['id']}/members/{member['id']}/rewards/purchases",
                                  {"reward_id": ids["reward"]})
    assert status == 202, purchase
    assert purchase["status"] == "TRANSACTION_CREATED"
    tx = purchase["transaction"]
    assert tx["type"] == "POINTS_SPENT_ON_REWARD" and tx["status"] == "PENDING"
    assert tx["details"]["reward_id"] == ids["reward"]
    assert tx["details"]["reward"] == {"id": ids["reward"]}
    assert tx["details"]["reward_transaction"]["id"].startswith("lrtx_")
    card = card_of(stack, program["id"], member["id"])
    assert card["balance"]["points"] == 400 and card["lifetime_bucket"]["points"]["locked"] == 100

    # Then the worker approves it: points spent, redeemed +1, result written
    stack.drain()
    card = card_of(stack, program["id"], member["id"])
    points = card["lifetime_bucket"]["points"]
    assert card["balance"]["points"] == 400
    assert (points["spent"], points["locked"], points["unlocked"]) == (100, 100, 100)
    status, page = stack.call("list_member_reward_purchases", "GET",
                              f"{BASE}/programs/{program['id']}/members/{member['id']}/rewards/purchases")
    assert status == 200
    assert [p["status"] for p in page["data"]] == ["APPROVED"]
    assert page["data"][0]["details"]["result"]["reward"] == {"id": ids["reward"], "type": "MATERIAL"}
    status, prog = stack.call("get_program", "GET", f"{BASE}/programs/{program['id']}")
    assert status == 200 and prog["rewards"][0]["stock"] == 9

    # And the card's transactions explain its counters
    status, txs = stack.call("list_card_transactions", "GET",
                             f"{BASE}/programs/{program['id']}/members/{member['id']}/cards/{card['id']}/transactions")
    assert status == 200
    assert [(t["type"], t["status"]) for t in txs["data"]] == [("POINTS_SPENT_ON_REWARD", "APPROVED"), ("ADMIN_CREDIT", "APPROVED")]
    assert sum(t["details"]["points"]["total"] for t in txs["data"]) == card["balance"]["points"]
