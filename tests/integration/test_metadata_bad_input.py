"""One metadata policy for v1 and v2 (core.fields.Metadata), on every route that takes metadata: at most 32 KB of JSON,
nested at most 16 levels, no empty keys, valid Unicode text (no lone UTF-16 surrogates), integers within +/-(2^53-1) and
numbers DynamoDB can store. Anything else is 400 `invalid_payload` with a sentence naming the property, and nothing
written; metadata at the limits is stored and read back."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from loyalty.core.fields import MAX_METADATA_BYTES, MAX_METADATA_DEPTH, MAX_SAFE_INT
from tests.integration.conftest import Stack
from tests.integration.test_v2_journey import BASE, make_components, make_customer, make_member, make_program

CDEF = "lcdef_00000000000000000a"
PROGRAM, MEMBER, TS, TIER = "lprg_00000000000000000a", "lmbr_00000000000000000a", "lts_00000000000000000a", "lt_00000000000000000a"
RULE_BODY = {"name": "r", "trigger": {"event": "customer.order.paid"},
             "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": CDEF}}]}]}
REWARD_BODY = {"name": "r", "type": "MATERIAL", "material": {"type": "PRODUCT", "product": {"id": "prod_0a"}},
               "costs": [{"spending": [{"points": 100, "card_definition_id": CDEF}]}]}
TS_BODY = {"name": "levels", "type": "POINT_BALANCE", "point_balance": {"card_definition_id": CDEF}}
TIER_BODY = {"name": "Gold", "qualification_rules": {"type": "POINTS", "points": {"min_value": 0}}}
CAMPAIGN_BODY = {"name": "camp", "type": "AUTO_UPDATE", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}}

# Every request property that is metadata: (function, method, path, body with the metadata `m`, where it sits)
Body = Callable[[Any], Any]
ROUTES: list[tuple[str, str, str, Body, str]] = [
    ("create_program", "POST", f"{BASE}/programs", lambda m: {"name": "p", "metadata": m}, "metadata"),
    ("update_program", "PUT", f"{BASE}/programs/{PROGRAM}", lambda m: {"metadata": m}, "metadata"),
    ("create_card_definition", "POST", f"{BASE}/card-definitions", lambda m: {"name": "w", "type": "INDIVIDUAL", "metadata": m},
     "metadata"),
    ("update_card_definition", "PUT", f"{BASE}/card-definitions/{CDEF}", lambda m: {"metadata": m}, "metadata"),
    ("create_earning_rule", "POST", f"{BASE}/earning-rules", lambda m: {**RULE_BODY, "metadata": m}, "metadata"),
    ("update_earning_rule", "PUT", f"{BASE}/earning-rules/lern_00000000000000000a", lambda m: {"metadata": m}, "metadata"),
    ("create_reward", "POST", f"{BASE}/rewards", lambda m: {**REWARD_BODY, "metadata": m}, "metadata"),
    ("update_reward", "PUT", f"{BASE}/rewards/lrew_00000000000000000a", lambda m: {"metadata": m}, "metadata"),
    ("create_tier_structure", "POST", f"{BASE}/tier-structures", lambda m: {**TS_BODY, "metadata": m}, "metadata"),
    ("update_tier_structure", "PUT", f"{BASE}/tier-structures/{TS}", lambda m: {"metadata": m}, "metadata"),
    ("create_tier", "POST", f"{BASE}/tier-structures/{TS}/tiers", lambda m: {**TIER_BODY, "metadata": m}, "metadata"),
    ("update_tier", "PUT", f"{BASE}/tier-structures/{TS}/tiers/{TIER}", lambda m: {"metadata": m}, "metadata"),
    ("create_program_member", "POST", f"{BASE}/programs/{PROGRAM}/members", lambda m: {"customer_id": "cust_a", "metadata": m},
     "metadata"),
    ("update_program_member", "PUT", f"{BASE}/programs/{PROGRAM}/members/{MEMBER}", lambda m: {"metadata": m}, "metadata"),
    ("create_customer", "POST", "/v1/customers", lambda m: {"source_id": "s", "metadata": m}, "metadata"),
    ("create_loyalty_program_v1", "POST", "/v1/loyalties", lambda m: {**CAMPAIGN_BODY, "metadata": m}, "metadata"),
    ("add_member_v1", "POST", "/v1/loyalties/camp_000000000000000000000a/members", lambda m: {"customer": "cust_a", "metadata": m},
     "metadata"),
    ("add_member_v1", "POST", "/v1/loyalties/camp_000000000000000000000a/members",
     lambda m: {"customer": {"source_id": "s", "metadata": m}}, "customer.metadata"),
]


def nested(levels: int) -> dict[str, Any]:
    """An object `levels` objects deep: {"a": {"a": ... {"a": 1}}}."""
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


# (shape, metadata, the end of the details after "Property '<where>")
BAD: dict[str, tuple[Any, str]] = {
    "over 32 KB": ({"blob": "x" * MAX_METADATA_BYTES}, "' must not be larger than 32 KB as JSON"),
    "over 32 KB in many keys": ({f"k{i}": "x" * 100 for i in range(400)}, "' must not be larger than 32 KB as JSON"),
    "17 levels": (nested(MAX_METADATA_DEPTH + 1), "' must not be nested more than 16 levels deep"),
    "33 levels": (nested(33), "' must not be nested more than 16 levels deep"),
    "17 levels of arrays": ({"a": json.loads("[" * 16 + "]" * 16)}, "' must not be nested more than 16 levels deep"),
    "an empty key": ({"": 1}, "' must not have an empty key"),
    "a nested empty key": ({"a": {"b": [{"": 1}]}}, ".a.b.0' must not have an empty key"),
    "a surrogate in a key": ({"\ud800": 1}, "' must not have a key that is not valid Unicode text"),
    "a surrogate in a value": ({"a": {"b": "x\udfff"}}, ".a.b' must be valid Unicode text"),
    "an integer beyond 2^53-1": ({"a": MAX_SAFE_INT + 1}, ".a' must be an integer between -9007199254740991 and 9007199254740991"),
    "a number DynamoDB cannot store": ({"a": [1e-200]}, ".a.0' must be a finite number"),
}


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    """The refusals share one stack (each proves that nothing changes)."""
    return module_stack


@pytest.mark.parametrize("shape", BAD.values(), ids=BAD.keys())
@pytest.mark.parametrize(("name", "method", "path", "body", "where"), ROUTES, ids=[f"{r[0]}:{r[4]}" for r in ROUTES])
def test_metadata_outside_the_policy_is_400(stack: Stack, name: str, method: str, path: str, body: Body, where: str,
                                            shape: tuple[Any, str]) -> None:
    metadata, ending = shape
    before = stack.items()
    status, error = stack.call(name, method, path, body(metadata))
    assert (status, error.get("key")) == (400, "invalid_payload"), error
    assert set(error) >= {"code", "key", "message", "details", "request_id"} and error["code"] == 400
    assert error["details"].startswith(f"Property '{where}{ending}"), error["details"]
    assert stack.items() == before, "a refused request must not write anything"


def at_the_limits() -> dict[str, Any]:
    """Metadata every rule of the policy allows, at its limits (16 levels, 2^53-1, DynamoDB's number range, 32 KB)."""
    metadata: dict[str, Any] = {"deep": nested(MAX_METADATA_DEPTH - 1), "int": -MAX_SAFE_INT, "small": 1e-130, "large": 9.9e125,
                                "emoji": "\U0001F600", "zero": 0.0, "list": [[1, "a"], {"b": None}], "blob": ""}
    size = len(json.dumps(metadata, separators=(",", ":"), ensure_ascii=False).encode())
    metadata["blob"] = "x" * (MAX_METADATA_BYTES - size)
    return metadata


@pytest.mark.parametrize(("name", "path", "body"), [
    ("create_program", f"{BASE}/programs", lambda w, m: {"name": "p", "metadata": m}),
    ("create_card_definition", f"{BASE}/card-definitions", lambda w, m: {"name": "w", "type": "INDIVIDUAL", "metadata": m}),
    ("create_earning_rule", f"{BASE}/earning-rules",
     lambda w, m: json.loads(json.dumps({**RULE_BODY, "metadata": m}).replace(CDEF, w["cdef"]))),
    ("create_reward", f"{BASE}/rewards", lambda w, m: json.loads(json.dumps({**REWARD_BODY, "metadata": m}).replace(CDEF, w["cdef"]))),
    ("create_tier_structure", f"{BASE}/tier-structures",
     lambda w, m: json.loads(json.dumps({**TS_BODY, "metadata": m}).replace(CDEF, w["cdef"]))),
    ("create_customer", "/v1/customers", lambda w, m: {"source_id": "limits", "metadata": m}),
    ("create_loyalty_program_v1", "/v1/loyalties", lambda w, m: {**CAMPAIGN_BODY, "metadata": m}),
])
def test_metadata_at_the_limits_is_stored_and_read_back(stack: Stack, name: str, path: str, body: Callable[[Any, Any], Any]) -> None:
    world = make_components(stack)
    metadata = at_the_limits()
    status, created = stack.call(name, "POST", path, body(world, metadata))
    assert status == 200, created
    assert created["metadata"] == metadata


def test_a_member_update_whose_merged_metadata_is_too_large_is_400_and_changes_nothing(stack: Stack) -> None:
    program = make_program(stack, make_components(stack))
    member = make_member(stack, program["id"], make_customer(stack, "merge-1"))
    path = f"{BASE}/programs/{program['id']}/members/{member['id']}"
    half = "x" * (MAX_METADATA_BYTES // 2)
    status, body = stack.call("update_program_member", "PUT", path, {"metadata": {"a": half}})
    assert status == 200 and body["metadata"] == {"a": half}
    before = stack.items()
    # each part fits; merged key by key they do not
    status, error = stack.call("update_program_member", "PUT", path, {"metadata": {"b": half}})
    assert (status, error["key"]) == (400, "invalid_payload"), error
    assert error["details"].startswith("Property 'metadata', merged into the member's, must not be larger than 32 KB"), error
    assert stack.items() == before
    # replacing the key that was there keeps it within the limit
    status, body = stack.call("update_program_member", "PUT", path, {"metadata": {"a": None, "b": half}})
    assert status == 200 and body["metadata"] == {"b": half}
