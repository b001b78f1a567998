"""Tenant isolation of the component endpoints: with project B's keys, project A's card definitions, earning rules and
rewards cannot be listed, read through their activities, updated, transitioned, deleted, referenced or paged into."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_components import CDEFS, REWARDS, RULES, new_cdef, new_reward, new_rule
from tests.integration.test_isolation import ERROR_FIELDS

KINDS = {"cdef": CDEFS, "rule": RULES, "reward": REWARDS}
LISTS = {"cdef": "list_card_definitions", "rule": "list_earning_rules", "reward": "list_rewards"}
ACTIVITIES = {"cdef": "list_card_definition_activities", "rule": "list_earning_rule_activities", "reward": "list_reward_activities"}


def _as(stack: Stack, headers: dict[str, str]) -> Stack:
    return Stack(stack.ddb, stack.sqs, stack.queue_url, stack.dlq_url, headers, stack.headers)


def _world(stack: Stack, tag: str) -> dict[str, str]:
    """Two of each component (the first ACTIVE, with some history), so lists and activity lists have a next page."""
    cdef = new_cdef(stack, f"{tag} wallet", status="ACTIVE")["id"]
    new_cdef(stack, f"{tag} spare")
    rule = new_rule(stack, cdef, f"{tag} rule", status="ACTIVE")["id"]
    new_rule(stack, cdef, f"{tag} spare rule")
    reward = new_reward(stack, cdef, f"{tag} reward", status="ACTIVE")["id"]
    new_reward(stack, cdef, f"{tag} spare reward")
    for name, path in (("deactivate_earning_rule", f"{RULES}/{rule}/deactivate"), ("activate_earning_rule", f"{RULES}/{rule}/activate"),
                       ("deactivate_reward", f"{REWARDS}/{reward}/deactivate"), ("activate_reward", f"{REWARDS}/{reward}/activate"),
                       ("draft_card_definition", f"{CDEFS}/{cdef}/draft"), ("activate_card_definition", f"{CDEFS}/{cdef}/activate")):
        assert stack.call(name, "POST", path)[0] == 200
    return {"cdef": cdef, "rule": rule, "reward": reward}


@pytest.fixture(scope="module")
def worlds(module_stack: Stack) -> dict[str, dict[str, str]]:
    """Given the same components in projects acme (A) and globex (B)."""
    return {"a": _world(module_stack, "A"), "b": _world(_as(module_stack, module_stack.other_headers), "B")}


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


def requests_on(ids: dict[str, str]) -> list[tuple[str, str, str, Any]]:
    """Every component route that names a component, aimed at `ids`."""
    c, r, w = f"{CDEFS}/{ids['cdef']}", f"{RULES}/{ids['rule']}", f"{REWARDS}/{ids['reward']}"
    return [
        ("get_card_definition", "GET", c, None), ("update_card_definition", "PUT", c, {"name": "stolen"}),
        ("delete_card_definition", "DELETE", c, None), ("activate_card_definition", "POST", f"{c}/activate", None),
        ("draft_card_definition", "POST", f"{c}/draft", None), ("list_card_definition_activities", "GET", f"{c}/activities", None),
        ("get_earning_rule", "GET", r, None), ("update_earning_rule", "PUT", r, {"name": "stolen"}),
        ("delete_earning_rule", "DELETE", r, None), ("activate_earning_rule", "POST", f"{r}/activate", None),
        ("deactivate_earning_rule", "POST", f"{r}/deactivate", None), ("draft_earning_rule", "POST", f"{r}/draft", None),
        ("list_earning_rule_activities", "GET", f"{r}/activities", None),
        ("get_reward", "GET", w, None), ("update_reward", "PUT", w, {"name": "stolen"}), ("delete_reward", "DELETE", w, None),
        ("activate_reward", "POST", f"{w}/activate", None), ("deactivate_reward", "POST", f"{w}/deactivate", None),
        ("draft_reward", "POST", f"{w}/draft", None), ("list_reward_activities", "GET", f"{w}/activities", None),
    ]


def project_items(stack: Stack, project: str) -> list[dict[str, Any]]:
    return [i for i in stack.items() if i["PK"]["S"].startswith(f"{project}#")]


def test_a_components_are_not_found_with_b_keys_and_nothing_changes(stack: Stack, worlds: dict[str, dict[str, str]]) -> None:
    a = worlds["a"]
    before = project_items(stack, "acme")
    for name, method, path, body in requests_on(a):
        status, resp = stack.call(name, method, path, body, headers=stack.other_headers)
        assert (status, resp["key"]) == (404, "not_found"), (name, resp)
        assert set(resp) <= ERROR_FIELDS and resp["resource_id"] in path
        text = json.dumps(resp)
        assert "A wallet" not in text and "A rule" not in text and "A reward" not in text
    assert project_items(stack, "acme") == before


def test_lists_show_only_the_callers_project(stack: Stack, worlds: dict[str, dict[str, str]]) -> None:
    for kind, base in KINDS.items():
        for headers, own, other in ((stack.headers, worlds["a"], worlds["b"]), (stack.other_headers, worlds["b"], worlds["a"])):
            status, page = stack.call(LISTS[kind], "GET", base, headers=headers, query={"limit": "100"})
            listed = [item["id"] for item in page["data"]]
            assert status == 200 and own[kind] in listed and other[kind] not in listed and len(listed) == 2
            status, page = stack.call(LISTS[kind], "GET", base, headers=headers, query={"filters[id][conditions][$is]": other[kind]})
            assert (status, page["data"]) == (200, [])


@pytest.mark.parametrize("kind", list(KINDS))
def test_cursors_cannot_be_replayed_into_another_project(stack: Stack, worlds: dict[str, dict[str, str]], kind: str) -> None:
    a = worlds["a"]
    # Given a real next-page cursor of A's list and of A's component's activities
    status, page = stack.call(LISTS[kind], "GET", KINDS[kind], query={"limit": "1"})
    assert status == 200 and page["cursor"]
    activities = f"{KINDS[kind]}/{a[kind]}/activities"
    status, history = stack.call(ACTIVITIES[kind], "GET", activities, query={"limit": "1"})
    assert status == 200 and history["cursor"]
    # When B replays them on its own list, on its own component's activities and on A's path: refused, nothing of A's shown
    replays = [(LISTS[kind], KINDS[kind], page), (ACTIVITIES[kind], f"{KINDS[kind]}/{worlds['b'][kind]}/activities", history),
               (ACTIVITIES[kind], activities, history)]
    for name, path, source in replays:
        status, resp = stack.call(name, "GET", path, headers=stack.other_headers,
                                  query={"limit": "1", "cursor": source["cursor"]["next"]})
        assert (status, resp["key"]) in ((400, "invalid_or_expired_cursor"), (404, "not_found")), resp
        assert set(resp) <= ERROR_FIELDS and source["data"][0]["id"] not in json.dumps(resp)


def test_b_cannot_reference_a_card_definition(stack: Stack, worlds: dict[str, dict[str, str]]) -> None:
    a, b = worlds["a"], worlds["b"]
    before = project_items(stack, "globex")
    for name, path, body in (
            ("update_reward", f"{REWARDS}/{b['reward']}", {"costs": [{"spending": [{"points": 1, "card_definition_id": a["cdef"]}]}]}),
            ("update_earning_rule", f"{RULES}/{b['rule']}", {"earnings": [{"effects": [
                {"type": "POINTS", "points": {"value": 1, "card_definition_id": a["cdef"]}}]}]}),
            ("create_earning_rule", RULES, {"name": "x", "trigger": {"event": "customer.order.paid"}, "earnings": [
                {"effects": [{"type": "POINTS", "points": {"value": 1, "card_definition_id": a["cdef"]}}]}]})):
        status, resp = stack.call(name, "PUT" if name.startswith("update") else "POST", path, body, headers=stack.other_headers)
        assert (status, resp["key"], resp["resource_type"]) == (404, "not_found", "card_definition"), resp
    assert project_items(stack, "globex") == before
