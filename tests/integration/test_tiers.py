"""Tier structures and their tiers, handler by handler on moto: create, list, get, update, lifecycle, delete, tiers and
activities, asserting on the items written as well as on the answers."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.components import store as components
from loyalty.tiers import store as tiers_store
from tests.integration.conftest import Stack

BASE = "/v2/loyalties"
TS = f"{BASE}/tier-structures"


def make_card_definition(stack: Stack, status: str = "ACTIVE", headers: dict[str, str] | None = None) -> str:
    code, cdef = stack.call("create_card_definition", "POST", f"{BASE}/card-definitions",
                            {"name": "Main wallet", "type": "INDIVIDUAL", "status": status}, headers=headers)
    assert code == 200, cdef
    return str(cdef["id"])


def make_structure(stack: Stack, cdef: str, headers: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    code, ts = stack.call("create_tier_structure", "POST", TS, {
        "name": "Levels", "type": "POINT_BALANCE", "point_balance": {"card_definition_id": cdef}, **extra}, headers=headers)
    assert code == 200, ts
    return ts


def make_tier(stack: Stack, ts_id: str, name: str, low: float, high: float | None = None,
              headers: dict[str, str] | None = None) -> dict[str, Any]:
    points: dict[str, Any] = {"min_value": low} if high is None else {"min_value": low, "max_value": high}
    code, tier = stack.call("create_tier", "POST", f"{TS}/{ts_id}/tiers",
                            {"name": name, "qualification_rules": {"type": "POINTS", "points": points}}, headers=headers)
    assert code == 200, tier
    return tier


def activity_types(stack: Stack, ts_id: str) -> list[str]:
    code, page = stack.call("list_tier_structure_activities", "GET", f"{TS}/{ts_id}/activities", query={"limit": "100"})
    assert code == 200, page
    return [a["type"] for a in page["data"]]


def test_create_a_tier_structure_with_the_spec_defaults(stack: Stack) -> None:
    # Given an ACTIVE card definition
    cdef = make_card_definition(stack)
    # When a tier structure is created with only the required properties
    ts = make_structure(stack, cdef)
    # Then it is DRAFT with the spec's defaults, and it is stored with its created activity
    assert ts["id"].startswith("lts_") and ts["status"] == "DRAFT" and ts["object"] == "tier_structure"
    assert ts["point_balance"] == {"card_definition_id": cdef} and "point_earned" not in ts
    assert ts["expiration"] == {"type": "NO_RETENTION"} and ts["downgrade"] == {"type": "NO_DOWNGRADE"}
    assert ts["metadata"] == {} and ts["updated_at"] is None
    stored = components.get_stored(stack.db(), "TS", ts["id"])
    assert stored is not None and stored.data == ts and stored.version == 0
    assert activity_types(stack, ts["id"]) == ["vl.tier_structure.created"]
    code, got = stack.call("get_tier_structure", "GET", f"{TS}/{ts['id']}")
    assert (code, got) == (200, ts)


def test_create_refuses_an_unknown_card_definition(stack: Stack) -> None:
    before = stack.items()
    code, body = stack.call("create_tier_structure", "POST", TS, {
        "name": "Levels", "type": "POINT_EARNED",
        "point_earned": {"card_definition_id": "lcdef_00000000000000000a", "period": {"value": 3, "unit": "MONTH"}, "type": "IMMEDIATELY"}})
    assert (code, body["key"], body["resource_type"]) == (404, "not_found", "card_definition")
    assert stack.items() == before


def test_lifecycle_draft_active_inactive_and_the_409s(stack: Stack) -> None:
    ts = make_structure(stack, make_card_definition(stack))
    path = f"{TS}/{ts['id']}"
    # DRAFT cannot be deactivated nor drafted
    for name, action in (("deactivate_tier_structure", "deactivate"), ("draft_tier_structure", "draft")):
        code, body = stack.call(name, "POST", f"{path}/{action}")
        assert (code, body["key"]) == (409, "invalid_state_transition"), body
    code, active = stack.call("activate_tier_structure", "POST", f"{path}/activate")
    assert (code, active["status"]) == (200, "ACTIVE") and active["updated_at"] is not None
    code, body = stack.call("activate_tier_structure", "POST", f"{path}/activate")
    assert (code, body["key"]) == (409, "invalid_state_transition")
    code, inactive = stack.call("deactivate_tier_structure", "POST", f"{path}/deactivate")
    assert (code, inactive["status"]) == (200, "INACTIVE")
    code, body = stack.call("draft_tier_structure", "POST", f"{path}/draft")
    assert (code, body["key"]) == (409, "invalid_state_transition")
    code, active = stack.call("activate_tier_structure", "POST", f"{path}/activate")
    assert (code, active["status"]) == (200, "ACTIVE")
    code, draft = stack.call("draft_tier_structure", "POST", f"{path}/draft")
    assert (code, draft["status"]) == (200, "DRAFT")
    assert components.get_stored(stack.db(), "TS", ts["id"]).status == "DRAFT"  # type: ignore[union-attr]
    assert activity_types(stack, ts["id"]) == ["vl.tier_structure.drafted", "vl.tier_structure.activated",
                                               "vl.tier_structure.deactivated", "vl.tier_structure.activated",
                                               "vl.tier_structure.created"]


def test_update_merges_and_a_non_draft_structure_changes_only_name_and_metadata(stack: Stack) -> None:
    cdef = make_card_definition(stack)
    ts = make_structure(stack, cdef, metadata={"a": 1})
    path = f"{TS}/{ts['id']}"
    # Settings this server cannot enforce are refused, and change nothing
    for refused in ({"type": "POINT_EARNED", "point_earned": {"card_definition_id": cdef, "period": {"value": 1, "unit": "YEAR"},
                                                              "type": "NEXT_TRACKING_PERIOD"}},
                    {"expiration": {"type": "SLIDING_EXPIRATION", "sliding_expiration": {"period": {"value": 1, "unit": "MONTH"}}}}):
        code, body = stack.call("update_tier_structure", "PUT", path, refused)
        assert (code, body["key"]) == (400, "invalid_payload") and "not supported" in body["details"], body
    assert components.get_stored(stack.db(), "TS", ts["id"]).data == ts  # type: ignore[union-attr]
    # DRAFT: anything, merged (omitted = unchanged; type change with its settings)
    code, updated = stack.call("update_tier_structure", "PUT", path, {
        "type": "POINT_EARNED", "point_earned": {"card_definition_id": cdef, "period": {"value": 1, "unit": "YEAR"},
                                                 "type": "IMMEDIATELY"},
        "downgrade": {"type": "SINGLE_LEVEL", "grace_period": {"value": 7, "unit": "DAY"}}})
    assert code == 200, updated
    assert updated["type"] == "POINT_EARNED" and "point_balance" not in updated
    assert updated["metadata"] == {"a": 1} and updated["name"] == "Levels" and updated["updated_at"] is not None
    assert updated["downgrade"] == {"type": "SINGLE_LEVEL", "grace_period": {"value": 7, "unit": "DAY"}}
    assert components.get_stored(stack.db(), "TS", ts["id"]).data == updated  # type: ignore[union-attr]
    # A tracking object that does not match the type is refused
    code, body = stack.call("update_tier_structure", "PUT", path, {"point_balance": {"card_definition_id": cdef}})
    assert (code, body["key"]) == (400, "invalid_payload") and "point_balance" in body["details"]
    # ACTIVE: name and metadata only (metadata replaced)
    stack.call("activate_tier_structure", "POST", f"{path}/activate")
    code, renamed = stack.call("update_tier_structure", "PUT", path, {"name": "Club levels", "metadata": {"b": 2}})
    assert code == 200 and renamed["name"] == "Club levels" and renamed["metadata"] == {"b": 2}
    before = stack.items()
    code, body = stack.call("update_tier_structure", "PUT", path, {"expiration": {"type": "FIXED_DURATION",
                                                                                "fixed_duration": {"period": {"value": 1, "unit": "YEAR"}}}})
    assert (code, body["key"]) == (400, "invalid_payload") and "expiration" in body["details"]
    assert stack.items() == before
    # Sending the same value again is not a change
    code, same = stack.call("update_tier_structure", "PUT", path, {"downgrade": renamed["downgrade"]})
    assert code == 200, same
    assert activity_types(stack, ts["id"]).count("vl.tier_structure.updated") == 3


def test_update_to_an_unknown_card_definition_is_404(stack: Stack) -> None:
    ts = make_structure(stack, make_card_definition(stack))
    code, body = stack.call("update_tier_structure", "PUT", f"{TS}/{ts['id']}",
                            {"point_balance": {"card_definition_id": "lcdef_00000000000000000b"}})
    assert (code, body["resource_type"]) == (404, "card_definition")


def test_tiers_are_created_listed_updated_and_deleted_with_the_structures_activities(stack: Stack) -> None:
    ts = make_structure(stack, make_card_definition(stack))
    path = f"{TS}/{ts['id']}"
    bronze = make_tier(stack, ts["id"], "Bronze", 0, 99)
    silver = make_tier(stack, ts["id"], "Silver", 100, 499.5)
    gold = make_tier(stack, ts["id"], "Gold", 500)
    assert bronze == {**bronze, "tier_structure_id": ts["id"], "downgrade": {"type": "INHERIT"}, "metadata": {},
                      "updated_at": None, "object": "tier"}
    assert bronze["qualification_rules"] == {"type": "POINTS", "points": {"min_value": 0, "max_value": 99}}
    assert gold["qualification_rules"]["points"] == {"min_value": 500}
    # Stored as children of the structure's partition (one Query reads them all); the structure's version moved
    found = tiers_store.get_structure_with_tiers(stack.db(), ts["id"])
    assert found is not None and [t["id"] for t in found[1]] == [bronze["id"], silver["id"], gold["id"]]
    assert found[0].version == 3
    # Listed newest first by default, by name on demand, with cursors
    code, page = stack.call("list_tiers", "GET", f"{path}/tiers", query={"limit": "2"})
    assert code == 200 and [t["name"] for t in page["data"]] == ["Gold", "Silver"] and page["cursor"]["next"].startswith("lcrst_")
    code, page2 = stack.call("list_tiers", "GET", f"{path}/tiers", query={"limit": "2", "cursor": page["cursor"]["next"]})
    assert [t["name"] for t in page2["data"]] == ["Bronze"] and page2["cursor"] is None
    code, by_name = stack.call("list_tiers", "GET", f"{path}/tiers", query={"order": "name"})
    assert [t["name"] for t in by_name["data"]] == ["Bronze", "Gold", "Silver"]
    # Update (merged) and delete; a tier that needs a segment is refused (no segments exist: nobody could qualify)
    code, body = stack.call("update_tier", "PUT", f"{path}/tiers/{silver['id']}",
                            {"qualification_rules": {"type": "POINTS_AND_SEGMENT", "points": {"min_value": 100, "max_value": 400},
                                                     "segment": {"id": "seg_vip"}}})
    assert (code, body["key"]) == (400, "invalid_payload") and "POINTS_AND_SEGMENT" in body["details"], body
    code, updated = stack.call("update_tier", "PUT", f"{path}/tiers/{silver['id']}",
                               {"qualification_rules": {"type": "POINTS", "points": {"min_value": 100, "max_value": 400}}, "metadata": {"x": 1}})
    assert code == 200, updated
    assert updated["name"] == "Silver" and updated["metadata"] == {"x": 1} and updated["updated_at"] is not None
    assert updated["qualification_rules"]["points"] == {"min_value": 100, "max_value": 400}
    code, deleted = stack.call("delete_tier", "DELETE", f"{path}/tiers/{bronze['id']}")
    assert (code, deleted) == (200, bronze)
    found = tiers_store.get_structure_with_tiers(stack.db(), ts["id"])
    assert found is not None and [t["id"] for t in found[1]] == [silver["id"], gold["id"]] and found[1][0] == updated
    code, body = stack.call("update_tier", "PUT", f"{path}/tiers/{bronze['id']}", {"name": "x"})
    assert (code, body["resource_type"]) == (404, "tier")
    code, page = stack.call("list_tier_structure_activities", "GET", f"{path}/activities",
                            query={"filters[type][conditions][$in]": "vl.tier_structure.tier.deleted"})
    assert code == 200 and len(page["data"]) == 1
    assert page["data"][0]["data"] == {"tier_structure": found[0].data, "tier": bronze}
    assert activity_types(stack, ts["id"]) == ["vl.tier_structure.tier.deleted", "vl.tier_structure.tier.updated",
                                               "vl.tier_structure.tier.created", "vl.tier_structure.tier.created",
                                               "vl.tier_structure.tier.created", "vl.tier_structure.created"]


def test_overlapping_ranges_and_the_eleventh_tier_are_refused(stack: Stack) -> None:
    ts = make_structure(stack, make_card_definition(stack))
    path = f"{TS}/{ts['id']}/tiers"
    first = make_tier(stack, ts["id"], "T0", 0, 9)
    before = stack.items()
    code, body = stack.call("create_tier", "POST", path, {"name": "Overlap", "qualification_rules": {
        "type": "POINTS", "points": {"min_value": 9, "max_value": 20}}})
    assert (code, body["key"]) == (400, "invalid_payload") and first["id"] in body["details"]
    code, body = stack.call("create_tier", "POST", path, {"name": "Upside down", "qualification_rules": {
        "type": "POINTS", "points": {"min_value": 30, "max_value": 20}}})
    assert (code, body["key"]) == (400, "invalid_payload")
    assert stack.items() == before
    for i in range(1, 10):
        make_tier(stack, ts["id"], f"T{i}", i * 10, i * 10 + 9)
    before = stack.items()
    code, body = stack.call("create_tier", "POST", path, {"name": "T10", "qualification_rules": {
        "type": "POINTS", "points": {"min_value": 1000}}})
    assert (code, body["key"]) == (400, "tiers_limit_exceeded") and "10" in body["details"]
    assert stack.items() == before


def test_tiers_of_a_non_draft_structure_change_only_name_and_metadata(stack: Stack) -> None:
    ts = make_structure(stack, make_card_definition(stack))
    path = f"{TS}/{ts['id']}"
    tier = make_tier(stack, ts["id"], "Bronze", 0, 99)
    stack.call("activate_tier_structure", "POST", f"{path}/activate")
    before = stack.items()
    code, body = stack.call("create_tier", "POST", f"{path}/tiers", {"name": "Late", "qualification_rules": {
        "type": "POINTS", "points": {"min_value": 100}}})
    assert (code, body["key"]) == (400, "non_draft_tier_structure")
    code, body = stack.call("delete_tier", "DELETE", f"{path}/tiers/{tier['id']}")
    assert (code, body["key"]) == (400, "non_draft_tier_structure")
    code, body = stack.call("update_tier", "PUT", f"{path}/tiers/{tier['id']}", {"downgrade": {"type": "NO_DOWNGRADE"}})
    assert (code, body["key"]) == (400, "invalid_payload") and "downgrade" in body["details"]
    assert stack.items() == before
    code, renamed = stack.call("update_tier", "PUT", f"{path}/tiers/{tier['id']}", {"name": "Bronze+", "metadata": {"c": 3}})
    assert code == 200 and renamed["name"] == "Bronze+" and renamed["qualification_rules"] == tier["qualification_rules"]


def test_list_filters_orders_and_pages_tier_structures(stack: Stack) -> None:
    cdef = make_card_definition(stack)
    a = make_structure(stack, cdef, name="Alpha")
    b = make_structure(stack, cdef, name="Beta", status="ACTIVE")
    c = make_structure(stack, cdef, name="Gamma")
    code, page = stack.call("list_tier_structures", "GET", TS)
    assert code == 200 and [s["id"] for s in page["data"]] == [c["id"], b["id"], a["id"]] and page["cursor"] is None
    code, page = stack.call("list_tier_structures", "GET", TS, query={"filters[status][conditions][$is]": "ACTIVE"})
    assert [s["id"] for s in page["data"]] == [b["id"]]
    code, page = stack.call("list_tier_structures", "GET", TS, query={"order": "-name", "limit": "2"})
    assert [s["name"] for s in page["data"]] == ["Gamma", "Beta"]
    code, page = stack.call("list_tier_structures", "GET", TS, query={"order": "-name", "limit": "2", "cursor": page["cursor"]["next"]})
    assert [s["name"] for s in page["data"]] == ["Alpha"]
    code, body = stack.call("list_tier_structures", "GET", TS, query={"filters[metadata][conditions][$is]": "x"})
    assert (code, body["key"]) == (400, "invalid_query_params")
    code, body = stack.call("list_tier_structures", "GET", TS, query={"order": "updated_at"})
    assert (code, body["key"]) == (400, "invalid_query_params")


def test_delete_is_refused_while_a_live_program_uses_it_and_then_hides_the_structure(stack: Stack) -> None:
    cdef = make_card_definition(stack)
    ts = make_structure(stack, cdef)
    path = f"{TS}/{ts['id']}"
    make_tier(stack, ts["id"], "Bronze", 0)
    code, program = stack.call("create_program", "POST", f"{BASE}/programs", {"name": "Club", "tier_structures": [{"id": ts["id"]}]})
    assert code == 200, program
    before = stack.items()
    code, body = stack.call("delete_tier_structure", "DELETE", path)
    assert (code, body["key"], body["related_object_type"], body["related_object_ids"]) == (
        400, "resource_in_use", "program", [program["id"]])
    assert stack.items() == before
    # deactivating or drafting a structure a program uses is locked too (earning-map E12)
    stack.call("activate_tier_structure", "POST", f"{path}/activate")
    before = stack.items()
    for name, action in (("deactivate_tier_structure", "deactivate"), ("draft_tier_structure", "draft")):
        code, body = stack.call(name, "POST", f"{path}/{action}")
        assert (code, body["key"]) == (423, "resource_locked"), body
    assert stack.items() == before


def test_a_deleted_structure_and_its_tiers_are_gone(stack: Stack) -> None:
    ts = make_structure(stack, make_card_definition(stack))
    path = f"{TS}/{ts['id']}"
    tier = make_tier(stack, ts["id"], "Bronze", 0)
    code, deleted = stack.call("delete_tier_structure", "DELETE", path)
    assert (code, deleted["status"]) == (200, "DELETED")
    stored = components.get_stored(stack.db(), "TS", ts["id"])
    assert stored is not None and stored.status == "DELETED"
    for name, method, suffix in (("get_tier_structure", "GET", ""), ("list_tiers", "GET", "/tiers"),
                                 ("update_tier_structure", "PUT", ""), ("delete_tier_structure", "DELETE", ""),
                                 ("activate_tier_structure", "POST", "/activate"), ("update_tier", "PUT", f"/tiers/{tier['id']}"),
                                 ("delete_tier", "DELETE", f"/tiers/{tier['id']}")):
        code, body = stack.call(name, method, path + suffix, {"name": "x"} if method == "PUT" else None)
        assert (code, body["key"], body["resource_type"]) == (404, "not_found", "tier_structure"), (name, body)
    code, page = stack.call("list_tier_structures", "GET", TS)
    assert page["data"] == []
    # its history stays readable
    assert activity_types(stack, ts["id"])[:2] == ["vl.tier_structure.deleted", "vl.tier_structure.tier.created"]


@pytest.mark.parametrize(("name", "method", "suffix", "body"), [
    ("activate_tier_structure", "POST", "/activate", None),
    ("update_tier_structure", "PUT", "", {"name": "Renamed"}),
    ("delete_tier_structure", "DELETE", "", None),
    ("create_tier", "POST", "/tiers", {"name": "Gold", "qualification_rules": {"type": "POINTS", "points": {"min_value": 500}}}),
])
def test_a_change_racing_another_answers_409_and_writes_nothing(stack: Stack, monkeypatch: pytest.MonkeyPatch, name: str,
                                                                 method: str, suffix: str, body: Any) -> None:
    # Given a structure read by this request (the stale copy) and changed by another one before this one writes
    ts = make_structure(stack, make_card_definition(stack))
    db = stack.db()
    stale = components.get_stored(db, "TS", ts["id"])
    assert stale is not None
    make_tier(stack, ts["id"], "Bronze", 0, 99)  # bumps the structure's version
    fresh = tiers_store.get_structure_with_tiers(db, ts["id"])
    assert fresh is not None
    monkeypatch.setattr(components, "get_stored", lambda *_: stale)
    monkeypatch.setattr(tiers_store, "get_structure_with_tiers", lambda *_: (stale, fresh[1]))
    before = stack.items()
    # When the request writes, its condition on the structure's version fails
    code, answer = stack.call(name, method, f"{TS}/{ts['id']}{suffix}", body)
    # Then it answers 409 concurrent_modification (never a 500) and nothing is written
    assert (code, answer["key"]) == (409, "concurrent_modification"), answer
    assert stack.items() == before
