"""Bad input on every v2 endpoint: the documented 4xx with Voucherify's error body, and nothing written."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests import support
from tests.integration.conftest import Stack, error_of
from tests.integration.test_v2_journey import BASE, credit, make_components, make_customer, make_member, make_program

UNKNOWN = {"program": "lprg_00000000000000000a", "member": "lmbr_00000000000000000a", "card": "lcrd_00000000000000000a",
           "reward": "lrew_00000000000000000a", "cdef": "lcdef_00000000000000000a", "rule": "lern_00000000000000000a"}


def build_world(stack: Stack) -> dict[str, Any]:
    """Given an ACTIVE program (stock 1) with a member whose card holds 50 points, and the worker idle."""
    ids = make_components(stack, cost=100)
    program = make_program(stack, ids, stock=1)
    member = make_member(stack, program["id"], make_customer(stack))
    card = member["cards"][0]["card"]["id"]
    credit(stack, program["id"], member["id"], card, 50)
    stack.drain()
    return {**ids, "program": program["id"], "member": member["id"], "card": card}


@pytest.fixture(scope="module")
def world(module_stack: Stack) -> dict[str, Any]:
    """One world for every test of this module: they only read, or prove that nothing was written."""
    return build_world(module_stack)


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    """This module's tests all run against the shared stack."""
    return module_stack


def paths(w: dict[str, Any]) -> dict[str, str]:
    m = f"{BASE}/programs/{w['program']}/members/{w['member']}"
    return {"points": f"{m}/cards/{w['card']}/points", "purchase": f"{m}/rewards/purchases", "member": m,
            "members": f"{BASE}/programs/{w['program']}/members", "txs": f"{m}/cards/{w['card']}/transactions",
            "benefits": f"{m}/benefits/transactions"}


POST_ENDPOINTS = [
    ("create_program", lambda w: f"{BASE}/programs"),
    ("create_card_definition", lambda w: f"{BASE}/card-definitions"),
    ("create_earning_rule", lambda w: f"{BASE}/earning-rules"),
    ("create_reward", lambda w: f"{BASE}/rewards"),
    ("create_program_member", lambda w: paths(w)["members"]),
    ("adjust_card_points", lambda w: paths(w)["points"]),
    ("purchase_member_reward", lambda w: paths(w)["purchase"]),
]


@pytest.mark.parametrize(("name", "path"), POST_ENDPOINTS)
@pytest.mark.parametrize("raw", ["{bad json", "[]", "42", '"text"', ""])
def test_malformed_or_non_object_bodies_are_400(stack: Stack, world: dict[str, Any], name: str, path: Any, raw: str) -> None:
    error_of(stack, 400, "invalid_payload", name, "POST", path(world), raw_body=raw)


@pytest.mark.parametrize(("name", "path"), POST_ENDPOINTS)
def test_unknown_fields_are_400(stack: Stack, world: dict[str, Any], name: str, path: Any) -> None:
    resp = error_of(stack, 400, "invalid_payload", name, "POST", path(world), {"unexpected_field": 1})
    assert resp["message"] == "Invalid payload"


@pytest.mark.parametrize(("name", "method", "path"), [(n, "POST", p) for n, p in POST_ENDPOINTS] + [
    ("get_program", "GET", lambda w: f"{BASE}/programs/{w['program']}"),
    ("get_program_member", "GET", lambda w: paths(w)["member"]),
    ("list_card_transactions", "GET", lambda w: paths(w)["txs"]),
    ("list_member_reward_purchases", "GET", lambda w: paths(w)["purchase"]),
    ("list_member_benefit_transactions", "GET", lambda w: paths(w)["benefits"]),
    ("get_card_definition", "GET", lambda w: f"{BASE}/card-definitions/{w['cdef']}"),
    ("get_earning_rule", "GET", lambda w: f"{BASE}/earning-rules/{w['rule']}"),
    ("get_reward", "GET", lambda w: f"{BASE}/rewards/{w['reward']}"),
])
@pytest.mark.parametrize("headers", [{}, {"X-App-Id": "acme.000000000000", "X-App-Token": "acme.000000000000.nope"},
                                     {"Authorization": "Bearer nope"}])
def test_missing_or_wrong_credentials_are_401(stack: Stack, world: dict[str, Any], name: str, method: str, path: Any,
                                              headers: dict[str, str]) -> None:
    error_of(stack, 401, "unauthorized", name, method, path(world), {"points": 1} if method == "POST" else None, headers=headers)


