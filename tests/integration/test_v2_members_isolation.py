"""Tenant isolation of the member endpoints and async actions: project B's keys on project A's ids find nothing and change
nothing; A's cursors do not open B's lists (nor A's lists through B's keys); B's batch cannot enrol A's customers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_isolation import ERROR_FIELDS, _as_b, assert_refused_without_data
from tests.integration.test_v2_bad_input import build_world
from tests.integration.test_v2_journey import BASE


def with_members(stack: Stack) -> dict[str, Any]:
    """build_world plus a second member, a finished batch (so the lists and activities have a second page) and a customer."""
    w = build_world(stack)
    status, customer = stack.call("create_customer", "POST", "/v1/customers", {"source_id": "second-1"})
    status, second = stack.call("create_program_member", "POST", f"{BASE}/programs/{w['program']}/members", {"customer_id": customer["id"]})
    assert status == 200, second
    status, _ = stack.call("update_program_member", "PUT", f"{BASE}/programs/{w['program']}/members/{w['member']}", {"metadata": {"a": 1}})
    status, action = stack.call("batch_create_program_members", "POST", f"{BASE}/programs/{w['program']}/members/batch",
                                [{"customer_id": customer["id"]}])
    assert status == 202, action
    stack.drain()
    status, member = stack.call("get_program_member", "GET", f"{BASE}/programs/{w['program']}/members/{w['member']}")
    assert member["cards"][0]["card"]["code"], member
    return {**w, "second": second["id"], "customer": member["customer_id"], "action": action["async_action_id"],
            "code": member["cards"][0]["card"]["code"]}


@pytest.fixture(scope="module")
def worlds(module_stack: Stack) -> dict[str, Any]:
    """The same world in projects acme (A) and globex (B)."""
    return {"a": with_members(module_stack), "b": with_members(_as_b(module_stack))}


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


def a_requests(a: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
    m = f"{BASE}/programs/{a['program']}/members/{a['member']}"
    return [
        ("list_program_members", "GET", f"{BASE}/programs/{a['program']}/members", None),
        ("batch_create_program_members", "POST", f"{BASE}/programs/{a['program']}/members/batch", [{"customer_id": a["customer"]}]),
        ("update_program_member", "PUT", m, {"metadata": {"stolen": True}}),
        ("delete_program_member", "DELETE", m, None),
        ("deactivate_program_member", "POST", f"{m}/deactivate", None),
        ("activate_program_member", "POST", f"{m}/activate", None),
        ("get_customer_memberships", "GET", f"/v2/loyalties/memberships/{a['customer']}", None),
        ("get_customer_memberships", "GET", f"/v2/loyalties/memberships/{a['member']}?identification_type=member_id", None),
        ("get_program_membership", "GET", f"{BASE}/programs/{a['program']}/memberships/{a['customer']}", None),
        ("get_customer_memberships", "GET", f"/v2/loyalties/memberships/{a['code']}?identification_type=card_code", None),
        ("get_program_membership", "GET", f"{BASE}/programs/{a['program']}/memberships/{a['code']}?identification_type=card_code", None),
        ("list_program_member_activities", "GET", f"{m}/activities", None),
        ("list_card_activities", "GET", f"{m}/cards/{a['card']}/activities", None),
        ("get_async_action", "GET", f"/v1/async-actions/{a['action']}", None),
    ]


def test_a_ids_are_not_found_with_b_keys_and_nothing_of_a_changes(stack: Stack, worlds: dict[str, Any]) -> None:
    a = worlds["a"]
    before = [i for i in stack.items() if i["PK"]["S"].startswith("acme#")]
    for name, method, path, body in a_requests(a):
        path, _, query = path.partition("?")
        params = dict([query.split("=")]) if query else None
        resp = stack.call(name, method, path, body, headers=stack.other_headers, query=params)
        assert_refused_without_data(resp, a, path + json.dumps(body))
    assert [i for i in stack.items() if i["PK"]["S"].startswith("acme#")] == before


def test_a_card_code_of_a_names_no_member_of_b(stack: Stack, worlds: dict[str, Any]) -> None:
    """identification_type=card_code (ours): the code's claim is read in the caller's project only."""
    a, b = worlds["a"], worlds["b"]
    assert a["code"] != b["code"]
    query = {"identification_type": "card_code"}
    for path in ("/v2/loyalties/memberships/{}", f"{BASE}/programs/{b['program']}/memberships/{{}}"):
        name = "get_customer_memberships" if path.startswith("/v2/loyalties/memberships") else "get_program_membership"
        # B's own card code finds B's member
        status, body = stack.call(name, "GET", path.format(b["code"]), headers=stack.other_headers, query=query)
        assert status == 200 and b["member"] in json.dumps(body), body
        # A's card code, with B's keys (on B's own program too): 404 `member`, nothing of A's in the answer
        resp = stack.call(name, "GET", path.format(a["code"]), headers=stack.other_headers, query=query)
        assert_refused_without_data(resp, a, path.format(a["code"]))
        assert (resp[0], resp[1]["resource_type"], resp[1]["resource_id"]) == (404, "member", a["code"])


@pytest.mark.parametrize("list_name", ["members", "activities"])
def test_cursors_do_not_cross_projects(stack: Stack, worlds: dict[str, Any], list_name: str) -> None:
    a, b = worlds["a"], worlds["b"]
    name = "list_program_members" if list_name == "members" else "list_program_member_activities"

    def path(w: dict[str, Any]) -> str:
        return f"{BASE}/programs/{w['program']}/members" + ("" if list_name == "members" else f"/{w['member']}/activities")

    # Given a real cursor on A's list
    status, page = stack.call(name, "GET", path(a), query={"limit": "1"})
    assert status == 200 and page["cursor"], page
    cursor = page["cursor"]["next"]
    assert stack.call(name, "GET", path(a), query={"limit": "1", "cursor": cursor})[0] == 200
    # When B replays it on its own list, or on A's list with its keys: refused, without A's data
    for target in (path(b), path(a)):
        status, body = stack.call(name, "GET", target, headers=stack.other_headers, query={"limit": "1", "cursor": cursor})
        assert status in (400, 404) and body["key"] in ("invalid_or_expired_cursor", "not_found"), body
        assert set(body) <= ERROR_FIELDS and page["data"][0]["id"] not in json.dumps(body)


def test_a_batch_of_b_cannot_enrol_a_customer_of_a(stack: Stack, worlds: dict[str, Any]) -> None:
    a, b = worlds["a"], worlds["b"]
    status, body = stack.call("batch_create_program_members", "POST", f"{BASE}/programs/{b['program']}/members/batch",
                              [{"customer_id": a["customer"]}], headers=stack.other_headers)
    assert status == 202, body
    stack.drain()
    status, action = stack.call("get_async_action", "GET", f"/v1/async-actions/{body['async_action_id']}", headers=stack.other_headers)
    assert action["result"]["failed"][0]["key"] == "not_found"
    # and A cannot read B's async action
    status, error = stack.call("get_async_action", "GET", f"/v1/async-actions/{body['async_action_id']}")
    assert (status, error["resource_type"]) == (404, "async_action")
