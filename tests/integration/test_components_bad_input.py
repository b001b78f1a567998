"""Bad input on the component endpoints (card definitions, earning rules, rewards): malformed JSON, unknown fields, wrong
types, wrong states, unknown or malformed ids, bad list parameters, oversized bodies and missing keys answer the documented
4xx with Voucherify's error body, and write nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bench.calls import CallRecorder
from loyalty.db import clients
from tests.integration.conftest import Stack
from tests.integration.test_components import CDEFS, REWARDS, RULES, new_cdef, new_reward, new_rule
from tests.integration.test_v2_journey import make_components, make_program

UNKNOWN = {"cdef": "lcdef_00000000000000000a", "rule": "lern_00000000000000000a", "reward": "lrew_00000000000000000a"}
RESOURCE = {"cdef": "card_definition", "rule": "earning_rule", "reward": "reward"}
BASES = {"cdef": CDEFS, "rule": RULES, "reward": REWARDS}


@pytest.fixture(scope="module")
def world(module_stack: Stack) -> dict[str, Any]:
    """Given components in use by an ACTIVE program (all ACTIVE), and unassigned ones: a DRAFT and an ACTIVE card
    definition, a DRAFT, an ACTIVE and an INACTIVE earning rule and reward, and a deleted one of each kind."""
    stack = module_stack
    used = make_components(stack)
    make_program(stack, used)
    draft_cdef, active_cdef = new_cdef(stack, "draft"), new_cdef(stack, "active", status="ACTIVE")
    cdef = active_cdef["id"]
    rules = {s: new_rule(stack, cdef, s, status="ACTIVE" if s != "DRAFT" else "DRAFT") for s in ("DRAFT", "ACTIVE", "INACTIVE")}
    rewards = {s: new_reward(stack, cdef, s, status="ACTIVE" if s != "DRAFT" else "DRAFT") for s in ("DRAFT", "ACTIVE", "INACTIVE")}
    for path in (f"{RULES}/{rules['INACTIVE']['id']}", f"{REWARDS}/{rewards['INACTIVE']['id']}"):
        name = "deactivate_earning_rule" if path.startswith(RULES) else "deactivate_reward"
        assert stack.call(name, "POST", f"{path}/deactivate")[0] == 200
    deleted = {"cdef": new_cdef(stack, "gone")["id"], "rule": new_rule(stack, cdef, "gone")["id"],
               "reward": new_reward(stack, cdef, "gone")["id"]}
    for kind, item_id in deleted.items():
        name = {"cdef": "delete_card_definition", "rule": "delete_earning_rule", "reward": "delete_reward"}[kind]
        assert stack.call(name, "DELETE", f"{BASES[kind]}/{item_id}")[0] == 200
    return {"items": stack.items(), "used": used, "cdef": {"DRAFT": draft_cdef["id"], "ACTIVE": cdef},
            "rule": {s: r["id"] for s, r in rules.items()}, "reward": {s: r["id"] for s, r in rewards.items()}, "deleted": deleted}


def error_of(stack: Stack, status: int, key: str, name: str, method: str, path: str, body: Any = None, **kw: Any) -> dict[str, Any]:
    """The request answers `status`/`key` with Voucherify's error body, and makes no write call at all (the handlers' own
    DynamoDB client is watched; a scan of this module's table per request would cost about a second on moto, so the
    table itself is compared once, by the last test of the module)."""
    recorder = CallRecorder().attach(clients.dynamodb())
    try:
        with recorder.record() as tally:
            got, resp = stack.call(name, method, path, body, **kw)
    finally:
        recorder.detach()
    assert (got, resp.get("key")) == (status, key), resp
    assert set(resp) >= {"code", "key", "message", "details", "request_id"} and resp["code"] == status
    assert tally.count("writes") == tally.count("transactions") == 0, f"a refused request wrote: {tally.describe()}"
    return resp


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    """Every test of this module runs against the shared stack: each one only proves that nothing changes."""
    return module_stack


PUTS: list[tuple[str, str, Callable[[dict[str, Any]], str]]] = [
    ("update_card_definition", "cdef", lambda w: f"{CDEFS}/{w['cdef']['DRAFT']}"),
    ("update_earning_rule", "rule", lambda w: f"{RULES}/{w['rule']['DRAFT']}"),
    ("update_reward", "reward", lambda w: f"{REWARDS}/{w['reward']['DRAFT']}"),
]

# Every route naming a component, with a body that would be accepted.
ID_ROUTES: list[tuple[str, str, str, str, Any]] = [
    ("update_card_definition", "PUT", "cdef", "", {"name": "x"}),
    ("delete_card_definition", "DELETE", "cdef", "", None),
    ("activate_card_definition", "POST", "cdef", "/activate", None),
    ("draft_card_definition", "POST", "cdef", "/draft", None),
    ("list_card_definition_activities", "GET", "cdef", "/activities", None),
    ("update_earning_rule", "PUT", "rule", "", {"name": "x"}),
    ("delete_earning_rule", "DELETE", "rule", "", None),
    ("activate_earning_rule", "POST", "rule", "/activate", None),
    ("deactivate_earning_rule", "POST", "rule", "/deactivate", None),
    ("draft_earning_rule", "POST", "rule", "/draft", None),
    ("list_earning_rule_activities", "GET", "rule", "/activities", None),
    ("update_reward", "PUT", "reward", "", {"name": "x"}),
    ("delete_reward", "DELETE", "reward", "", None),
    ("activate_reward", "POST", "reward", "/activate", None),
    ("deactivate_reward", "POST", "reward", "/deactivate", None),
    ("draft_reward", "POST", "reward", "/draft", None),
    ("list_reward_activities", "GET", "reward", "/activities", None),
]
LISTS = [("list_card_definitions", CDEFS, "lcrscdef_"), ("list_earning_rules", RULES, "lcrsern_"), ("list_rewards", REWARDS, "lcrsrew_")]


@pytest.mark.parametrize(("name", "kind", "path"), PUTS)
@pytest.mark.parametrize("raw", ["{bad json", "[]", "[{}]", "42", '"text"', "null", ""])
def test_malformed_or_non_object_bodies_are_400(stack: Stack, world: dict[str, Any], name: str, kind: str, path: Any, raw: str) -> None:
    error_of(stack, 400, "invalid_payload", name, "PUT", path(world), raw_body=raw)


@pytest.mark.parametrize(("name", "kind", "path"), PUTS)
@pytest.mark.parametrize("field", ["unexpected_field", "status", "id", "object", "created_at"])
def test_unknown_and_read_only_fields_are_400(stack: Stack, world: dict[str, Any], name: str, kind: str, path: Any, field: str) -> None:
    resp = error_of(stack, 400, "invalid_payload", name, "PUT", path(world), {field: "DRAFT"})
    assert resp["message"] == "Invalid payload" and field in resp["details"]


def test_a_card_definition_type_cannot_be_updated(stack: Stack, world: dict[str, Any]) -> None:
    resp = error_of(stack, 400, "invalid_payload", "update_card_definition", "PUT", f"{CDEFS}/{world['cdef']['DRAFT']}",
                    {"type": "INDIVIDUAL"})
    assert "'type'" in resp["details"]


CDEF = "lcdef_00000000000000000a"
EFFECT = {"type": "POINTS", "points": {"value": 1, "card_definition_id": CDEF}}
SPENDING = {"points": 1, "card_definition_id": CDEF}


@pytest.mark.parametrize(("name", "body"), [
    ("update_card_definition", {"name": ""}),
    ("update_card_definition", {"name": "x" * 201}),
    ("update_card_definition", {"name": 5}),
    ("update_card_definition", {"metadata": []}),
    ("update_card_definition", {"metadata": "m"}),
    ("update_card_definition", {"code_config": {"length": 0}}),
    ("update_card_definition", {"code_config": {"pattern": "no-placeholders"}}),
    ("update_card_definition", {"points_expiration": {"type": "ROLLING_EXPIRATION"}}),
    ("update_card_definition", {"points_expiration": {"type": "NO_EXPIRATION", "rolling_expiration": {"period": {"value": 1, "unit": "DAY"}}}}),
    ("update_card_definition", {"pending_points": {"type": "PERIOD_BASED", "period_based": {"period": {"value": 91, "unit": "DAY"}}}}),
    ("update_card_definition", {"earning_limits": {"global": {"type": "LIMITED"}, "transactions": {"type": "NO_LIMIT"}}}),
    ("update_card_definition", {"balance_settings": {"allow_negative": "yes"}}),
    ("update_card_definition", {"pay_with_points": {"type": "EXCHANGE_RATIO"}}),
    ("update_card_definition", {"refunds": {"spent_points": {"type": "NONE"}, "earned_points": {
        "type": "REFUNDABLE", "methods": [{"type": "REVOKE_FROM_BALANCE", "mode": "REVOKE_BELOW_ZERO"}]}}}),
    ("update_earning_rule", {"name": None}),
    ("update_earning_rule", {"name": ""}),
    ("update_earning_rule", {"trigger": None}),
    ("update_earning_rule", {"trigger": {"event": "customer.custom_event"}}),
    ("update_earning_rule", {"earnings": None}),
    ("update_earning_rule", {"earnings": []}),
    ("update_earning_rule", {"earnings": [{"name": "no effects"}]}),
    ("update_earning_rule", {"earnings": [{"effects": []}]}),
    ("update_earning_rule", {"earnings": [{"id": "lernei_XYZ", "effects": [EFFECT]}]}),
    ("update_earning_rule", {"earnings": [{"id": None, "effects": [EFFECT]}]}),
    ("update_earning_rule", {"earnings": [{"id": "lernei_0a", "effects": [EFFECT]}, {"id": "lernei_0a", "effects": [EFFECT]}]}),
    ("update_earning_rule", {"earnings": [{"effects": [{"type": "BENEFIT", "points": EFFECT["points"]}]}]}),
    ("update_earning_rule", {"earnings": [{"rules": {"logic": "1", "1": {"name": "custom_event.metadata"}}, "effects": [EFFECT]}]}),
    ("update_earning_rule", {"error": {"message": ""}}),
    ("update_earning_rule", {"start_date": "yesterday"}),
    ("update_earning_rule", {"validity_hours": {"type": "DAILY"}}),
    ("update_earning_rule", {"trigger_limits": {"cooldown": {"type": "FIXED_COOLDOWN"}}}),
    ("update_reward", {"name": None}),
    ("update_reward", {"type": "SERVICE"}),
    ("update_reward", {"type": None}),
    ("update_reward", {"costs": None}),
    ("update_reward", {"costs": []}),
    ("update_reward", {"costs": [{"spending": [SPENDING]}] * 11}),
    ("update_reward", {"costs": [{"spending": [SPENDING, SPENDING]}]}),
    ("update_reward", {"costs": [{"spending": [{"points": 0, "card_definition_id": CDEF}]}]}),
    ("update_reward", {"costs": [{"tier_rules": {}, "spending": [SPENDING]}]}),
    ("update_reward", {"costs": [{"id": "lrcst_0a", "spending": [SPENDING]}, {"id": "lrcst_0a", "spending": [SPENDING]}]}),
    ("update_reward", {"material": {"type": "SKU", "product": {"id": "prod_0a"}}}),
    ("update_reward", {"digital": {"type": "DISCOUNT_COUPONS", "discount_coupons": {"campaign_id": "camp_1"}}}),
    ("update_reward", {"type": "DIGITAL"}),
    ("update_reward", {"purchase_limits": {"frequency": {"type": "LIMITED", "limits": []}}}),
    ("update_reward", {"refunds": {"type": "ALWAYS"}}),
    ("update_reward", {"end_date": 20260101}),
])
def test_invalid_bodies_are_400(stack: Stack, world: dict[str, Any], name: str, body: dict[str, Any]) -> None:
    path = dict((n, p) for n, _, p in PUTS)[name](world)
    error_of(stack, 400, "invalid_payload", name, "PUT", path, body)


def test_an_earning_or_cost_id_the_component_does_not_have_is_400(stack: Stack, world: dict[str, Any]) -> None:
    error_of(stack, 400, "invalid_payload", "update_earning_rule", "PUT", f"{RULES}/{world['rule']['DRAFT']}",
             {"earnings": [{"id": "lernei_00000000000000000a", "effects": [EFFECT]}]})
    error_of(stack, 400, "invalid_payload", "update_reward", "PUT", f"{REWARDS}/{world['reward']['DRAFT']}",
             {"costs": [{"id": "lrcst_00000000000000000a", "spending": [SPENDING]}]})


@pytest.mark.parametrize(("name", "status", "body", "field"), [
    ("update_earning_rule", "ACTIVE", {"trigger": {"event": "customer.segment.entered", "segment": {"id": "seg_1"}}}, "trigger"),
    ("update_earning_rule", "INACTIVE", {"trigger": {"event": "customer.segment.entered", "segment": {"id": "seg_1"}}}, "trigger"),
    ("update_reward", "ACTIVE", {"type": "DIGITAL", "digital": {"type": "DISCOUNT_COUPONS", "discount_coupons": {"campaign_id": "camp_1"}}},
     "type"),
    ("update_reward", "INACTIVE", {"material": {"type": "PRODUCT", "product": {"id": "prod_0b"}}}, "material"),
    ("update_reward", "ACTIVE", {"purchase_limits": {"cooldown": {"type": "FIXED_COOLDOWN", "fixed_cooldown": {
        "period": {"value": 1, "unit": "DAY"}}}}}, "purchase_limits"),
])
def test_fields_a_status_locks_are_400(stack: Stack, world: dict[str, Any], name: str, status: str, body: dict[str, Any],
                                       field: str) -> None:
    kind = "rule" if name == "update_earning_rule" else "reward"
    resp = error_of(stack, 400, "invalid_payload", name, "PUT", f"{BASES[kind]}/{world[kind][status]}", body)
    assert f"'{field}'" in resp["details"] and status in resp["details"]


@pytest.mark.parametrize(("name", "kind", "action", "status"), [
    ("activate_card_definition", "cdef", "activate", "ACTIVE"),
    ("draft_card_definition", "cdef", "draft", "DRAFT"),
    ("activate_earning_rule", "rule", "activate", "ACTIVE"),
    ("deactivate_earning_rule", "rule", "deactivate", "DRAFT"),
    ("deactivate_earning_rule", "rule", "deactivate", "INACTIVE"),
    ("draft_earning_rule", "rule", "draft", "DRAFT"),
    ("draft_earning_rule", "rule", "draft", "INACTIVE"),
    ("activate_reward", "reward", "activate", "ACTIVE"),
    ("deactivate_reward", "reward", "deactivate", "DRAFT"),
    ("deactivate_reward", "reward", "deactivate", "INACTIVE"),
    ("draft_reward", "reward", "draft", "DRAFT"),
    ("draft_reward", "reward", "draft", "INACTIVE"),
])
def test_transitions_from_wrong_states_are_409(stack: Stack, world: dict[str, Any], name: str, kind: str, action: str, status: str) -> None:
    item_id = world[kind][status]
    resp = error_of(stack, 409, "invalid_state_transition", name, "POST", f"{BASES[kind]}/{item_id}/{action}")
    assert resp["resource_type"] == RESOURCE[kind] and resp["resource_id"] == item_id and status in resp["details"]


@pytest.mark.parametrize(("name", "method", "path", "body", "status", "key"), [
    ("draft_card_definition", "POST", lambda w: f"{CDEFS}/{w['used']['cdef']}/draft", None, 423, "resource_locked"),
    ("draft_reward", "POST", lambda w: f"{REWARDS}/{w['used']['reward']}/draft", None, 423, "resource_locked"),
    ("update_card_definition", "PUT", lambda w: f"{CDEFS}/{w['used']['cdef']}", {"balance_settings": {"allow_negative": True}}, 423,
     "resource_locked"),
    ("delete_card_definition", "DELETE", lambda w: f"{CDEFS}/{w['used']['cdef']}", None, 400, "resource_in_use"),
    ("delete_earning_rule", "DELETE", lambda w: f"{RULES}/{w['used']['rule']}", None, 400, "resource_in_use"),
    ("delete_reward", "DELETE", lambda w: f"{REWARDS}/{w['used']['reward']}", None, 400, "resource_in_use"),
])
def test_components_in_use_are_locked(stack: Stack, world: dict[str, Any], name: str, method: str, path: Any, body: Any,
                                      status: int, key: str) -> None:
    error_of(stack, status, key, name, method, path(world), body)


# A deleted component is gone for every route but its history (test_components checks that it is still served).
@pytest.mark.parametrize(("name", "method", "kind", "suffix", "body", "which"), [
    (*route, which) for route in ID_ROUTES for which in ("unknown", "malformed", "other kind", "deleted")
    if not (which == "deleted" and route[3] == "/activities")])
def test_unknown_malformed_or_deleted_ids_are_404(stack: Stack, world: dict[str, Any], name: str, method: str, kind: str, suffix: str,
                                                  body: Any, which: str) -> None:
    other_kind = world["deleted"]["reward" if kind != "reward" else "rule"]
    item_id = {"unknown": UNKNOWN[kind], "malformed": f"{UNKNOWN[kind][:-2]}XY", "other kind": other_kind,
               "deleted": world["deleted"][kind]}[which]
    resp = error_of(stack, 404, "not_found", name, method, f"{BASES[kind]}{'/' + item_id}{suffix}", body)
    assert resp["resource_type"] == RESOURCE[kind] and resp["resource_id"] == item_id


@pytest.mark.parametrize(("name", "base", "prefix"), LISTS)
@pytest.mark.parametrize("query", [
    {"limit": "0"}, {"limit": "101"}, {"limit": "ten"}, {"limit": "1.5"}, {"order": "price"}, {"order": "-created_at,created_at"},
    {"page": "2"}, {"filters[price][conditions][$is]": "1"}, {"filters[name][conditions][$gt]": "a"},
    {"filters[id][conditions][$contains]": "l"}, {"filters[id][conditions][$is]": "lprg_0a"}, {"filters[created_at][conditions][$after]": "soon"},
    {"filters[created_at][conditions][$more_than]": "-1"}, {"filters[name]": "a"}, {"filters[junction]": "XOR"},
])
def test_bad_list_parameters_are_400(stack: Stack, world: dict[str, Any], name: str, base: str, prefix: str, query: dict[str, str]) -> None:
    error_of(stack, 400, "invalid_query_params", name, "GET", base, query=query)


@pytest.mark.parametrize(("name", "query"), [
    ("list_card_definitions", {"filters[status][conditions][$is]": "DELETED"}),
    ("list_card_definitions", {"filters[type][conditions][$is]": "SHARED"}),
    ("list_earning_rules", {"order": "type"}),
    ("list_earning_rules", {"filters[type][conditions][$is]": "MATERIAL"}),
    ("list_earning_rules", {"filters[status][conditions][$is]": "DELETED"}),
    ("list_rewards", {"order": "status"}),
    ("list_rewards", {"filters[status][conditions][$is]": "ACTIVE"}),
    ("list_rewards", {"filters[updated_at][conditions][$has_value]": "1"}),
])
def test_what_a_list_does_not_declare_is_400(stack: Stack, world: dict[str, Any], name: str, query: dict[str, str]) -> None:
    base = dict((n, b) for n, b, _ in LISTS)[name]
    error_of(stack, 400, "invalid_query_params", name, "GET", base, query=query)


@pytest.mark.parametrize(("name", "base", "prefix"), LISTS)
def test_forged_or_foreign_cursors_are_400(stack: Stack, world: dict[str, Any], name: str, base: str, prefix: str) -> None:
    error_of(stack, 400, "invalid_or_expired_cursor", name, "GET", base, query={"cursor": prefix + "00" * 40})
    # A real cursor of another list (or of the same list with other filters) is no cursor of this one
    status, page = stack.call("list_earning_rules" if name != "list_earning_rules" else "list_rewards", "GET",
                              RULES if name != "list_earning_rules" else REWARDS, query={"limit": "1"})
    assert status == 200 and page["cursor"]
    error_of(stack, 400, "invalid_or_expired_cursor", name, "GET", base, query={"cursor": page["cursor"]["next"]})
    status, own = stack.call(name, "GET", base, query={"limit": "1"})
    assert status == 200 and own["cursor"]
    error_of(stack, 400, "invalid_or_expired_cursor", name, "GET", base,
             query={"cursor": own["cursor"]["next"], "filters[name][conditions][$is]": "x"})


@pytest.mark.parametrize("kind", ["cdef", "rule", "reward"])
def test_bad_activity_list_parameters_are_400(stack: Stack, world: dict[str, Any], kind: str) -> None:
    name = {"cdef": "list_card_definition_activities", "rule": "list_earning_rule_activities", "reward": "list_reward_activities"}[kind]
    path = f"{BASES[kind]}/{world['used'][kind]}/activities"
    for query in ({"limit": "0"}, {"order": "name"}, {"filters[type][conditions][$is]": "vl.program.created"},
                  {"filters[name][conditions][$is]": "x"}):
        error_of(stack, 400, "invalid_query_params", name, "GET", path, query=query)
    error_of(stack, 400, "invalid_or_expired_cursor", name, "GET", path, query={"cursor": "lcrsa" + "00" * 40})


@pytest.mark.parametrize(("name", "kind", "path"), PUTS)
def test_what_cannot_be_stored_is_400_before_writing(stack: Stack, world: dict[str, Any], name: str, kind: str, path: Any) -> None:
    resp = error_of(stack, 400, "invalid_payload", name, "PUT", path(world), {"metadata": {"blob": "x" * 420_000}})
    assert "KB" in resp["details"]


@pytest.mark.parametrize(("name", "method", "kind", "suffix", "body"), [
    *ID_ROUTES, ("list_card_definitions", "GET", "cdef", None, None), ("list_earning_rules", "GET", "rule", None, None),
    ("list_rewards", "GET", "reward", None, None)])
@pytest.mark.parametrize("headers", [{}, {"X-App-Id": "acme.000000000000", "X-App-Token": "acme.000000000000.nope"},
                                     {"Authorization": "Bearer nope"}])
def test_missing_or_wrong_credentials_are_401(stack: Stack, world: dict[str, Any], name: str, method: str, kind: str, suffix: str | None,
                                              body: Any, headers: dict[str, str]) -> None:
    path = BASES[kind] if suffix is None else f"{BASES[kind]}/{world['used'][kind]}{suffix}"
    error_of(stack, 401, "unauthorized", name, method, path, body, headers=headers)


def test_the_table_is_as_the_world_left_it(stack: Stack, world: dict[str, Any]) -> None:
    """Last in the module: after every refusal above, not one item of the table changed."""
    assert stack.items() == world["items"]