@pytest.mark.parametrize(("name", "body"), [
    ("create_program", {}),
    ("create_program", {"name": ""}),
    ("create_program", {"name": "x" * 201}),
    ("create_program", {"name": 5}),
    ("create_program", {"name": "p", "status": "INACTIVE"}),
    ("create_program", {"name": "p", "card_definitions": []}),
    ("create_program", {"name": "p", "card_definitions": [{"id": "lcdef_0a"}] * 2}),
    ("create_program", {"name": "p", "card_definitions": [{"id": f"lcdef_0{i:x}"} for i in range(11)]}),
    ("create_program", {"name": "p", "card_definitions": [{"id": "lern_0a"}]}),
    ("create_program", {"name": "p", "tier_structures": [{"id": "lts_0a"}, {"id": "lts_0b"}]}),
    ("create_program", {"name": "p", "rewards": [{"id": "lrew_0a", "stock": -1}]}),
    ("create_program", {"name": "p", "rewards": [{"id": "lrew_0a", "stock": "5"}]}),
    ("create_program", {"name": "p", "rewards": [{"id": "lrew_0a", "stock": {"type": "LIMITED"}}]}),
    ("create_program", {"name": "p", "rewards": [{"id": "lrew_0a", "stock": {"type": "UNLIMITED", "limited": {"quantity": 1}}}]}),
    ("create_program", {"name": "p", "start_date": "yesterday"}),
    ("create_program", {"name": "p", "metadata": []}),
    ("create_card_definition", {"name": "x"}),
    ("create_card_definition", {"name": "x", "type": "SHARED"}),
    ("create_earning_rule", {"name": "x", "trigger": {"event": "customer.order.paid"}}),
    ("create_reward", {"name": "x", "type": "MATERIAL", "costs": []}),
    ("create_program_member", {}),
    ("create_program_member", {"customer_id": "user_1"}),
    ("create_program_member", {"customer_id": "cust_a", "customer_identification": {"type": "customer_id", "customer_id": "cust_a"}}),
    ("create_program_member", {"customer_identification": {"type": "customer_source_id"}}),
    ("create_program_member", {"customer_id": "cust_a", "status": "DELETED"}),
    ("adjust_card_points", {}),
    ("adjust_card_points", {"points": "10"}),
    ("adjust_card_points", {"points": 1.5}),
    ("adjust_card_points", {"points": True}),
    ("adjust_card_points", {"points": 9007199254740992}),
    ("adjust_card_points", {"points": 1, "reason": "x" * 256}),
    ("purchase_member_reward", {}),
    ("purchase_member_reward", {"reward_id": 5}),
    ("purchase_member_reward", {"reward_id": "lrew_0a", "mode": "LIVE"}),
])
def test_invalid_bodies_are_400(stack: Stack, world: dict[str, Any], name: str, body: dict[str, Any]) -> None:
    path = dict(POST_ENDPOINTS)[name](world)
    error_of(stack, 400, "invalid_payload", name, "POST", path, body)


@pytest.mark.parametrize(("name", "method", "make_path", "body", "resource"), [
    ("get_program", "GET", lambda w: f"{BASE}/programs/{UNKNOWN['program']}", None, "program"),
    ("get_program", "GET", lambda w: f"{BASE}/programs/prg_123", None, "program"),
    ("get_card_definition", "GET", lambda w: f"{BASE}/card-definitions/{UNKNOWN['cdef']}", None, "card_definition"),
    ("get_earning_rule", "GET", lambda w: f"{BASE}/earning-rules/{UNKNOWN['rule']}", None, "earning_rule"),
    ("get_reward", "GET", lambda w: f"{BASE}/rewards/{w['cdef']}", None, "reward"),
    ("get_program_member", "GET", lambda w: f"{BASE}/programs/{w['program']}/members/{UNKNOWN['member']}", None, "member"),
    ("get_program_member", "GET", lambda w: f"{BASE}/programs/{UNKNOWN['program']}/members/{w['member']}", None, "member"),
    ("create_program_member", "POST", lambda w: f"{BASE}/programs/{UNKNOWN['program']}/members", {"customer_id": "cust_x"}, "program"),
    ("create_program_member", "POST", lambda w: paths(w)["members"], {"customer_id": "cust_unknown"}, "customer"),
    ("create_program_member", "POST", lambda w: paths(w)["members"],
     {"customer_identification": {"type": "customer_source_id", "customer_source_id": "nobody"}}, "customer"),
    ("adjust_card_points", "POST", lambda w: paths(w)["points"].replace(w["card"], UNKNOWN["card"]), {"points": 5}, "card"),
    ("adjust_card_points", "POST", lambda w: paths(w)["points"].replace(w["member"], UNKNOWN["member"]), {"points": 5}, "member"),
    ("purchase_member_reward", "POST", lambda w: paths(w)["purchase"], {"reward_id": UNKNOWN["reward"]}, "reward"),
    ("purchase_member_reward", "POST", lambda w: paths(w)["purchase"], {"reward_id": "reward-1"}, "reward"),
    ("list_card_transactions", "GET", lambda w: paths(w)["txs"].replace(w["card"], UNKNOWN["card"]), None, "card"),
    ("list_member_reward_purchases", "GET", lambda w: paths(w)["purchase"].replace(w["member"], UNKNOWN["member"]), None, "member"),
    ("list_member_benefit_transactions", "GET", lambda w: paths(w)["benefits"].replace(w["member"], UNKNOWN["member"]), None, "member"),
    ("create_program", "POST", lambda w: f"{BASE}/programs", {"name": "p", "card_definitions": [{"id": UNKNOWN["cdef"]}]},
     "card_definition"),
    ("create_program", "POST", lambda w: f"{BASE}/programs", {"name": "p", "tier_structures": [{"id": "lts_0a"}]}, "tier_structure"),
    ("create_reward", "POST", lambda w: f"{BASE}/rewards", {"name": "r", "type": "MATERIAL",
     "material": {"type": "PRODUCT", "product": {"id": "prod_0a"}},
     "costs": [{"spending": [{"points": 5, "card_definition_id": UNKNOWN["cdef"]}]}]}, "card_definition"),
])
def test_unknown_or_malformed_ids_are_404(stack: Stack, world: dict[str, Any], name: str, method: str, make_path: Any,
                                          body: Any, resource: str) -> None:
    resp = error_of(stack, 404, "not_found", name, method, make_path(world), body)
    assert resp["resource_type"] == resource


