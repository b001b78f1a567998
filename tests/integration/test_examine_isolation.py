"""Tenant isolation of Examine earning rules: project B's keys examining project A's customer (by id or source id) or A's
member find nothing (404), leak none of A's data, and change nothing; B's own examination sees only B's programs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_isolation import _as_b, assert_refused_without_data
from tests.integration.test_v2_bad_input import build_world
from tests.integration.test_v2_journey import BASE

PATH = f"{BASE}/examine/earning-rules"
NAME = "examine_earning_rules"


def with_customer(stack: Stack, source_id: str) -> dict[str, Any]:
    """build_world (an ACTIVE program whose order rule gives 10 points, and a member) with the member's customer, and a
    customer of this project alone, a member of the program too."""
    w = build_world(stack)
    status, member = stack.call("get_program_member", "GET", f"{BASE}/programs/{w['program']}/members/{w['member']}")
    assert status == 200, member
    status, own = stack.call("create_customer", "POST", "/v1/customers", {"source_id": source_id, "metadata": {"secret": f"secret of {source_id}"}})
    assert status == 200, own
    status, own_member = stack.call("create_program_member", "POST", f"{BASE}/programs/{w['program']}/members", {"customer_id": own["id"]})
    assert status == 200, own_member
    return {**w, "customer": member["customer_id"], "own": own["id"], "own_source": source_id, "own_member": own_member["id"]}


@pytest.fixture(scope="module")
def worlds(module_stack: Stack) -> dict[str, Any]:
    return {"a": with_customer(module_stack, "only-in-a"), "b": with_customer(_as_b(module_stack), "only-in-b")}


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


def body(who: dict[str, Any]) -> dict[str, Any]:
    return {"trigger": {"type": "SPECIFIC", "specific": {"event": "customer.order.paid"}}, "customer_identification": who,
            "customer_order_paid": {"order": {"amount": 100}}}


def test_a_customers_and_members_are_not_found_with_b_keys_and_nothing_of_a_changes(stack: Stack, worlds: dict[str, Any]) -> None:
    a = worlds["a"]
    before = [i for i in stack.items() if i["PK"]["S"].startswith("acme#")]
    for who in ({"type": "customer_id", "customer_id": a["own"]},
                {"type": "customer_source_id", "customer_source_id": a["own_source"]},
                {"type": "member_id", "member_id": a["member"]},
                {"type": "member_id", "member_id": a["own_member"]}):
        request = body(who)
        resp = stack.call(NAME, "POST", PATH, request, headers=stack.other_headers)
        assert_refused_without_data(resp, a, json.dumps(request))
        assert "secret of" not in json.dumps(resp[1])
    assert [i for i in stack.items() if i["PK"]["S"].startswith("acme#")] == before


def test_each_project_examines_only_its_own_programs(stack: Stack, worlds: dict[str, Any]) -> None:
    for name, headers in (("a", stack.headers), ("b", stack.other_headers)):
        w, other = worlds[name], worlds["b" if name == "a" else "a"]
        status, got = stack.call(NAME, "POST", PATH, body({"type": "customer_id", "customer_id": w["own"]}), headers=headers)
        assert status == 200, got
        assert [m["program"]["id"] for m in got["memberships"]] == [w["program"]]
        assert got["memberships"][0]["cards"][0]["points_estimation"] == 10
        text = json.dumps(got)
        assert all(v not in text for v in (other["program"], other["member"], other["own"], other["own_source"]))


def test_examine_rewards_with_b_keys_finds_none_of_a_and_sees_only_its_own_programs(stack: Stack, worlds: dict[str, Any]) -> None:
    a, b = worlds["a"], worlds["b"]
    path, name = f"{BASE}/examine/rewards", "examine_rewards"
    before = [i for i in stack.items() if i["PK"]["S"].startswith("acme#")]
    for who in ({"type": "customer_id", "customer_id": a["own"]},
                {"type": "customer_source_id", "customer_source_id": a["own_source"]},
                {"type": "member_id", "member_id": a["member"]}):
        request = {"customer_identification": who}
        resp = stack.call(name, "POST", path, request, headers=stack.other_headers)
        assert_refused_without_data(resp, a, json.dumps(request))
        assert "secret of" not in json.dumps(resp[1])
    assert [i for i in stack.items() if i["PK"]["S"].startswith("acme#")] == before
    status, got = stack.call(name, "POST", path, {"customer_identification": {"type": "customer_id", "customer_id": b["own"]}},
                             headers=stack.other_headers)
    assert status == 200, got
    assert [m["program"]["id"] for m in got["memberships"]] == [b["program"]]
    assert all(v not in json.dumps(got) for v in (a["program"], a["member"], a["own"], a["own_source"]))
