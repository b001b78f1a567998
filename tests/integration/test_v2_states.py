"""Wrong states on v2 endpoints: 409 / 423 with the error body and nothing written; NO_CHANGE and DRY_RUN."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_v2_bad_input import build_world, error_of, paths
from tests.integration.test_v2_journey import BASE, credit


@pytest.fixture
def world(stack: Stack) -> dict[str, Any]:
    return build_world(stack)


def test_wrong_states_are_refused(stack: Stack, world: dict[str, Any]) -> None:
    p = paths(world)
    # a debit beyond the balance, a purchase beyond the balance
    error_of(stack, 423, "insufficient_card_balance", "adjust_card_points", "POST", p["points"], {"points": -51})
    error_of(stack, 423, "insufficient_card_balance", "purchase_member_reward", "POST", p["purchase"], {"reward_id": world["reward"]})
    # a second member for the same customer
    status, member = stack.call("get_program_member", "GET", p["member"])
    error_of(stack, 409, "member_already_exists", "create_program_member", "POST", p["members"], {"customer_id": member["customer_id"]})
    # an ACTIVE program without active components; a DRAFT program does not take members
    status, draft_cdef = stack.call("create_card_definition", "POST", f"{BASE}/card-definitions", {"name": "d", "type": "INDIVIDUAL"})
    error_of(stack, 423, "missing_active_card_definition", "create_program", "POST", f"{BASE}/programs",
             {"name": "p", "status": "ACTIVE", "card_definitions": [{"id": draft_cdef["id"]}], "earning_rules": [{"id": world["rule"]}]})
    error_of(stack, 423, "missing_active_earning_rule", "create_program", "POST", f"{BASE}/programs",
             {"name": "p", "status": "ACTIVE", "card_definitions": [{"id": world["cdef"]}]})
    status, draft = stack.call("create_program", "POST", f"{BASE}/programs", {"name": "draft"})
    assert status == 200 and draft["status"] == "DRAFT"
    error_of(stack, 423, "non_active_program", "create_program_member", "POST", f"{BASE}/programs/{draft['id']}/members",
             {"customer_id": member["customer_id"]})


def test_out_of_stock_and_inactive_reward(stack: Stack, world: dict[str, Any]) -> None:
    p = paths(world)
    credit(stack, world["program"], world["member"], world["card"], 500)
    stack.drain()
    status, _ = stack.call("purchase_member_reward", "POST", p["purchase"], {"reward_id": world["reward"]})
    assert status == 202
    error_of(stack, 423, "reward_out_of_stock", "purchase_member_reward", "POST", p["purchase"], {"reward_id": world["reward"]})


def test_dry_run_purchase_stores_nothing(stack: Stack, world: dict[str, Any]) -> None:
    credit(stack, world["program"], world["member"], world["card"], 500)
    stack.drain()
    before = stack.items()
    status, body = stack.call("purchase_member_reward", "POST", paths(world)["purchase"], {"reward_id": world["reward"], "mode": "DRY_RUN"})
    assert status == 200 and body["status"] == "DRY_RUN"
    assert body["transaction"]["status"] == "SIMULATED" and "id" not in body["transaction"]
    assert stack.items() == before


