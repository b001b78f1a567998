"""Bad input on every tier-structure, tier and benefit endpoint: the documented 4xx with Voucherify's error body, and
nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Stack, error_of
from tests.integration.test_benefits import BEN, MATERIAL, make_benefit
from tests.integration.test_tiers import TS, make_card_definition, make_structure, make_tier

UNKNOWN = {"ts": "lts_00000000000000000a", "tier": "lt_00000000000000000a", "benefit": "lben_00000000000000000a"}
MALFORMED = ["lprg_0a", "lts_XYZ", "nope", "lts_" + "a" * 80]


@pytest.fixture(scope="module")
def world(module_stack: Stack) -> dict[str, Any]:
    """A DRAFT structure with a tier, an ACTIVE structure with a tier, a DRAFT and an ACTIVE benefit."""
    cdef = make_card_definition(module_stack)
    draft = make_structure(module_stack, cdef)
    tier = make_tier(module_stack, draft["id"], "Bronze", 0, 99)
    active = make_structure(module_stack, cdef, name="Active")
    active_tier = make_tier(module_stack, active["id"], "Silver", 0)
    code, _ = module_stack.call("activate_tier_structure", "POST", f"{TS}/{active['id']}/activate")
    assert code == 200
    benefit = make_benefit(module_stack, "Draft perk")
    active_benefit = make_benefit(module_stack, "Active perk", status="ACTIVE", **MATERIAL)
    return {"cdef": cdef, "ts": draft["id"], "tier": tier["id"], "active_ts": active["id"], "active_tier": active_tier["id"],
            "benefit": benefit["id"], "active_benefit": active_benefit["id"]}


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


# (function, method, path template) of every route; {ts} {tier} {benefit} are filled from the world or UNKNOWN
ROUTES = [
    ("create_tier_structure", "POST", TS),
    ("list_tier_structures", "GET", TS),
    ("get_tier_structure", "GET", TS + "/{ts}"),
    ("update_tier_structure", "PUT", TS + "/{ts}"),
    ("delete_tier_structure", "DELETE", TS + "/{ts}"),
    ("activate_tier_structure", "POST", TS + "/{ts}/activate"),
    ("deactivate_tier_structure", "POST", TS + "/{ts}/deactivate"),
    ("draft_tier_structure", "POST", TS + "/{ts}/draft"),
    ("create_tier", "POST", TS + "/{ts}/tiers"),
    ("list_tiers", "GET", TS + "/{ts}/tiers"),
    ("update_tier", "PUT", TS + "/{ts}/tiers/{tier}"),
    ("delete_tier", "DELETE", TS + "/{ts}/tiers/{tier}"),
    ("list_tier_structure_activities", "GET", TS + "/{ts}/activities"),
    ("list_benefits", "GET", BEN),
    ("create_benefit", "POST", BEN),
    ("get_benefit", "GET", BEN + "/{benefit}"),
    ("update_benefit", "PUT", BEN + "/{benefit}"),
    ("delete_benefit", "DELETE", BEN + "/{benefit}"),
    ("activate_benefit", "POST", BEN + "/{benefit}/activate"),
    ("draft_benefit", "POST", BEN + "/{benefit}/draft"),
    ("list_benefit_activities", "GET", BEN + "/{benefit}/activities"),
]
BODY_ROUTES = [r for r in ROUTES if r[0].startswith(("create_", "update_"))]
ID_ROUTES = [r for r in ROUTES if "{" in r[2]]
LIST_ROUTES = [r for r in ROUTES if r[0].startswith("list_")]


def filled(path: str, w: dict[str, str]) -> str:
    return path.format(ts=w.get("ts", ""), tier=w.get("tier", ""), benefit=w.get("benefit", ""))


@pytest.mark.parametrize(("name", "method", "path"), BODY_ROUTES)
@pytest.mark.parametrize("raw", ["{bad json", "[]", "42", '"text"', "null"])
def test_malformed_or_non_object_bodies_are_400(stack: Stack, world: dict[str, Any], name: str, method: str, path: str,
                                                raw: str) -> None:
    error_of(stack, 400, "invalid_payload", name, method, filled(path, world), raw_body=raw)


@pytest.mark.parametrize(("name", "method", "path"), BODY_ROUTES)
def test_unknown_fields_are_400(stack: Stack, world: dict[str, Any], name: str, method: str, path: str) -> None:
    resp = error_of(stack, 400, "invalid_payload", name, method, filled(path, world), {"unexpected_field": 1})
    if name.startswith("update_"):  # (a create reports its first missing property first)
        assert "unexpected_field" in resp["details"]


CDEF = "lcdef_0123456789abcdef01"
POINTS = {"min_value": 0}


@pytest.mark.parametrize(("name", "body"), [
    ("create_tier_structure", {}),
    ("create_tier_structure", {"name": "x", "type": "POINT_BALANCE"}),
    ("create_tier_structure", {"name": "x", "type": "POINT_BALANCE", "point_balance": {"card_definition_id": "lern_0a"}}),
    ("create_tier_structure", {"name": "x", "type": "POINT_BALANCE", "point_balance": {"card_definition_id": CDEF},
                               "point_earned": {"card_definition_id": CDEF, "period": {"value": 1, "unit": "DAY"}, "type": "IMMEDIATELY"}}),
    ("create_tier_structure", {"name": "x", "type": "POINT_EARNED", "point_earned": {
        "card_definition_id": CDEF, "period": {"value": 91, "unit": "DAY"}, "type": "IMMEDIATELY"}}),
    ("create_tier_structure", {"name": "x", "type": "LEVELS", "point_balance": {"card_definition_id": CDEF}}),
    ("create_tier_structure", {"name": "", "type": "POINT_BALANCE", "point_balance": {"card_definition_id": CDEF}}),
    ("create_tier_structure", {"name": "x", "type": "POINT_BALANCE", "point_balance": {"card_definition_id": CDEF}, "status": "INACTIVE"}),
    ("create_tier_structure", {"name": "x", "type": "POINT_BALANCE", "point_balance": {"card_definition_id": CDEF},
                               "downgrade": {"type": "NO_DOWNGRADE", "grace_period": {"value": 1, "unit": "DAY"}}}),
    ("create_tier_structure", {"name": "x", "type": "POINT_BALANCE", "point_balance": {"card_definition_id": CDEF}, "metadata": []}),
    ("update_tier_structure", {"name": None}),
    ("update_tier_structure", {"name": 5}),
    ("update_tier_structure", {"type": "POINT_EARNED"}),
    ("update_tier_structure", {"type": "POINT_BALANCE", "point_balance": {"card_definition_id": CDEF}, "point_earned": {
        "card_definition_id": CDEF, "period": {"value": 1, "unit": "DAY"}, "type": "IMMEDIATELY"}}),
    ("update_tier_structure", {"point_earned": {"card_definition_id": CDEF, "period": {"value": 1, "unit": "DAY"}, "type": "IMMEDIATELY"}}),
    ("update_tier_structure", {"expiration": {"type": "FIXED_DURATION"}}),
    ("update_tier_structure", {"metadata": {"": 1}}),  # DynamoDB refuses an empty attribute name (found by fuzzing)
    ("update_tier", {"metadata": {"a": {"": None}}}),
    ("create_tier", {}),
    ("create_tier", {"name": "x"}),
    ("create_tier", {"name": "x", "qualification_rules": {"type": "POINTS"}}),
    ("create_tier", {"name": "x", "qualification_rules": {"type": "POINTS", "points": {"min_value": -1}}}),
    ("create_tier", {"name": "x", "qualification_rules": {"type": "POINTS", "points": {"min_value": 1_000_000_001}}}),
    ("create_tier", {"name": "x", "qualification_rules": {"type": "POINTS", "points": {"min_value": "5"}}}),
    ("create_tier", {"name": "x", "qualification_rules": {"type": "POINTS", "points": POINTS, "segment": {"id": "seg_a"}}}),
    ("create_tier", {"name": "x", "qualification_rules": {"type": "POINTS_AND_SEGMENT", "points": POINTS}}),
    ("create_tier", {"name": "x", "qualification_rules": {"type": "POINTS_AND_SEGMENT", "points": POINTS, "segment": {"id": "seg_a"}}}),
    ("update_tier_structure", {"expiration": {"type": "SLIDING_EXPIRATION", "sliding_expiration": {"period": {"value": 1, "unit": "DAY"}}}}),
    ("create_tier", {"name": "x", "qualification_rules": {"type": "POINTS", "points": POINTS}, "downgrade": {"type": "MULTI_LEVEL"}}),
    ("create_tier", {"name": "x", "qualification_rules": {"type": "POINTS", "points": {"min_value": 0, "extra": 1}}}),
    ("update_tier", {"name": None}),
    ("update_tier", {"qualification_rules": None}),
    ("update_tier", {"qualification_rules": {"type": "POINTS", "points": {"min_value": 10, "max_value": 5}}}),
    ("create_benefit", {}),
    ("create_benefit", {"name": "x", "type": "POINTS"}),
    ("create_benefit", {"name": "x", "type": "POINTS", "points": {"value": -1, "card_definition_id": CDEF}}),
    ("create_benefit", {"name": "x", "type": "POINTS", "points": {"value": 1, "card_definition_id": CDEF}, **MATERIAL}),
    ("create_benefit", {"name": "x", "type": "POINTS", "points": {"value": 1.5, "card_definition_id": CDEF}}),
    ("create_benefit", {"name": "x", "type": "POINTS_PROPORTIONAL", "points_proportional": {
        "calculation_type": "PRE_DISCOUNT_ORDER_AMOUNT", "card_definition_id": CDEF, "order": {"amount": {"every": 1, "value": 1}},
        "points_expiration": {"type": "NO_EXPIRATION"}}}),
    ("create_benefit", {"name": "x", "type": "POINTS_PROPORTIONAL", "points_proportional": {
        "calculation_type": "PRE_DISCOUNT_ORDER_AMOUNT", "card_definition_id": CDEF, "customer": {"metadata": {
            "every": 1, "value": 1, "property": "p"}}}}),
    ("create_benefit", {"name": "x", "type": "DIGITAL", "digital": {"type": "LOYALTY_CARD_POINTS"}}),
    ("create_benefit", {"name": "x", "type": "DIGITAL", "digital": {"type": "DISCOUNT_COUPONS", "gift_vouchers": {
        "campaign_id": "camp_a", "balance": 1}}}),
    ("create_benefit", {"name": "x", "type": "MATERIAL", "material": {"type": "PRODUCT", "product": {"id": "p1"}}}),
    ("create_benefit", {"name": "x", **MATERIAL, "stock": {"type": "LIMITED"}}),
    ("create_benefit", {"name": "x", **MATERIAL, "stock": {"type": "UNLIMITED", "limited": {"quantity": 1}}}),
    ("create_benefit", {"name": "x", **MATERIAL, "stock": {"type": "LIMITED", "limited": {"quantity": -1}}}),
    ("create_benefit", {"name": "x", **MATERIAL, "metadata": {}}),
    ("create_benefit", {"name": "x", **MATERIAL, "status": "DELETED"}),
    ("update_benefit", {"type": None}),
    ("update_benefit", {"type": "DIGITAL"}),
    ("update_benefit", {"points": {"value": 1, "card_definition_id": CDEF}}),
    ("update_benefit", {"material": None}),
    ("update_benefit", {"status": "ACTIVE"}),
])
def test_invalid_bodies_are_400(stack: Stack, world: dict[str, Any], name: str, body: dict[str, Any]) -> None:
    path = dict((r[0], r[2]) for r in ROUTES)[name]
    method = "PUT" if name.startswith("update_") else "POST"
    error_of(stack, 400, "invalid_payload", name, method, filled(path, world), body)


@pytest.mark.parametrize(("name", "method", "path"), ID_ROUTES)
def test_unknown_ids_are_404_with_their_resource_type(stack: Stack, world: dict[str, Any], name: str, method: str, path: str) -> None:
    body = {"name": "x"} if method == "PUT" else ({"name": "x", "qualification_rules": {"type": "POINTS", "points": POINTS}}
                                                 if name == "create_tier" else None)
    unknown = {**world, "ts": UNKNOWN["ts"], "benefit": UNKNOWN["benefit"]}
    resp = error_of(stack, 404, "not_found", name, method, filled(path, unknown), body)
    expected = "benefit" if "{benefit}" in path else "tier_structure"
    assert (resp["resource_type"], resp["resource_id"]) == (expected, UNKNOWN["ts"] if expected == "tier_structure" else UNKNOWN["benefit"])


@pytest.mark.parametrize(("name", "method", "path"), ID_ROUTES)
@pytest.mark.parametrize("bad", MALFORMED)
def test_malformed_ids_are_404(stack: Stack, world: dict[str, Any], name: str, method: str, path: str, bad: str) -> None:
    body = {"name": "x"} if method == "PUT" else ({"name": "x", "qualification_rules": {"type": "POINTS", "points": POINTS}}
                                                 if name == "create_tier" else None)
    error_of(stack, 404, "not_found", name, method, filled(path, {**world, "ts": bad, "benefit": bad}), body)


@pytest.mark.parametrize(("name", "method", "path"), [r for r in ID_ROUTES if "{tier}" in r[2]])
def test_an_unknown_or_malformed_tier_is_404(stack: Stack, world: dict[str, Any], name: str, method: str, path: str) -> None:
    body = {"name": "x"} if method == "PUT" else None
    for tier in (UNKNOWN["tier"], "lt_XYZ", world["active_tier"]):  # another structure's tier is unknown here
        resp = error_of(stack, 404, "not_found", name, method, filled(path, {**world, "tier": tier}), body)
        assert (resp["resource_type"], resp["resource_id"]) == ("tier", tier)


@pytest.mark.parametrize(("name", "method", "path"), ROUTES)
@pytest.mark.parametrize("headers", [{}, {"X-App-Id": "acme.000000000000", "X-App-Token": "acme.000000000000.nope"},
                                     {"Authorization": "Bearer nope"}])
def test_missing_or_wrong_credentials_are_401(stack: Stack, world: dict[str, Any], name: str, method: str, path: str,
                                              headers: dict[str, str]) -> None:
    error_of(stack, 401, "unauthorized", name, method, filled(path, world), {"name": "x"} if method in ("POST", "PUT") else None,
             headers=headers)


@pytest.mark.parametrize(("name", "method", "path"), LIST_ROUTES)
@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"limit": "ten"}, {"order": "-updated_at"},
                                   {"order": "created_at,-created_at"}, {"cursor": "lcrsts_0a"}, {"page": "2"},
                                   {"filters[metadata][conditions][$is]": "x"}, {"filters[created_at][conditions][$before]": "soon"},
                                   {"filters[junction]": "XOR"}])
def test_invalid_list_queries_are_400(stack: Stack, world: dict[str, Any], name: str, method: str, path: str,
                                      query: dict[str, str]) -> None:
    resp = error_of(stack, 400, resp_key(query), name, method, filled(path, world), query=query)
    assert resp["code"] == 400


def resp_key(query: dict[str, str]) -> str:
    return "invalid_or_expired_cursor" if "cursor" in query else "invalid_query_params"


def test_list_tiers_takes_no_filters(stack: Stack, world: dict[str, Any]) -> None:
    error_of(stack, 400, "invalid_query_params", "list_tiers", "GET", f"{TS}/{world['ts']}/tiers",
             query={"filters[name][conditions][$is]": "Bronze"})


@pytest.mark.parametrize(("name", "method", "suffix", "status", "key"), [
    ("deactivate_tier_structure", "POST", "/deactivate", 409, "invalid_state_transition"),
    ("draft_tier_structure", "POST", "/draft", 409, "invalid_state_transition"),
])
def test_wrong_structure_states(stack: Stack, world: dict[str, Any], name: str, method: str, suffix: str, status: int, key: str) -> None:
    error_of(stack, status, key, name, method, f"{TS}/{world['ts']}{suffix}")


def test_activating_an_active_structure_is_409(stack: Stack, world: dict[str, Any]) -> None:
    error_of(stack, 409, "invalid_state_transition", "activate_tier_structure", "POST", f"{TS}/{world['active_ts']}/activate")


def test_tiers_of_an_active_structure_are_locked_but_for_name_and_metadata(stack: Stack, world: dict[str, Any]) -> None:
    path = f"{TS}/{world['active_ts']}"
    error_of(stack, 400, "non_draft_tier_structure", "create_tier", "POST", f"{path}/tiers",
             {"name": "x", "qualification_rules": {"type": "POINTS", "points": {"min_value": 10_000}}})
    error_of(stack, 400, "non_draft_tier_structure", "delete_tier", "DELETE", f"{path}/tiers/{world['active_tier']}")
    error_of(stack, 400, "invalid_payload", "update_tier", "PUT", f"{path}/tiers/{world['active_tier']}",
             {"qualification_rules": {"type": "POINTS", "points": {"min_value": 1}}})
    error_of(stack, 400, "invalid_payload", "update_tier_structure", "PUT", path, {"type": "POINT_BALANCE",
             "point_balance": {"card_definition_id": "lcdef_0123456789abcdef02"}})


def test_wrong_benefit_states(stack: Stack, world: dict[str, Any]) -> None:
    error_of(stack, 400, "invalid_state_transition", "draft_benefit", "POST", f"{BEN}/{world['benefit']}/draft")
    error_of(stack, 400, "invalid_state_transition", "activate_benefit", "POST", f"{BEN}/{world['active_benefit']}/activate")
    error_of(stack, 400, "invalid_payload", "update_benefit", "PUT", f"{BEN}/{world['active_benefit']}",
             {"material": {"type": "SKU", "sku": {"product_id": "prod_0a", "id": "sku_0a"}}})
    error_of(stack, 409, "duplicate_found", "create_benefit", "POST", BEN, {"name": "Active perk", **MATERIAL})
    error_of(stack, 409, "duplicate_found", "update_benefit", "PUT", f"{BEN}/{world['benefit']}", {"name": "Active perk"})


def test_an_oversized_body_is_refused_before_writing(stack: Stack, world: dict[str, Any]) -> None:
    big = {"k" + str(i): "v" * 1000 for i in range(500)}
    error_of(stack, 400, "invalid_payload", "update_tier_structure", "PUT", f"{TS}/{world['ts']}", {"metadata": big})
    error_of(stack, 400, "invalid_payload", "create_tier", "POST", f"{TS}/{world['ts']}/tiers",
             {"name": "Big", "qualification_rules": {"type": "POINTS", "points": {"min_value": 5000}}, "metadata": big})
