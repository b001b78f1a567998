"""Tenant isolation of v1 exports: with project B's keys, A's campaigns and cards cannot be exported (404), and A's export
cannot be read (404, no URL); B's export of its own campaign holds none of A's rows, and the object keys of the two
projects' CSVs live under their own project prefixes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_exports import csv_of


@pytest.fixture(scope="module")
def worlds(module_stack: Stack) -> dict[str, Any]:
    """Projects A (acme) and B (globex) each have a campaign named "Shared name" with one card holding points, and a DONE
    export of its campaign's transactions."""
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
        status, export = module_stack.call("export_loyalty_campaign_transactions_v1", "POST",
                                           "/v1/loyalties/Shared%20name/transactions/export", {"parameters": {"fields": ["voucher_id"]}},
                                           headers=headers)
        assert status == 200, export
        out[project] = {"campaign": campaign["id"], "code": card["code"], "voucher": card["id"], "export": export["id"]}
    module_stack.drain()
    return out


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


def test_a_s_campaigns_and_cards_cannot_be_exported_with_b_keys(stack: Stack, worlds: dict[str, Any]) -> None:
    a = worlds["a"]
    for name, path in (("export_loyalty_campaign_transactions_v1", f"/v1/loyalties/{a['campaign']}/transactions/export"),
                       ("export_loyalty_card_transactions_v1", f"/v1/loyalties/{a['campaign']}/members/{a['code']}/transactions/export"),
                       ("export_loyalty_card_transactions_by_code_v1", f"/v1/loyalties/members/{a['code']}/transactions/export"),
                       ("create_points_expiration_export_v1", f"/v1/loyalties/{a['campaign']}/points-expiration/export")):
        status, resp = stack.call(name, "POST", path, {}, headers=stack.other_headers)
        assert status == 404 and resp["key"] == "not_found", (name, resp)


def test_a_s_export_is_not_found_with_b_keys(stack: Stack, worlds: dict[str, Any]) -> None:
    status, resp = stack.call("get_export", "GET", f"/v1/exports/{worlds['a']['export']}", headers=stack.other_headers)
    assert status == 404 and resp["key"] == "not_found" and "url" not in str(resp)
    status, own = stack.call("get_export", "GET", f"/v1/exports/{worlds['a']['export']}")
    assert status == 200 and own["status"] == "DONE"


def test_each_project_s_export_holds_only_its_own_rows(stack: Stack, worlds: dict[str, Any]) -> None:
    for headers, own in ((stack.headers, worlds["a"]), (stack.other_headers, worlds["b"])):
        status, export = stack.call("get_export", "GET", f"/v1/exports/{own['export']}", headers=headers)
        assert status == 200 and export["status"] == "DONE", export
        assert csv_of(export["result"]["url"]) == [["voucher_id"], [own["voucher"]]]
        project = "acme" if own is worlds["a"] else "globex"
        assert f"/{project}/exports/{own['export']}.csv" in export["result"]["url"]
