"""Tenant isolation of tier structures, tiers and benefits: with project B's keys nothing of project A can be read, listed,
changed or paged into, and B's lists never show A's entries."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_benefits import BEN, make_benefit
from tests.integration.test_tiers import TS, make_card_definition, make_structure, make_tier

ERROR_FIELDS = {"code", "key", "message", "details", "request_id", "resource_id", "resource_type"}


def _world(stack: Stack, headers: dict[str, str]) -> dict[str, Any]:
    cdef = make_card_definition(stack, headers=headers)
    ts = make_structure(stack, cdef, headers=headers)
    tiers = [make_tier(stack, ts["id"], name, low, low + 9, headers=headers) for name, low in (("T1", 0), ("T2", 10), ("T3", 20))]
    other = make_structure(stack, cdef, headers=headers, name="Other")
    benefits = [make_benefit(stack, name, headers=headers) for name in ("Perk 1", "Perk 2", "Perk 3")]
    return {"cdef": cdef, "ts": ts["id"], "tier": tiers[0]["id"], "other_ts": other["id"], "benefit": benefits[0]["id"],
            "tiers": [t["id"] for t in tiers], "benefits": [b["id"] for b in benefits]}


@pytest.fixture(scope="module")
def worlds(module_stack: Stack) -> dict[str, Any]:
    """The same world in projects acme (A) and globex (B)."""
    return {"a": _world(module_stack, module_stack.headers), "b": _world(module_stack, module_stack.other_headers)}


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


def a_requests(a: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
    ts, tier, ben = f"{TS}/{a['ts']}", f"{TS}/{a['ts']}/tiers/{a['tier']}", f"{BEN}/{a['benefit']}"
    return [
        ("get_tier_structure", "GET", ts, None),
        ("update_tier_structure", "PUT", ts, {"name": "stolen"}),
        ("delete_tier_structure", "DELETE", ts, None),
        ("activate_tier_structure", "POST", f"{ts}/activate", None),
        ("deactivate_tier_structure", "POST", f"{ts}/deactivate", None),
        ("draft_tier_structure", "POST", f"{ts}/draft", None),
        ("create_tier", "POST", f"{ts}/tiers", {"name": "x", "qualification_rules": {"type": "POINTS", "points": {"min_value": 900}}}),
        ("list_tiers", "GET", f"{ts}/tiers", None),
        ("update_tier", "PUT", tier, {"name": "stolen"}),
        ("delete_tier", "DELETE", tier, None),
        ("list_tier_structure_activities", "GET", f"{ts}/activities", None),
        ("get_benefit", "GET", ben, None),
        ("update_benefit", "PUT", ben, {"name": "stolen"}),
        ("delete_benefit", "DELETE", ben, None),
        ("activate_benefit", "POST", f"{ben}/activate", None),
        ("draft_benefit", "POST", f"{ben}/draft", None),
        ("list_benefit_activities", "GET", f"{ben}/activities", None),
        # A's card definition does not exist for B
        ("create_tier_structure", "POST", TS, {"name": "x", "type": "POINT_BALANCE", "point_balance": {"card_definition_id": a["cdef"]}}),
        ("create_benefit", "POST", BEN, {"name": "x", "type": "POINTS", "points": {"value": 1, "card_definition_id": a["cdef"]}}),
    ]


def test_every_request_on_as_ids_with_bs_keys_is_404_and_changes_nothing(stack: Stack, worlds: dict[str, Any]) -> None:
    a = worlds["a"]
    before = stack.items()
    for name, method, path, body in a_requests(a):
        status, resp = stack.call(name, method, path, body, headers=stack.other_headers)
        assert status == 404 and resp["key"] == "not_found", (name, resp)
        assert set(resp) <= ERROR_FIELDS
        text = json.dumps(resp)
        for secret in (a["other_ts"], *a["tiers"][1:], *a["benefits"][1:]):
            assert secret not in text
    assert stack.items() == before


def test_bs_lists_show_only_bs_entries(stack: Stack, worlds: dict[str, Any]) -> None:
    a, b = worlds["a"], worlds["b"]
    for name, path, mine in (("list_tier_structures", TS, {b["ts"], b["other_ts"]}), ("list_benefits", BEN, set(b["benefits"])),
                             ("list_tiers", f"{TS}/{b['ts']}/tiers", set(b["tiers"]))):
        status, page = stack.call(name, "GET", path, query={"limit": "100"}, headers=stack.other_headers)
        assert status == 200 and {x["id"] for x in page["data"]} == mine, name
        assert not {x["id"] for x in page["data"]} & ({a["ts"], a["other_ts"], *a["benefits"], *a["tiers"]})


@pytest.mark.parametrize(("name", "path"), [
    ("list_tier_structures", TS),
    ("list_benefits", BEN),
    ("list_tiers", TS + "/{ts}/tiers"),
    ("list_tier_structure_activities", TS + "/{ts}/activities"),
    ("list_benefit_activities", BEN + "/{benefit}/activities"),
])
def test_as_cursors_cannot_be_replayed_by_b(stack: Stack, worlds: dict[str, Any], name: str, path: str) -> None:
    a, b = worlds["a"], worlds["b"]
    if "activities" in name:  # give each resource a second activity, so its first page has a cursor
        for w, headers in ((a, stack.headers), (b, stack.other_headers)):
            stack.call("update_benefit" if "benefit" in name else "update_tier_structure", "PUT",
                       (BEN + "/{benefit}" if "benefit" in name else TS + "/{ts}").format(**w), {"name": f"renamed {name}"},
                       headers=headers)
    status, page = stack.call(name, "GET", path.format(**a), query={"limit": "1"})
    assert status == 200 and page["cursor"] is not None, page
    cursor = page["cursor"]["next"]
    # B replays A's cursor on A's path and on its own: refused either way
    for target in (path.format(**a), path.format(**b)):
        status, resp = stack.call(name, "GET", target, query={"limit": "1", "cursor": cursor}, headers=stack.other_headers)
        assert status in (400, 404), resp
        assert resp["key"] in ("invalid_or_expired_cursor", "not_found")
        assert all(x not in json.dumps(resp) for x in (*a["tiers"], *a["benefits"]))


def test_every_key_of_a_tier_or_benefit_item_starts_with_its_project_id(stack: Stack, worlds: dict[str, Any]) -> None:
    owned = {project: {w["ts"], w["other_ts"], *w["tiers"], *w["benefits"]} for project, w in (("acme", worlds["a"]), ("globex", worlds["b"]))}
    for item in stack.items():
        text = json.dumps(item)
        for project, ids in owned.items():
            if any(i in text for i in ids):
                for attr in ("PK", "GSI1PK"):
                    if attr in item:
                        assert item[attr]["S"].split("#", 1)[0] == project, item[attr]
