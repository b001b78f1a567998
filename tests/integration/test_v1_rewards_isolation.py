"""Tenant isolation of v1 rewards and their assignments: with project B's keys, A's rewards, assignments and cards can be
neither read, listed, changed, deleted nor assigned (by id or by campaign name), and each project lists only its own."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_isolation import ERROR_FIELDS
from tests.integration.test_v1_rewards import MATERIAL

POINTS = {"parameters": {"loyalty": {"points": 10}}}


@pytest.fixture(scope="module")
def worlds(module_stack: Stack) -> dict[str, Any]:
    """Projects A (acme) and B (globex) each have a campaign named "Shared name", a reward assigned to it and a card."""
    out = {}
    for project, headers in (("a", module_stack.headers), ("b", module_stack.other_headers)):
        def call(name: str, method: str, path: str, body: Any = None, headers: dict[str, str] = headers) -> tuple[int, Any]:
            return module_stack.call(name, method, path, body, headers=headers)

        status, campaign = call("create_loyalty_program_v1", "POST", "/v1/loyalties", {
            "name": "Shared name", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}})
        assert status == 200, campaign
        status, reward = call("create_reward_v1", "POST", "/v1/rewards", {**MATERIAL, "metadata": {"owner": project}})
        assert status == 200, reward
        status, assignment = call("create_reward_assignment_v1", "POST", f"/v1/rewards/{reward['id']}/assignments",
                                  {"campaign": campaign["id"], **POINTS})
        assert status == 200, assignment
        status, card = call("add_member_v1", "POST", f"/v1/loyalties/{campaign['id']}/members", {"customer": f"iso-{project}"})
        assert status == 200, card
        out[project] = {"campaign": campaign["id"], "reward": reward["id"], "assignment": assignment["id"], "member": card["code"]}
    return out


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


def a_requests(a: dict[str, str]) -> list[tuple[str, str, str, Any]]:
    reward = f"/v1/rewards/{a['reward']}"
    r_assignment = f"{reward}/assignments/{a['assignment']}"
    c_rewards = f"/v1/loyalties/{a['campaign']}/rewards"
    c_assignment = f"/v1/loyalties/{a['campaign']}/reward-assignments/{a['assignment']}"
    return [
        ("get_reward_v1", "GET", reward, None),
        ("update_reward_v1", "PUT", reward, {"name": "taken"}),
        ("delete_reward_v1", "DELETE", reward, None),
        ("list_reward_assignments_v1", "GET", f"{reward}/assignments", None),
        ("create_reward_assignment_v1", "POST", f"{reward}/assignments", {"campaign": a["campaign"], **POINTS}),
        ("get_reward_assignment_v1", "GET", r_assignment, None),
        ("update_reward_assignment_v1", "PUT", r_assignment, POINTS),
        ("delete_reward_assignment_v1", "DELETE", r_assignment, None),
        ("list_reward_assignments_2", "GET", c_rewards, None),
        ("create_reward_assignment_1", "POST", c_rewards, [{"reward": a["reward"], **POINTS}]),
        ("get_reward_assignment_2", "GET", f"{c_rewards}/{a['assignment']}", None),
        ("update_reward_assignment_1", "PUT", f"{c_rewards}/{a['assignment']}", POINTS),
        ("delete_reward_assignment_1", "DELETE", f"{c_rewards}/{a['assignment']}", None),
        ("list_reward_assignments_1", "GET", f"/v1/loyalties/{a['campaign']}/reward-assignments", None),
        ("get_reward_assignment_1", "GET", c_assignment, None),
        ("get_reward_details", "GET", f"{c_assignment}/reward", None),
        ("list_member_rewards", "GET", f"/v1/loyalties/members/{a['member']}/rewards", None),
    ]


def test_a_s_rewards_and_assignments_are_not_found_with_b_keys_and_nothing_changes(stack: Stack, worlds: dict[str, Any]) -> None:
    a = worlds["a"]
    before = [i for i in stack.items() if i["PK"]["S"].startswith("acme#")]
    for name, method, path, body in a_requests(a):
        status, resp = stack.call(name, method, path, body, headers=stack.other_headers)
        assert status == 404 and resp["key"] == "not_found", (name, resp)
        assert set(resp) <= ERROR_FIELDS
        assert a["assignment"] not in json.dumps(resp) or a["assignment"] in path
    assert [i for i in stack.items() if i["PK"]["S"].startswith("acme#")] == before


def test_b_cannot_assign_its_reward_to_a_s_campaign_nor_a_s_reward_to_its_campaign(stack: Stack, worlds: dict[str, Any]) -> None:
    a, b = worlds["a"], worlds["b"]
    before = stack.items()
    status, resp = stack.call("create_reward_assignment_1", "POST", f"/v1/loyalties/{a['campaign']}/rewards",
                              [{"reward": b["reward"], **POINTS}], headers=stack.other_headers)
    assert (status, resp["resource_type"]) == (404, "campaign")
    status, resp = stack.call("create_reward_assignment_1", "POST", f"/v1/loyalties/{b['campaign']}/rewards",
                              [{"reward": a["reward"], **POINTS}], headers=stack.other_headers)
    assert (status, resp["resource_type"]) == (404, "reward")
    status, resp = stack.call("create_reward_v1", "POST", "/v1/rewards",
                              {"name": "x", "parameters": {"campaign": {"id": a["campaign"], "balance": 5}}}, headers=stack.other_headers)
    assert (status, resp["resource_type"]) == (404, "campaign")
    assert stack.items() == before


def test_each_project_lists_only_its_own(stack: Stack, worlds: dict[str, Any]) -> None:
    for headers, own in ((stack.headers, worlds["a"]), (stack.other_headers, worlds["b"])):
        status, page = stack.call("list_rewards_v1", "GET", "/v1/rewards", headers=headers)
        assert status == 200 and [r["id"] for r in page["data"]] == [own["reward"]] and page["total"] == 1
        status, page = stack.call("list_reward_assignments_2", "GET", "/v1/loyalties/Shared%20name/rewards", headers=headers)
        assert status == 200 and [r["id"] for r in page["data"]] == [own["assignment"]]
        status, page = stack.call("list_member_rewards", "GET", f"/v1/loyalties/members/{own['member']}/rewards", headers=headers)
        assert status == 200 and [d["assignment"]["id"] for d in page["data"]] == [own["assignment"]]
    other = worlds["b"]["assignment"]
    status, page = stack.call("list_rewards_v1", "GET", "/v1/rewards", query={"assignment_id": other})
    assert status == 200 and page["data"] == []
    items = [i for i in stack.items() if "REWV1#" in i["PK"]["S"] or i["SK"]["S"].startswith("RWA#")]
    assert sorted({i["PK"]["S"].split("#", 1)[0] for i in items}) == ["acme", "globex"]
