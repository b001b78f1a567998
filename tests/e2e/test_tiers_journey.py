"""Tier structures, tiers and benefits over HTTP against the local runtime: every route with a success and its typical
errors (recorded for test_conformance.py), checking the activities at each step."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e import conformance
from tests.e2e.conftest import Client

pytestmark = pytest.mark.e2e
V2 = "/v2/loyalties"
TS = f"{V2}/tier-structures"
BEN = f"{V2}/benefits"


def error(client: Client, method: str, path: str, status: int, key: str, body: Any = None, **kw: Any) -> dict[str, Any]:
    got, data = client.request(method, path, body, **kw)
    assert (got, data.get("key")) == (status, key), data
    return data


def activity_types(client: Client, path: str) -> list[str]:
    return [a["type"] for a in client.get(f"{path}/activities", params={"limit": "100"})["data"]]


def test_a_tier_structure_from_draft_to_deleted(client: Client) -> None:
    _tier_structure_life(client)


def test_a_benefit_from_draft_to_deleted(client: Client) -> None:
    _benefit_life(client)


def drive_tiers(client: Client) -> None:
    """Every tier-structure, tier and benefit route with a success and its typical errors (test_conformance.py runs it
    when this module did not)."""
    conformance.DRIVEN.add("tiers")
    _tier_structure_life(client)
    _benefit_life(client)


def _tier_structure_life(client: Client) -> None:
    tag = uuid.uuid4().hex[:8]
    cdef = client.post(f"{V2}/card-definitions", {"name": f"Tier wallet {tag}", "type": "INDIVIDUAL", "status": "ACTIVE"})["id"]
    # create: DRAFT with defaults; an unknown card definition is 404, a bad body 400
    ts = client.post(TS, {"name": f"Levels {tag}", "type": "POINT_BALANCE", "point_balance": {"card_definition_id": cdef},
                          "metadata": {"tag": tag}})
    assert ts["status"] == "DRAFT" and ts["expiration"] == {"type": "NO_RETENTION"}
    error(client, "POST", TS, 404, "not_found", {"name": "x", "type": "POINT_BALANCE",
                                                   "point_balance": {"card_definition_id": "lcdef_00000000000000000a"}})
    error(client, "POST", TS, 400, "invalid_payload", {"name": "x", "type": "POINT_EARNED"})
    path = f"{TS}/{ts['id']}"
    assert client.get(path) == ts
    error(client, "GET", f"{TS}/lts_00000000000000000a", 404, "not_found")

    # tiers: create three, one overlapping is refused, list in both orders and by page
    bronze = client.post(f"{path}/tiers", {"name": "Bronze", "qualification_rules": {"type": "POINTS",
                                                                                       "points": {"min_value": 0, "max_value": 99}}})
    error(client, "POST", f"{path}/tiers", 400, "invalid_payload", {"name": "Segmented", "qualification_rules": {  # no segments exist
        "type": "POINTS_AND_SEGMENT", "points": {"min_value": 100, "max_value": 499}, "segment": {"id": "seg_silver"}}})
    silver = client.post(f"{path}/tiers", {"name": "Silver", "qualification_rules": {"type": "POINTS",
                          "points": {"min_value": 100, "max_value": 499}}, "downgrade": {"type": "NO_DOWNGRADE"}})
    gold = client.post(f"{path}/tiers", {"name": "Gold", "qualification_rules": {"type": "POINTS", "points": {"min_value": 500}}})
    error(client, "POST", f"{path}/tiers", 400, "invalid_payload", {"name": "Overlap", "qualification_rules": {
        "type": "POINTS", "points": {"min_value": 50}}})
    first = client.get(f"{path}/tiers", params={"limit": "2"})
    assert [t["name"] for t in first["data"]] == ["Gold", "Silver"]
    rest = client.get(f"{path}/tiers", params={"limit": "2", "cursor": first["cursor"]["next"]})
    assert [t["id"] for t in rest["data"]] == [bronze["id"]] and rest["cursor"] is None
    assert [t["name"] for t in client.get(f"{path}/tiers", params={"order": "name"})["data"]] == ["Bronze", "Gold", "Silver"]
    error(client, "GET", f"{path}/tiers", 400, "invalid_query_params", params={"filters[name][conditions][$is]": "Gold"})

    # update a tier and the structure while DRAFT, delete a tier
    renamed = client.request("PUT", f"{path}/tiers/{gold['id']}", {"name": "Gold VIP", "metadata": {"vip": True}})[1]
    assert renamed["name"] == "Gold VIP" and renamed["qualification_rules"] == gold["qualification_rules"]
    error(client, "PUT", f"{path}/tiers/lt_00000000000000000a", 404, "not_found", {"name": "x"})
    status, removed = client.request("DELETE", f"{path}/tiers/{silver['id']}")
    assert (status, removed) == (200, silver)
    status, updated = client.request("PUT", path, {"downgrade": {"type": "MULTI_LEVEL"}, "expiration": {
        "type": "FIXED_DURATION", "fixed_duration": {"period": {"value": 6, "unit": "MONTH"}}}})
    assert status == 200 and updated["downgrade"] == {"type": "MULTI_LEVEL"} and updated["metadata"] == {"tag": tag}

    # lifecycle: activate, then only names and metadata change; 409 for a wrong move
    assert client.post(f"{path}/activate")["status"] == "ACTIVE"
    error(client, "POST", f"{path}/activate", 409, "invalid_state_transition")
    error(client, "PUT", path, 400, "invalid_payload", {"downgrade": {"type": "SINGLE_LEVEL"}})
    error(client, "POST", f"{path}/tiers", 400, "non_draft_tier_structure", {"name": "Platinum", "qualification_rules": {
        "type": "POINTS", "points": {"min_value": 5000}}})
    error(client, "DELETE", f"{path}/tiers/{bronze['id']}", 400, "non_draft_tier_structure")
    error(client, "PUT", f"{path}/tiers/{bronze['id']}", 400, "invalid_payload", {"downgrade": {"type": "NO_DOWNGRADE"}})
    status, named = client.request("PUT", path, {"name": f"Club levels {tag}", "metadata": {}})
    assert status == 200 and named["name"] == f"Club levels {tag}"
    assert client.post(f"{path}/deactivate")["status"] == "INACTIVE"
    error(client, "POST", f"{path}/deactivate", 409, "invalid_state_transition")
    error(client, "POST", f"{path}/draft", 409, "invalid_state_transition")
    assert client.post(f"{path}/activate")["status"] == "ACTIVE"
    assert client.post(f"{path}/draft")["status"] == "DRAFT"

    # a program that uses it locks it: no delete, no deactivate or draft
    program = client.post(f"{V2}/programs", {"name": f"Club {tag}", "tier_structures": [{"id": ts["id"]}]})
    error(client, "DELETE", path, 400, "resource_in_use")
    client.post(f"{path}/activate")
    error(client, "POST", f"{path}/deactivate", 423, "resource_locked")
    error(client, "POST", f"{path}/draft", 423, "resource_locked")
    assert program["tier_structures"] == [{"id": ts["id"]}]

    # listed with filters; every change is in the activities, newest first
    listed = client.get(TS, params={"filters[name][conditions][$starts_with]": "Club levels", "filters[status][conditions][$is]": "ACTIVE"})
    assert ts["id"] in [s["id"] for s in listed["data"]]
    error(client, "GET", TS, 400, "invalid_query_params", params={"order": "updated_at"})
    assert activity_types(client, path) == [
        "vl.tier_structure.activated", "vl.tier_structure.assigned", "vl.tier_structure.drafted", "vl.tier_structure.activated",
        "vl.tier_structure.deactivated", "vl.tier_structure.updated", "vl.tier_structure.activated", "vl.tier_structure.updated",
        "vl.tier_structure.tier.deleted",
        "vl.tier_structure.tier.updated", "vl.tier_structure.tier.created", "vl.tier_structure.tier.created",
        "vl.tier_structure.tier.created", "vl.tier_structure.created"]
    page = client.get(f"{path}/activities", params={"limit": "1", "filters[type][conditions][$in]": "vl.tier_structure.tier.deleted"})
    assert page["data"][0]["data"]["tier"] == silver
    error(client, "GET", f"{TS}/lts_00000000000000000a/activities", 404, "not_found")

    # another structure, unassigned, is deleted: it and its tiers are gone
    other = client.post(TS, {"name": f"Spare {tag}", "type": "POINT_BALANCE", "point_balance": {"card_definition_id": cdef}})
    client.post(f"{TS}/{other['id']}/tiers", {"name": "Only", "qualification_rules": {"type": "POINTS", "points": {"min_value": 0}}})
    status, deleted = client.request("DELETE", f"{TS}/{other['id']}")
    assert (status, deleted["status"]) == (200, "DELETED")
    error(client, "GET", f"{TS}/{other['id']}", 404, "not_found")
    error(client, "GET", f"{TS}/{other['id']}/tiers", 404, "not_found")
    error(client, "DELETE", f"{TS}/{other['id']}", 404, "not_found")
    assert activity_types(client, f"{TS}/{other['id']}")[0] == "vl.tier_structure.deleted"


def _benefit_life(client: Client) -> None:
    tag = uuid.uuid4().hex[:8]
    cdef = client.post(f"{V2}/card-definitions", {"name": f"Benefit wallet {tag}", "type": "INDIVIDUAL", "status": "ACTIVE"})["id"]
    draft_cdef = client.post(f"{V2}/card-definitions", {"name": f"Draft wallet {tag}", "type": "INDIVIDUAL"})["id"]
    name = f"Welcome points {tag}"
    benefit = client.post(BEN, {"name": name, "type": "POINTS", "points": {"value": 50, "card_definition_id": cdef}})
    assert benefit["status"] == "DRAFT" and benefit["stock"] == {"type": "UNLIMITED"}
    error(client, "POST", BEN, 409, "duplicate_found", {"name": name, "type": "POINTS", "points": {"value": 1, "card_definition_id": cdef}})
    error(client, "POST", BEN, 404, "not_found", {"name": f"x {tag}", "type": "POINTS",
                                                    "points": {"value": 1, "card_definition_id": "lcdef_00000000000000000a"}})
    error(client, "POST", BEN, 423, "resource_locked", {"name": f"y {tag}", "type": "POINTS", "status": "ACTIVE",
                                                          "points": {"value": 1, "card_definition_id": draft_cdef}})
    error(client, "POST", BEN, 400, "invalid_payload", {"name": f"z {tag}", "type": "DIGITAL"})
    error(client, "POST", BEN, 400, "invalid_payload", {"name": f"Coupon {tag}", "type": "DIGITAL", "status": "ACTIVE", "digital": {
        "type": "DISCOUNT_COUPONS", "discount_coupons": {"campaign_id": "camp_summer"}}})  # no campaigns to publish it from
    coupon = client.post(BEN, {"name": f"Coupon {tag}", "type": "MATERIAL", "status": "ACTIVE", "material": {
        "type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}}})
    per_euro = client.post(BEN, {"name": f"Per euro {tag}", "type": "POINTS_PROPORTIONAL", "points_proportional": {
        "calculation_type": "POST_DISCOUNT_ORDER_AMOUNT", "card_definition_id": cdef, "order": {"total_amount": {"every": 100, "value": 1}}},
        "stock": {"type": "LIMITED", "limited": {"quantity": 10}}})
    path = f"{BEN}/{benefit['id']}"
    assert client.get(path) == benefit
    error(client, "GET", f"{BEN}/lben_00000000000000000a", 404, "not_found")

    # lists: filters, orders, pages
    mine = client.get(BEN, params={"filters[name][conditions][$ends_with]": tag, "order": "name"})
    assert [b["id"] for b in mine["data"]] == [coupon["id"], per_euro["id"], benefit["id"]]
    page = client.get(BEN, params={"filters[name][conditions][$ends_with]": tag, "order": "-type", "limit": "2"})
    assert [b["type"] for b in page["data"]] == ["POINTS_PROPORTIONAL", "POINTS"]
    page = client.get(BEN, params={"filters[name][conditions][$ends_with]": tag, "order": "-type", "limit": "2",
                                   "cursor": page["cursor"]["next"]})
    assert [b["id"] for b in page["data"]] == [coupon["id"]] and page["cursor"] is None
    error(client, "GET", BEN, 400, "invalid_query_params", params={"filters[status][conditions][$is]": "INACTIVE"})

    # update while DRAFT (a rename moves the unique name), then the lifecycle
    status, updated = client.request("PUT", path, {"name": f"Welcome bonus {tag}", "points": {"value": 75, "card_definition_id": cdef}})
    assert status == 200 and updated["points"]["value"] == 75
    error(client, "PUT", path, 409, "duplicate_found", {"name": f"Coupon {tag}"})
    assert client.post(BEN, {"name": name, "type": "MATERIAL", "material": {"type": "SKU", "sku": {
        "product_id": "prod_0ba649b6893cf33a80", "id": "sku_0b661e41a1a3e1f1c8"}}})["name"] == name  # the old name is free
    error(client, "POST", f"{path}/draft", 400, "invalid_state_transition")
    assert client.post(f"{path}/activate")["status"] == "ACTIVE"
    error(client, "POST", f"{path}/activate", 400, "invalid_state_transition")
    error(client, "PUT", path, 400, "invalid_payload", {"points": {"value": 1, "card_definition_id": cdef}})
    status, stocked = client.request("PUT", path, {"stock": {"type": "LIMITED", "limited": {"quantity": 3}}})
    assert status == 200 and stocked["stock"]["limited"] == {"quantity": 3}

    # an ACTIVE earning rule that grants it blocks draft and delete
    rule = client.post(f"{V2}/earning-rules", {"name": f"Grant {tag}", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
                                              "earnings": [{"effects": [{"type": "BENEFIT", "benefit": {"id": benefit["id"]}}]}]})
    error(client, "POST", f"{path}/draft", 423, "connected_active_earning_rule")
    in_use = error(client, "DELETE", path, 400, "resource_in_use")
    assert in_use["related_object_ids"] == [rule["id"]] and in_use["related_object_type"] == "earning_rule"

    # a benefit no rule grants is drafted and deleted
    per_euro_path = f"{BEN}/{per_euro['id']}"
    client.post(f"{per_euro_path}/activate")
    assert client.post(f"{per_euro_path}/draft")["status"] == "DRAFT"
    status, deleted = client.request("DELETE", per_euro_path)
    assert (status, deleted["status"]) == (200, "DELETED")
    error(client, "GET", per_euro_path, 404, "not_found")
    error(client, "DELETE", per_euro_path, 404, "not_found")
    assert activity_types(client, per_euro_path) == ["vl.benefit.deleted", "vl.benefit.drafted", "vl.benefit.activated",
                                                     "vl.benefit.created"]
    assert activity_types(client, path) == ["vl.benefit.updated", "vl.benefit.activated", "vl.benefit.updated", "vl.benefit.created"]
    page = client.get(f"{path}/activities", params={"limit": "1"})
    assert page["data"][0]["data"]["benefit"] == stocked and page["cursor"]["next"].startswith("lcrsaben_")
    error(client, "GET", f"{BEN}/lben_00000000000000000a/activities", 404, "not_found")
    error(client, "GET", f"{path}/activities", 400, "invalid_query_params", params={"order": "type"})
