"""Tenant isolation of POST /v1/loyalties/{campaignId}/qualifications: with project B's keys, A's campaign, customer and
order are not found (B's campaign of the same name is estimated from B's own data), and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_v1_estimate import FIXED, PROPORTIONAL, estimate_path


@pytest.fixture(scope="module")
def worlds(module_stack: Stack) -> dict[str, Any]:
    """Projects A and B each have a campaign named "Shared estimate" with Order paid rules and a member "iso-est-<project>";
    A also has a stored order "iso-order" of 10000."""
    out = {}
    for project, headers in (("a", module_stack.headers), ("b", module_stack.other_headers)):
        status, campaign = module_stack.call("create_loyalty_program_v1", "POST", "/v1/loyalties", {
            "name": "Shared estimate", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}}, headers=headers)
        assert status == 200, campaign
        status, _ = module_stack.call("create_earning_rule_v1", "POST", f"/v1/loyalties/{campaign['id']}/earning-rules",
                                      [FIXED, PROPORTIONAL], headers=headers)
        assert status == 200
        status, card = module_stack.call("add_member_v1", "POST", f"/v1/loyalties/{campaign['id']}/members",
                                         {"customer": {"source_id": f"iso-est-{project}"}}, headers=headers)
        assert status == 200, card
        out[project] = {"campaign": campaign["id"], "customer": card["holder_id"]}
    status, made = module_stack.call("create_order", "POST", "/v1/orders", {"source_id": "iso-order", "amount": 10000,
                                                                            "customer": {"source_id": "iso-est-a"}})
    assert status == 200, made
    out["a"]["order"] = made["id"]
    return out


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


def test_a_s_campaign_customer_and_order_are_not_found_with_b_keys(stack: Stack, worlds: dict[str, Any]) -> None:
    a, b = worlds["a"], worlds["b"]
    before = stack.items()
    cases = [
        (a["campaign"], {"customer": {"source_id": "iso-est-b"}, "order": {"amount": 100}}, "campaign"),
        (b["campaign"], {"customer": {"id": a["customer"]}, "order": {"amount": 100}}, "customer"),
        (b["campaign"], {"customer": {"source_id": "iso-est-a"}, "order": {"amount": 100}}, "customer"),
        (b["campaign"], {"customer": {"source_id": "iso-est-b"}, "order": {"id": a["order"]}}, "order"),
        (b["campaign"], {"customer": {"source_id": "iso-est-b"}, "order": {"source_id": "iso-order"}}, "order"),
    ]
    for campaign, body, resource in cases:
        status, resp = stack.call("estimate_points_v1", "POST", estimate_path(campaign), body, headers=stack.other_headers)
        assert (status, resp["key"], resp.get("resource_type")) == (404, "not_found", resource), (body, resp)
    assert stack.items() == before


def test_each_project_estimates_its_own_campaign_of_the_same_name(stack: Stack, worlds: dict[str, Any]) -> None:
    status, resp = stack.call("estimate_points_v1", "POST", estimate_path("Shared%20estimate"),
                              {"customer": {"source_id": "iso-est-a"}, "order": {"source_id": "iso-order"}})
    assert status == 200 and resp["campaign"]["id"] == worlds["a"]["campaign"] and resp["points_estimation"] == 5 + 100
    status, resp = stack.call("estimate_points_v1", "POST", estimate_path("Shared%20estimate"),
                              {"customer": {"source_id": "iso-est-b"}, "order": {"amount": 300}}, headers=stack.other_headers)
    assert status == 200 and resp["campaign"]["id"] == worlds["b"]["campaign"] and resp["points_estimation"] == 5 + 3
