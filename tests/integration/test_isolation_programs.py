"""Tenant isolation of the program management surface: with project B's keys no program of project A can be listed,
changed, activated, deleted, assigned to or paged into, and A's components cannot be assigned to B's programs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_isolation import ERROR_FIELDS, _as_b, assert_refused_without_data
from tests.integration.test_v2_journey import BASE, make_components

P = f"{BASE}/programs"


@pytest.fixture(scope="module")
def worlds(module_stack: Stack) -> dict[str, Any]:
    """Given a DRAFT program (updated once) with its components and a reward in project A, and an empty DRAFT program in B."""
    ids = make_components(module_stack)
    status, program = module_stack.call("create_program", "POST", P, {
        "name": "A's program", "card_definitions": [{"id": ids["cdef"]}], "earning_rules": [{"id": ids["rule"]}],
        "rewards": [{"id": ids["reward"], "stock": {"type": "LIMITED", "limited": {"quantity": 3}}}]})
    assert status == 200, program
    status, _ = module_stack.call("update_program", "PUT", f"{P}/{program['id']}", {"metadata": {"v": 2}})
    assert status == 200
    b = _as_b(module_stack)
    status, mine = b.call("create_program", "POST", P, {"name": "B's program"})
    assert status == 200, mine
    return {"a": {**ids, "program": program["id"]}, "b": {"program": mine["id"]}}


def a_requests(a: dict[str, str], b: dict[str, str]) -> list[tuple[str, str, str, Any]]:
    p = f"{P}/{a['program']}"
    return [
        ("update_program", "PUT", p, {"name": "stolen"}),
        ("delete_program", "DELETE", p, None),
        ("activate_program", "POST", f"{p}/activate", None),
        ("deactivate_program", "POST", f"{p}/deactivate", None),
        ("list_program_activities", "GET", f"{p}/activities", None),
        ("list_program_card_definition_assignments", "GET", f"{p}/card-definitions", None),
        ("list_program_earning_rule_assignments", "GET", f"{p}/earning-rules", None),
        ("list_program_tier_structure_assignments", "GET", f"{p}/tier-structures", None),
        ("list_program_reward_assignments", "GET", f"{p}/rewards", None),
        ("batch_program_card_definition_assignments", "POST", f"{p}/card-definitions/batch", {"unassign": [{"id": a["cdef"]}]}),
        ("batch_program_earning_rule_assignments", "POST", f"{p}/earning-rules/batch", {"unassign": [{"id": a["rule"]}]}),
        ("batch_program_tier_structure_assignments", "POST", f"{p}/tier-structures/batch", {"assign": [{"id": "lts_00000000000000000a"}]}),
        ("batch_program_reward_assignments", "POST", f"{p}/rewards/batch", {"unassign": [{"id": a["reward"]}]}),
        ("update_program_reward_assignment", "PUT", f"{p}/rewards/{a['reward']}", {"stock": {"type": "UNLIMITED"}}),
        # B's own program, with A's components
        ("batch_program_card_definition_assignments", "POST", f"{P}/{b['program']}/card-definitions/batch", {"assign": [{"id": a["cdef"]}]}),
        ("batch_program_earning_rule_assignments", "POST", f"{P}/{b['program']}/earning-rules/batch", {"assign": [{"id": a["rule"]}]}),
        ("batch_program_reward_assignments", "POST", f"{P}/{b['program']}/rewards/batch",
         {"assign": [{"id": a["reward"], "stock": {"type": "UNLIMITED"}}]}),
    ]


def test_a_programs_are_not_found_with_b_keys_and_nothing_changes(module_stack: Stack, worlds: dict[str, Any]) -> None:
    a, b = worlds["a"], worlds["b"]
    before = module_stack.items()
    for name, method, path, body in a_requests(a, b):
        resp = module_stack.call(name, method, path, body, headers=module_stack.other_headers)
        assert_refused_without_data(resp, a, path + json.dumps(body))
    assert module_stack.items() == before


def test_b_lists_only_its_own_programs_and_cannot_page_into_a(module_stack: Stack, worlds: dict[str, Any]) -> None:
    a, b = worlds["a"], worlds["b"]
    status, mine = module_stack.call("list_programs", "GET", P, headers=module_stack.other_headers)
    assert status == 200 and [p["id"] for p in mine["data"]] == [b["program"]]
    # A's cursor on its activities is refused on B's program and on A's program with B's keys
    status, page = module_stack.call("list_program_activities", "GET", f"{P}/{a['program']}/activities", query={"limit": "1"})
    assert status == 200 and page["cursor"]
    for headers, program in ((module_stack.other_headers, b["program"]), (module_stack.other_headers, a["program"]),
                             (module_stack.headers, b["program"])):
        status, body = module_stack.call("list_program_activities", "GET", f"{P}/{program}/activities", headers=headers,
                                         query={"cursor": page["cursor"]["next"]})
        assert status in (400, 404) and set(body) <= ERROR_FIELDS, body
