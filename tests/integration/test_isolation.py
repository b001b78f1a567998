"""Tenant isolation: with project B's keys nothing of project A can be read, listed, changed or paged into."""

from __future__ import annotations

import json
from typing import Any

import pytest

from loyalty.db.keys import PROJECTS_PARTITION
from tests.integration.conftest import Stack
from tests.integration.test_v2_bad_input import build_world, paths
from tests.integration.test_v2_journey import BASE, credit

ERROR_FIELDS = {"code", "key", "message", "details", "request_id", "resource_id", "resource_type"}


@pytest.fixture(scope="module")
def worlds(module_stack: Stack) -> dict[str, Any]:
    """Given the same world in projects acme (A) and globex (B), and a v1 card in A; A's card has 4 transactions."""
    a = build_world(module_stack)
    credit(module_stack, a["program"], a["member"], a["card"], 10)
    credit(module_stack, a["program"], a["member"], a["card"], 20)
    credit(module_stack, a["program"], a["member"], a["card"], 30)
    module_stack.drain()
    status, camp = module_stack.call("create_loyalty_program_v1", "POST", "/v1/loyalties", {
        "name": "A loyalty", "type": "AUTO_UPDATE", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}})
    assert status == 200, camp
    status, card = module_stack.call("add_member_v1", "POST", f"/v1/loyalties/{camp['id']}/members", {"customer": "alice-1"})
    assert status == 200, card
    status, only_a = module_stack.call("create_customer", "POST", "/v1/customers", {"source_id": "only-in-a", "name": "A"})
    assert status == 200, only_a
    a.update(campaign=camp["id"], code=card["code"], customer=card["holder_id"], only_a=only_a["id"])
    b = build_world(_as_b(module_stack))
    return {"a": a, "b": b}


def _as_b(stack: Stack) -> Stack:
    """The same stack, calling with project B's keys."""
    return Stack(stack.ddb, stack.sqs, stack.queue_url, stack.dlq_url, stack.other_headers, stack.headers)


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


def assert_refused_without_data(resp: tuple[int, Any], secrets: dict[str, Any], request_text: str) -> None:
    """404 or 401 with only the error fields, and no value of A's that the caller did not send."""
    status, body = resp
    assert status in (401, 404), body
    assert set(body) <= ERROR_FIELDS
    text = json.dumps(body)
    for name, value in secrets.items():
        if isinstance(value, str) and value not in request_text:
            assert value not in text, f"error leaks {name}"


