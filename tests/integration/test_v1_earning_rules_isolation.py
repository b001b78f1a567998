"""Tenant isolation of v1 campaign earning rules: with project B's keys, A's campaign and rules can be neither read, listed,
changed, deleted nor added to (by id or by name), and B's own rules and rule count are separate."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_isolation import ERROR_FIELDS

FIXED = {"event": "order.paid", "loyalty": {"type": "FIXED", "points": 5}}


@pytest.fixture(scope="module")
def worlds(module_stack: Stack) -> dict[str, Any]:
    """Project A (acme) and project B (globex) each have a campaign named "Shared name" with one rule."""
    out = {}
    for project, headers in (("a", module_stack.headers), ("b", module_stack.other_headers)):
        status, campaign = module_stack.call("create_loyalty_program_v1", "POST", "/v1/loyalties", {
            "name": "Shared name", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}}, headers=headers)
        assert status == 200, campaign
        status, rules = module_stack.call("create_earning_rule_v1", "POST", f"/v1/loyalties/{campaign['id']}/earning-rules",
                                          [{**FIXED, "metadata": {"owner": project}}], headers=headers)
        assert status == 200, rules
        out[project] = {"campaign": campaign["id"], "rule": rules[0]["id"]}
    return out


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


def a_requests(a: dict[str, str]) -> list[tuple[str, str, str, Any]]:
    rules = f"/v1/loyalties/{a['campaign']}/earning-rules"
    rule = f"{rules}/{a['rule']}"
    return [
        ("create_earning_rule_v1", "POST", rules, [FIXED]),
        ("list_earning_rules_v1", "GET", rules, None),
        ("get_earning_rule_v1", "GET", rule, None),
        ("update_earning_rule_v1", "PUT", rule, {"metadata": {"owner": "b"}}),
        ("delete_earning_rule_v1", "DELETE", rule, None),
        ("enable_earning_rule_v1", "POST", f"{rule}/enable", None),
        ("disable_earning_rule_v1", "POST", f"{rule}/disable", None),
    ]


def test_a_s_campaign_and_rules_are_not_found_with_b_keys_and_nothing_changes(stack: Stack, worlds: dict[str, Any]) -> None:
    a = worlds["a"]
    before = [i for i in stack.items() if i["PK"]["S"].startswith("acme#")]
    for name, method, path, body in a_requests(a):
        status, resp = stack.call(name, method, path, body, headers=stack.other_headers)
        assert status == 404 and resp["key"] == "not_found", (name, resp)
        assert set(resp) <= ERROR_FIELDS
        assert a["rule"] not in json.dumps(resp) or a["rule"] in path
    assert [i for i in stack.items() if i["PK"]["S"].startswith("acme#")] == before


def test_the_same_campaign_name_reaches_each_project_s_own_rules(stack: Stack, worlds: dict[str, Any]) -> None:
    for headers, own, other in ((stack.headers, worlds["a"], worlds["b"]), (stack.other_headers, worlds["b"], worlds["a"])):
        status, page = stack.call("list_earning_rules_v1", "GET", "/v1/loyalties/Shared%20name/earning-rules", headers=headers)
        assert status == 200 and [r["id"] for r in page["data"]] == [own["rule"]]
        status, resp = stack.call("get_earning_rule_v1", "GET", f"/v1/loyalties/Shared%20name/earning-rules/{other['rule']}",
                                  headers=headers)
        assert (status, resp["resource_type"]) == (404, "earning_rule")


def test_rule_items_and_counts_live_in_each_project_s_own_keys(stack: Stack, worlds: dict[str, Any]) -> None:
    for project, world in (("acme", worlds["a"]), ("globex", worlds["b"])):
        db = stack.db(project)
        assert db.get(db.keys.campaign_earning_rule(world["campaign"], world["rule"])) is not None
        assert int(db.get(db.keys.campaign_earning_rules_count())["rules"]) == 1  # type: ignore[index]
    rule_items = [i for i in stack.items() if i["SK"]["S"].startswith("ERN#")]
    assert sorted(i["PK"]["S"].split("#", 1)[0] for i in rule_items) == ["acme", "globex"]
