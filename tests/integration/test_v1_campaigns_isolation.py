"""Tenant isolation of the v1 campaign list, update and delete: with project B's keys, A's campaign can be neither listed,
updated nor deleted (by id or by name), and a deletion in B leaves A's campaign of the same name and its cards alone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_isolation import ERROR_FIELDS


@pytest.fixture(scope="module")
def worlds(module_stack: Stack) -> dict[str, Any]:
    """Projects A (acme) and B (globex) each have a campaign named "Shared name" with one card."""
    out = {}
    for project, headers in (("a", module_stack.headers), ("b", module_stack.other_headers)):
        status, campaign = module_stack.call("create_loyalty_program_v1", "POST", "/v1/loyalties", {
            "name": "Shared name", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}}, headers=headers)
        assert status == 200, campaign
        status, card = module_stack.call("add_member_v1", "POST", f"/v1/loyalties/{campaign['id']}/members",
                                         {"customer": {"source_id": f"iso-{project}"}}, headers=headers)
        assert status == 200, card
        status, _ = module_stack.call("update_loyalty_card_balance_v1", "POST",
                                      f"/v1/loyalties/{campaign['id']}/members/{card['code']}/balance", {"points": 10}, headers=headers)
        assert status == 200
        out[project] = {"campaign": campaign["id"], "code": card["code"], "voucher": card["id"]}
    return out


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


def test_b_lists_only_its_own_campaigns(stack: Stack, worlds: dict[str, Any]) -> None:
    for headers, own in ((stack.headers, worlds["a"]), (stack.other_headers, worlds["b"])):
        status, page = stack.call("list_loyalty_programs_v1", "GET", "/v1/loyalties", headers=headers)
        assert status == 200 and [c["id"] for c in page["campaigns"]] == [own["campaign"]] and page["total"] == 1


def test_b_lists_only_its_own_campaign_s_members(stack: Stack, worlds: dict[str, Any]) -> None:
    status, resp = stack.call("list_members_v1", "GET", f"/v1/loyalties/{worlds['a']['campaign']}/members", headers=stack.other_headers)
    assert status == 404 and resp["key"] == "not_found"
    for headers, own in ((stack.headers, worlds["a"]), (stack.other_headers, worlds["b"])):
        status, page = stack.call("list_members_v1", "GET", "/v1/loyalties/Shared%20name/members", headers=headers,
                                  query={"customer": "iso-a"})
        assert status == 200 and [v["code"] for v in page["vouchers"]] == ([own["code"]] if own is worlds["a"] else [])


def test_a_s_transactions_are_not_found_with_b_keys(stack: Stack, worlds: dict[str, Any]) -> None:
    a = worlds["a"]
    for name, path in (("list_loyalty_campaign_transactions_v1", f"/v1/loyalties/{a['campaign']}/transactions"),
                       ("list_loyalty_card_transactions_v1", f"/v1/loyalties/{a['campaign']}/members/{a['code']}/transactions"),
                       ("list_loyalty_card_transactions_by_code_v1", f"/v1/loyalties/members/{a['code']}/transactions")):
        status, resp = stack.call(name, "GET", path, headers=stack.other_headers)
        assert status == 404 and resp["key"] == "not_found", (name, resp)
    status, page = stack.call("list_loyalty_campaign_transactions_v1", "GET", "/v1/loyalties/Shared%20name/transactions",
                              headers=stack.other_headers)
    assert status == 200 and all(t["voucher_id"] != a["voucher"] for t in page["data"])


def test_b_cannot_transfer_a_s_points_nor_to_a_s_cards(stack: Stack, worlds: dict[str, Any]) -> None:
    a, b = worlds["a"], worlds["b"]
    before = [i for i in stack.items() if i["PK"]["S"].startswith("acme#")]
    for path, source in ((f"/v1/loyalties/{b['campaign']}/members/{b['code']}/transfers", a["code"]),
                         (f"/v1/loyalties/{a['campaign']}/members/{a['code']}/transfers", b["code"])):
        status, resp = stack.call("transfer_points_v1", "POST", path, [{"code": source, "points": 1}], headers=stack.other_headers)
        assert status == 404 and resp["key"] == "not_found", resp
    assert [i for i in stack.items() if i["PK"]["S"].startswith("acme#")] == before


def test_a_s_activity_and_pending_points_are_not_found_with_b_keys(stack: Stack, worlds: dict[str, Any]) -> None:
    a = worlds["a"]
    for name, path in (("list_member_activity_v1", f"/v1/loyalties/{a['campaign']}/members/{a['code']}/activity"),
                       ("list_member_activity_by_code_v1", f"/v1/loyalties/members/{a['code']}/activity"),
                       ("list_campaign_pending_points_v1", f"/v1/loyalties/{a['campaign']}/pending-points")):
        status, resp = stack.call(name, "GET", path, headers=stack.other_headers)
        assert status == 404 and resp["key"] == "not_found", (name, resp)


def test_a_s_campaign_cannot_be_updated_or_deleted_with_b_keys(stack: Stack, worlds: dict[str, Any]) -> None:
    a = worlds["a"]
    before = [i for i in stack.items() if i["PK"]["S"].startswith("acme#")]
    for name, method, body in (("update_loyalty_program_v1", "PUT", {"description": "b was here"}),
                               ("delete_loyalty_program_v1", "DELETE", None)):
        status, resp = stack.call(name, method, f"/v1/loyalties/{a['campaign']}", body, headers=stack.other_headers)
        assert status == 404 and resp["key"] == "not_found", (name, resp)
        assert set(resp) <= ERROR_FIELDS
    assert [i for i in stack.items() if i["PK"]["S"].startswith("acme#")] == before


def test_deleting_b_s_campaign_by_the_shared_name_leaves_a_s_alone(stack: Stack, worlds: dict[str, Any]) -> None:
    status, _ = stack.call("delete_loyalty_program_v1", "DELETE", "/v1/loyalties/Shared%20name", headers=stack.other_headers)
    assert status == 200
    stack.drain()
    status, card = stack.call("get_member_v1", "GET", f"/v1/loyalties/Shared%20name/members/{worlds['a']['code']}")
    assert status == 200 and card["campaign_id"] == worlds["a"]["campaign"]
    status, _ = stack.call("get_member_by_code_v1", "GET", f"/v1/loyalties/members/{worlds['b']['code']}", headers=stack.other_headers)
    assert status == 404