LISTS = {"list_card_transactions": ("txs", "lcrsctx_"), "list_member_reward_purchases": ("purchase", "lcrstrx_"),
         "list_member_benefit_transactions": ("benefits", "lcrsbtx_")}


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"limit": "ten"}, {"order": "name"},
                                   {"filters[benefit_id][conditions][$is]": "lrew_0a"}])
@pytest.mark.parametrize("name", list(LISTS))
def test_bad_list_parameters_are_400(stack: Stack, world: dict[str, Any], name: str, query: dict[str, str]) -> None:
    if "filters[benefit_id][conditions][$is]" in query and name != "list_member_benefit_transactions":
        return
    error_of(stack, 400, "invalid_query_params", name, "GET", paths(world)[LISTS[name][0]], query=query)


@pytest.mark.parametrize("name", list(LISTS))
def test_forged_cursors_are_400(stack: Stack, world: dict[str, Any], name: str) -> None:
    path, prefix = LISTS[name]
    error_of(stack, 400, "invalid_or_expired_cursor", name, "GET", paths(world)[path], query={"cursor": prefix + "00" * 40})


def test_zero_points_is_no_change_and_writes_nothing(stack: Stack, world: dict[str, Any]) -> None:
    before = stack.items()
    status, body = stack.call("adjust_card_points", "POST", paths(world)["points"], {"points": 0})
    assert status == 200
    assert body == {"transaction": None, "status": "NO_CHANGE", "message": "Provided amount is zero, transaction was not created"}
    assert stack.items() == before


def test_other_projects_see_nothing(stack: Stack, world: dict[str, Any]) -> None:
    other = stack.other_headers
    p = paths(world)
    for name, method, path, body in [
        ("get_program", "GET", f"{BASE}/programs/{world['program']}", None),
        ("get_program_member", "GET", p["member"], None),
        ("get_reward", "GET", f"{BASE}/rewards/{world['reward']}", None),
        ("get_card_definition", "GET", f"{BASE}/card-definitions/{world['cdef']}", None),
        ("list_card_transactions", "GET", p["txs"], None),
        ("adjust_card_points", "POST", p["points"], {"points": 5}),
        ("purchase_member_reward", "POST", p["purchase"], {"reward_id": world["reward"]}),
    ]:
        error_of(stack, 404, "not_found", name, method, path, body, headers=other)


@pytest.mark.parametrize("raw", ['{"name": "p", "metadata": {"x": NaN}}', '{"name": "p", "metadata": {"x": 1e999}}',
                                 '{"name": "p", "metadata": {"x": [1e-200]}}',
                                 '{"name": "p", "metadata": {"x": 1234567890123456789012345678901234567890}}'])
def test_numbers_dynamodb_cannot_store_are_400(stack: Stack, world: dict[str, Any], raw: str) -> None:
    error_of(stack, 400, "invalid_payload", "create_program", "POST", f"{BASE}/programs", raw_body=raw)


def test_base64_bodies_are_decoded_and_bad_base64_is_400(stack: Stack, world: dict[str, Any]) -> None:
    # API Gateway base64-encodes bodies whose content type it does not take for text
    good = support.http_event("POST", f"{BASE}/programs", headers=stack.headers,
                              raw_body=base64.b64encode(b'{"name": "b64"}').decode())
    good["isBase64Encoded"] = True
    assert support.invoke("create_program", good)["statusCode"] == 200
    before = stack.items()
    bad = support.http_event("POST", f"{BASE}/programs", headers=stack.headers, raw_body="%%% not base64")
    bad["isBase64Encoded"] = True
    resp = support.invoke("create_program", bad)
    assert resp["statusCode"] == 400 and json.loads(resp["body"])["key"] == "invalid_payload"
    assert stack.items() == before
