"""Bad input on the member endpoints and async actions: the documented 4xx with Voucherify's error body, and nothing written
(malformed JSON, wrong types, unknown fields, wrong states, unknown or malformed ids, oversize data, missing credentials)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_v2_bad_input import UNKNOWN, build_world, error_of
from tests.integration.test_v2_journey import BASE


@pytest.fixture(scope="module")
def world(module_stack: Stack) -> dict[str, Any]:
    """build_world (an ACTIVE program with an ACTIVE member holding 50 points), plus an INACTIVE member, a DRAFT program and
    a finished batch."""
    w = build_world(module_stack)
    status, customer = module_stack.call("create_customer", "POST", "/v1/customers", {"source_id": "inactive-1"})
    status, inactive = module_stack.call("create_program_member", "POST", f"{BASE}/programs/{w['program']}/members",
                                         {"customer_id": customer["id"], "status": "INACTIVE"})
    assert status == 200, inactive
    status, draft = module_stack.call("create_program", "POST", f"{BASE}/programs", {"name": "draft"})
    assert status == 200, draft
    status, action = module_stack.call("batch_create_program_members", "POST", f"{BASE}/programs/{w['program']}/members/batch",
                                       [{"customer_id": customer["id"]}])
    assert status == 202, action
    module_stack.drain()
    return {**w, "inactive": inactive["id"], "draft": draft["id"], "action": action["async_action_id"], "customer": customer["id"]}


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


def member(w: dict[str, Any], member_id: str | None = None, program_id: str | None = None) -> str:
    return f"{BASE}/programs/{program_id or w['program']}/members/{member_id or w['member']}"


def batch(w: dict[str, Any], program_id: str | None = None) -> str:
    return f"{BASE}/programs/{program_id or w['program']}/members/batch"


# ---------------------------------------------------------------------------------------------- batch create
@pytest.mark.parametrize("raw", ["{bad json", "", "42", '"text"', '{"customer_id": "cust_a"}', "[]", "null"])
def test_a_batch_body_must_be_a_non_empty_json_array(stack: Stack, world: dict[str, Any], raw: str) -> None:
    error_of(stack, 400, "invalid_payload", "batch_create_program_members", "POST", batch(world), raw_body=raw)


def test_a_batch_has_at_most_5000_entries(stack: Stack, world: dict[str, Any]) -> None:
    resp = error_of(stack, 400, "invalid_payload", "batch_create_program_members", "POST", batch(world),
                    [{"customer_id": world["customer"]}] * 5001)
    assert "5000" in resp["details"]


def test_a_batch_too_large_to_store_is_refused_before_writing(stack: Stack, world: dict[str, Any]) -> None:
    # 4,000 entries of 1.2 KB: more than the 4 MB one transaction holds
    entries = [{"customer_id": world["customer"], "metadata": {"note": "x" * 1200}}] * 4000
    error_of(stack, 400, "invalid_payload", "batch_create_program_members", "POST", batch(world), entries)
    # one chunk of 100 entries of 5 KB: more than the 400 KB one item holds
    error_of(stack, 400, "invalid_payload", "batch_create_program_members", "POST", batch(world),
             [{"customer_id": world["customer"], "metadata": {"note": "x" * 5000}}] * 100)


@pytest.mark.parametrize(("program", "status", "key"), [(UNKNOWN["program"], 404, "not_found"), ("lprg_XYZ", 404, "not_found"),
                                                       ("draft", 423, "non_active_program")])
def test_a_batch_needs_an_active_program(stack: Stack, world: dict[str, Any], program: str, status: int, key: str) -> None:
    resp = error_of(stack, status, key, "batch_create_program_members", "POST", batch(world, world.get(program, program)),
                    [{"customer_id": world["customer"]}])
    assert resp.get("resource_type") == "program"


def test_json_arrays_stay_refused_on_every_other_route(stack: Stack, world: dict[str, Any]) -> None:
    error_of(stack, 400, "invalid_payload", "update_program_member", "PUT", member(world), raw_body='[{"metadata": {}}]')
    error_of(stack, 400, "invalid_payload", "create_program_member", "POST", f"{BASE}/programs/{world['program']}/members",
             raw_body=json.dumps([{"customer_id": world["customer"]}]))


# ---------------------------------------------------------------------------------------------- update
@pytest.mark.parametrize("body", [{}, {"metadata": []}, {"metadata": "gold"}, {"metadata": 5}, {"metadata": {}, "status": "INACTIVE"},
                                  {"metadata": {}, "customer_id": "cust_a"}])
def test_update_takes_only_metadata_as_an_object_or_null(stack: Stack, world: dict[str, Any], body: dict[str, Any]) -> None:
    error_of(stack, 400, "invalid_payload", "update_program_member", "PUT", member(world), body)


@pytest.mark.parametrize("raw", ["{bad json", "", "42"])
def test_update_refuses_malformed_bodies(stack: Stack, world: dict[str, Any], raw: str) -> None:
    error_of(stack, 400, "invalid_payload", "update_program_member", "PUT", member(world), raw_body=raw)


def test_update_refuses_metadata_that_cannot_be_stored(stack: Stack, world: dict[str, Any]) -> None:
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(20):
        node["k"] = {}
        node = node["k"]
    error_of(stack, 400, "invalid_payload", "update_program_member", "PUT", member(world), {"metadata": deep})
    error_of(stack, 400, "invalid_payload", "update_program_member", "PUT", member(world), {"metadata": {"blob": "x" * 450_000}})


# ---------------------------------------------------------------------------------------------- unknown or malformed ids
ID_ROUTES = [("update_program_member", "PUT", "", {"metadata": {}}), ("delete_program_member", "DELETE", "", None),
             ("activate_program_member", "POST", "/activate", None), ("deactivate_program_member", "POST", "/deactivate", None),
             ("list_program_member_activities", "GET", "/activities", None)]


@pytest.mark.parametrize(("name", "method", "suffix", "body"), ID_ROUTES)
@pytest.mark.parametrize(("member_id", "program_id", "resource"), [
    (UNKNOWN["member"], None, "member"), ("lmbr_XYZ", None, "member"), ("lcrd_0a", None, "member"), ("inactive", "draft", None),
    (None, UNKNOWN["program"], None), (None, "lprg_XYZ", "program")])
def test_unknown_or_foreign_ids_are_404(stack: Stack, world: dict[str, Any], name: str, method: str, suffix: str, body: Any,
                                        member_id: str | None, program_id: str | None, resource: str | None) -> None:
    path = member(world, world.get(member_id or "", member_id), world.get(program_id or "", program_id)) + suffix
    resp = error_of(stack, 404, "not_found", name, method, path, body)
    if resource:
        assert resp["resource_type"] == resource


@pytest.mark.parametrize(("card_id", "member_id"), [(UNKNOWN["card"], None), ("lcrd_XYZ", None), ("card", "inactive")])
def test_card_activities_of_an_unknown_or_foreign_card_are_404(stack: Stack, world: dict[str, Any], card_id: str, member_id: str | None) -> None:
    path = member(world, world.get(member_id or "", member_id)) + f"/cards/{world.get(card_id, card_id)}/activities"
    assert error_of(stack, 404, "not_found", "list_card_activities", "GET", path)["resource_type"] == "card"


# ---------------------------------------------------------------------------------------------- wrong states
def test_invalid_transitions_are_400(stack: Stack, world: dict[str, Any]) -> None:
    resp = error_of(stack, 400, "invalid_state_transition", "activate_program_member", "POST", member(world) + "/activate")
    assert (resp["resource_type"], resp["resource_id"]) == ("member", world["member"])
    error_of(stack, 400, "invalid_state_transition", "deactivate_program_member", "POST", member(world, world["inactive"]) + "/deactivate")


def test_an_inactive_member_neither_earns_nor_spends(stack: Stack, world: dict[str, Any]) -> None:
    _, inactive = stack.call("get_program_member", "GET", member(world, world["inactive"]))
    card = inactive["cards"][0]["card"]["id"]
    error_of(stack, 423, "non_active_member", "adjust_card_points", "POST", member(world, world["inactive"]) + f"/cards/{card}/points",
             {"points": 10})
    error_of(stack, 423, "non_active_member", "purchase_member_reward", "POST", member(world, world["inactive"]) + "/rewards/purchases",
             {"reward_id": world["reward"]})


# ---------------------------------------------------------------------------------------------- lists and memberships
@pytest.mark.parametrize(("name", "suffix"), [("list_program_members", "members"), ("list_program_member_activities", "activities")])
@pytest.mark.parametrize("query", [{"limit": "101"}, {"order": "-updated_at"}, {"filters[status][conditions][$contains]": "A"},
                                   {"filters[created_at][conditions][$before]": "yesterday"}, {"cursor": "lcrsmbr_00ff"}, {"x": "1"}])
def test_list_parameters_they_do_not_declare_are_400(stack: Stack, world: dict[str, Any], name: str, suffix: str, query: dict[str, str]) -> None:
    path = f"{BASE}/programs/{world['program']}/members" if suffix == "members" else member(world) + "/activities"
    status, body = stack.call(name, "GET", path, query=query)
    assert status == 400 and body["key"] in ("invalid_query_params", "invalid_or_expired_cursor"), body


@pytest.mark.parametrize("name", ["get_customer_memberships", "get_program_membership"])
@pytest.mark.parametrize("kind", ["email", "CUSTOMER_ID", "", "CARD_CODE", "code"])
def test_memberships_take_only_the_four_identification_types(stack: Stack, world: dict[str, Any], name: str, kind: str) -> None:
    path = (f"/v2/loyalties/memberships/{world['customer']}" if name == "get_customer_memberships"
            else f"{BASE}/programs/{world['program']}/memberships/{world['customer']}")
    error_of(stack, 400, "invalid_query_params", name, "GET", path, query={"identification_type": kind})


@pytest.mark.parametrize("name", ["get_customer_memberships", "get_program_membership"])
@pytest.mark.parametrize(("ref", "code"), [("C" * 101, "C" * 101), ("%43" * 101, "C" * 101), ("%20", " "), ("%25", "%"),
                                            ("%00", "\x00"), ("%E2%82%AC" * 100, "\u20ac" * 100)])
def test_a_card_code_too_long_or_of_no_card_is_404_member(stack: Stack, world: dict[str, Any], name: str, ref: str, code: str) -> None:
    # identification_type=card_code (ours): the path value, URL-decoded, is a card's code of at most 100 characters
    path = f"/v2/loyalties/memberships/{ref}" if name == "get_customer_memberships" else f"{BASE}/programs/{world['program']}/memberships/{ref}"
    body = error_of(stack, 404, "not_found", name, "GET", path, query={"identification_type": "card_code"})
    assert (body["resource_type"], body["resource_id"]) == ("member", code)


@pytest.mark.parametrize("name", ["get_customer_memberships", "get_program_membership"])
@pytest.mark.parametrize("field", ["member", "customer", "card"])
def test_an_id_given_as_a_card_code_is_404_member(stack: Stack, world: dict[str, Any], name: str, field: str) -> None:
    ref = world[field]
    path = f"/v2/loyalties/memberships/{ref}" if name == "get_customer_memberships" else f"{BASE}/programs/{world['program']}/memberships/{ref}"
    body = error_of(stack, 404, "not_found", name, "GET", path, query={"identification_type": "card_code"})
    assert (body["resource_type"], body["resource_id"]) == ("member", ref)


def test_async_actions_of_unknown_ids_are_404(stack: Stack, world: dict[str, Any]) -> None:
    for action in ("aa_00000000000000000a", "aa_XYZ", world["program"]):
        assert error_of(stack, 404, "not_found", "get_async_action", "GET", f"/v1/async-actions/{action}")["resource_type"] == "async_action"


# ---------------------------------------------------------------------------------------------- credentials
NEW_ROUTES = [("list_program_members", "GET", lambda w: f"{BASE}/programs/{w['program']}/members"),
              ("batch_create_program_members", "POST", batch),
              ("update_program_member", "PUT", member), ("delete_program_member", "DELETE", member),
              ("activate_program_member", "POST", lambda w: member(w, w["inactive"]) + "/activate"),
              ("deactivate_program_member", "POST", lambda w: member(w) + "/deactivate"),
              ("get_customer_memberships", "GET", lambda w: f"/v2/loyalties/memberships/{w['customer']}"),
              ("get_program_membership", "GET", lambda w: f"{BASE}/programs/{w['program']}/memberships/{w['customer']}"),
              ("list_program_member_activities", "GET", lambda w: member(w) + "/activities"),
              ("list_card_activities", "GET", lambda w: member(w) + f"/cards/{w['card']}/activities"),
              ("get_async_action", "GET", lambda w: f"/v1/async-actions/{w['action']}")]


@pytest.mark.parametrize(("name", "method", "path"), NEW_ROUTES)
@pytest.mark.parametrize("headers", [{}, {"X-App-Id": "acme.000000000000", "X-App-Token": "acme.000000000000.nope"},
                                     {"Authorization": "Bearer nope"}])
def test_missing_or_wrong_credentials_are_401(stack: Stack, world: dict[str, Any], name: str, method: str, path: Any,
                                              headers: dict[str, str]) -> None:
    body = [{"customer_id": world["customer"]}] if name.startswith("batch") else {"metadata": {}} if method == "PUT" else None
    error_of(stack, 401, "unauthorized", name, method, path(world), body, headers=headers)