def a_requests(a: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
    p = paths(a)
    return [
        ("get_program", "GET", f"{BASE}/programs/{a['program']}", None),
        ("get_card_definition", "GET", f"{BASE}/card-definitions/{a['cdef']}", None),
        ("get_earning_rule", "GET", f"{BASE}/earning-rules/{a['rule']}", None),
        ("get_reward", "GET", f"{BASE}/rewards/{a['reward']}", None),
        ("get_program_member", "GET", p["member"], None),
        ("list_card_transactions", "GET", p["txs"], None),
        ("list_member_reward_purchases", "GET", p["purchase"], None),
        ("list_member_benefit_transactions", "GET", p["benefits"], None),
        ("create_program_member", "POST", p["members"], {"customer_id": a["customer"]}),
        ("adjust_card_points", "POST", p["points"], {"points": 1000}),
        ("purchase_member_reward", "POST", p["purchase"], {"reward_id": a["reward"]}),
        ("create_program", "POST", f"{BASE}/programs", {"name": "steal", "card_definitions": [{"id": a["cdef"]}]}),
        ("create_reward", "POST", f"{BASE}/rewards", {"name": "r", "type": "MATERIAL",
         "material": {"type": "PRODUCT", "product": {"id": "prod_0a"}},
         "costs": [{"spending": [{"points": 5, "card_definition_id": a["cdef"]}]}]}),
        ("get_customer", "GET", f"/v1/customers/{a['customer']}", None),
        ("get_customer", "GET", "/v1/customers/only-in-a", None),
        ("get_customer", "GET", f"/v1/customers/{a['only_a']}", None),
        ("get_loyalty_program_v1", "GET", f"/v1/loyalties/{a['campaign']}", None),
        ("get_member_v1", "GET", f"/v1/loyalties/{a['campaign']}/members/{a['code']}", None),
        ("get_member_by_code_v1", "GET", f"/v1/loyalties/members/{a['code']}", None),
        ("add_member_v1", "POST", f"/v1/loyalties/{a['campaign']}/members", {"customer": "someone"}),
        ("update_loyalty_card_balance_v1", "POST", f"/v1/loyalties/{a['campaign']}/members/{a['code']}/balance", {"points": 5}),
        ("update_loyalty_card_balance_by_code_v1", "POST", f"/v1/loyalties/members/{a['code']}/balance", {"points": 5}),
    ]


def test_known_ids_of_a_are_not_found_with_b_keys_and_nothing_changes(stack: Stack, worlds: dict[str, Any]) -> None:
    a = worlds["a"]
    before = [i for i in stack.items() if i["PK"]["S"].startswith("acme#")]
    for name, method, path, body in a_requests(a):
        request_text = path + json.dumps(body)
        assert_refused_without_data(stack.call(name, method, path, body, headers=stack.other_headers), a, request_text)
    assert [i for i in stack.items() if i["PK"]["S"].startswith("acme#")] == before


def test_guessed_ids_next_to_real_ones_are_not_found(stack: Stack, worlds: dict[str, Any]) -> None:
    a = worlds["a"]
    for real in (a["program"], a["member"]):
        for delta in (-1, 1):
            guess = real[:-1] + format((int(real[-1], 16) + delta) % 16, "x")
            for name, path in (("get_program", f"{BASE}/programs/{guess}"),
                               ("get_program_member", f"{BASE}/programs/{a['program']}/members/{guess}")):
                status, body = stack.call(name, "GET", path)
                assert status == 404 and body["key"] == "not_found"


def test_cursors_cannot_be_replayed_into_another_project_or_partition(stack: Stack, worlds: dict[str, Any]) -> None:
    a, b = worlds["a"], worlds["b"]
    # Given a real cursor on A's card transactions
    status, page = stack.call("list_card_transactions", "GET", paths(a)["txs"], query={"limit": "1"})
    assert status == 200 and page["cursor"] and len(page["data"]) == 1
    cursor = page["cursor"]["next"]
    status, page2 = stack.call("list_card_transactions", "GET", paths(a)["txs"], query={"limit": "1", "cursor": cursor})
    assert status == 200 and page2["data"][0]["id"] != page["data"][0]["id"]
    # When B replays it on B's own card, or on A's path with B's keys, or A on another of its lists: refused, no data
    for headers, path in ((stack.other_headers, paths(b)["txs"]), (stack.other_headers, paths(a)["txs"]),
                          (stack.headers, paths(a)["purchase"])):
        status, body = stack.call("list_card_transactions" if path.endswith("transactions") else "list_member_reward_purchases",
                                  "GET", path, headers=headers, query={"limit": "1", "cursor": cursor})
        assert status in (400, 404), body
        assert body["key"] in ("invalid_or_expired_cursor", "not_found")
        assert set(body) <= ERROR_FIELDS and page["data"][0]["id"] not in json.dumps(body)
    # And a forged cursor (the MAC of one byte changed) is refused too
    forged = cursor[:-1] + ("0" if cursor[-1] != "0" else "1")
    status, body = stack.call("list_card_transactions", "GET", paths(a)["txs"], query={"cursor": forged})
    assert (status, body["key"]) == (400, "invalid_or_expired_cursor")


def test_keys_of_one_project_do_not_open_another(stack: Stack, worlds: dict[str, Any]) -> None:
    a = worlds["a"]
    mixed = [
        {"X-App-Id": stack.other_headers["X-App-Id"], "X-App-Token": stack.headers["X-App-Token"]},
        {"X-App-Id": stack.headers["X-App-Id"], "X-App-Token": stack.other_headers["X-App-Token"]},
        {"X-App-Id": stack.headers["X-App-Id"].replace("acme", "globex"),
         "X-App-Token": stack.headers["X-App-Token"].replace("acme", "globex")},
    ]
    for headers in mixed:
        status, body = stack.call("get_program", "GET", f"{BASE}/programs/{a['program']}", headers=headers)
        assert (status, body["key"]) == (401, "unauthorized")


def test_every_stored_key_starts_with_its_project_id(stack: Stack, worlds: dict[str, Any]) -> None:
    registry = [item for item in stack.items() if item["PK"]["S"] == PROJECTS_PARTITION]
    # the one partition no project owns: the project list (and the sweeper's resume point, `~sweep`)
    assert sorted(i["SK"]["S"] for i in registry if not i["SK"]["S"].startswith("~")) == ["acme", "globex"]
    for item in stack.items():
        for attr in ("PK", "GSI1PK", "JOBPK"):
            if attr in item and item not in registry:
                assert item[attr]["S"].split("#", 1)[0] in ("acme", "globex"), item[attr]


def test_what_b_creates_is_b_s_alone(stack: Stack, worlds: dict[str, Any]) -> None:
    # When B creates a card definition, it is stored under B's project and only B can read it
    status, mine = stack.call("create_card_definition", "POST", f"{BASE}/card-definitions", {"name": "B wallet", "type": "INDIVIDUAL"},
                              headers=stack.other_headers)
    assert status == 200, mine
    status, body = stack.call("get_card_definition", "GET", f"{BASE}/card-definitions/{mine['id']}")
    assert (status, body["key"]) == (404, "not_found")
    assert all(i["PK"]["S"].startswith("globex#") for i in stack.items() if mine["id"] in i["PK"]["S"])
