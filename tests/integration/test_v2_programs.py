"""Programs day to day, handler by handler on moto: list, update, delete, the DRAFT -> ACTIVE <-> INACTIVE lifecycle,
component assignments in batches, reward stock, and the program's activities."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_v2_journey import BASE, make_components, make_customer

P = f"{BASE}/programs"


def ok(stack: Stack, name: str, method: str, path: str, body: Any = None, *, query: dict[str, str] | None = None, status: int = 200) -> Any:
    got, data = stack.call(name, method, path, body, query=query)
    assert got == status, data
    return data


def refused(stack: Stack, status: int, key: str, name: str, method: str, path: str, body: Any = None, **kw: Any) -> dict[str, Any]:
    """The request answers `status` with the error body, and writes nothing."""
    before = stack.items()
    got, data = stack.call(name, method, path, body, **kw)
    assert (got, data["key"], data["code"]) == (status, key, status), data
    assert stack.items() == before
    return data


def draft(stack: Stack, name: str = "Draft", **extra: Any) -> dict[str, Any]:
    return ok(stack, "create_program", "POST", P, {"name": name, **extra})


def component(stack: Stack, kind: str, status: str = "ACTIVE", cdef: str | None = None) -> str:
    if kind == "cdef":
        return ok(stack, "create_card_definition", "POST", f"{BASE}/card-definitions",
                  {"name": "Wallet", "type": "INDIVIDUAL", "status": status})["id"]
    if kind == "rule":
        return ok(stack, "create_earning_rule", "POST", f"{BASE}/earning-rules", {
            "name": "Order paid", "status": status, "trigger": {"event": "customer.order.paid"},
            "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": cdef}}]}]})["id"]
    return ok(stack, "create_reward", "POST", f"{BASE}/rewards", {
        "name": "Mug", "type": "MATERIAL", "status": status, "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}},
        "costs": [{"spending": [{"points": 50, "card_definition_id": cdef}]}]})["id"]


def activities_of(stack: Stack, program_id: str) -> list[str]:
    return [a["type"] for a in ok(stack, "list_program_activities", "GET", f"{P}/{program_id}/activities", query={"limit": "100"})["data"]]


# ---------------------------------------------------------------------------------------------- lifecycle
def test_a_draft_program_is_assigned_activated_deactivated_and_deleted(stack: Stack) -> None:
    # Given a DRAFT program without components, and active components
    program = draft(stack)
    p = f"{P}/{program['id']}"
    ids = make_components(stack)
    # When it is activated before it has any, the missing components are named (423) and it stays DRAFT
    refused(stack, 423, "missing_active_card_definition", "activate_program", "POST", f"{p}/activate")
    # When its components are assigned in batches
    assert ok(stack, "batch_program_card_definition_assignments", "POST", f"{p}/card-definitions/batch",
              {"assign": [{"id": ids["cdef"]}]})["assigned"][0]["card_definition_id"] == ids["cdef"]
    refused(stack, 423, "missing_active_earning_rule", "activate_program", "POST", f"{p}/activate")
    ok(stack, "batch_program_earning_rule_assignments", "POST", f"{p}/earning-rules/batch", {"assign": [{"id": ids["rule"]}]})
    ok(stack, "batch_program_reward_assignments", "POST", f"{p}/rewards/batch",
       {"assign": [{"id": ids["reward"], "stock": {"type": "LIMITED", "limited": {"quantity": 3}}}]})

    # Then it activates, answers ACTIVE, and can take members
    active = ok(stack, "activate_program", "POST", f"{p}/activate")
    assert (active["status"], active["object"]) == ("ACTIVE", "program") and active["updated_at"]
    member = ok(stack, "create_program_member", "POST", f"{p}/members", {"customer_id": make_customer(stack)})
    assert [c["card"]["card_definition_id"] for c in member["cards"]] == [ids["cdef"]]
    refused(stack, 400, "invalid_state_transition", "activate_program", "POST", f"{p}/activate")

    # When it is deactivated, members can no longer join; it can be activated again
    assert ok(stack, "deactivate_program", "POST", f"{p}/deactivate")["status"] == "INACTIVE"
    refused(stack, 400, "invalid_state_transition", "deactivate_program", "POST", f"{p}/deactivate")
    refused(stack, 423, "non_active_program", "create_program_member", "POST", f"{p}/members", {"customer_id": make_customer(stack, "bob")})
    assert ok(stack, "activate_program", "POST", f"{p}/activate")["status"] == "ACTIVE"

    # When it is deleted, it answers DELETED once and is gone everywhere else
    assert ok(stack, "delete_program", "DELETE", p)["status"] == "DELETED"
    for name, method, path in (("get_program", "GET", p), ("delete_program", "DELETE", p), ("activate_program", "POST", f"{p}/activate"),
                               ("list_program_card_definition_assignments", "GET", f"{p}/card-definitions")):
        refused(stack, 404, "not_found", name, method, path)
    assert program["id"] not in [x["id"] for x in ok(stack, "list_programs", "GET", P)["data"]]
    # And its history holds every step, newest first
    assert activities_of(stack, program["id"]) == [
        "vl.program.deleted", "vl.program.activated", "vl.program.deactivated", "vl.program.activated",
        "vl.program.reward.assigned", "vl.program.earning_rule.assigned", "vl.program.card_definition.assigned", "vl.program.created"]


def test_activation_needs_the_assigned_tier_structure_and_components_active(stack: Stack) -> None:
    ids = make_components(stack)
    program = draft(stack, card_definitions=[{"id": ids["cdef"]}], earning_rules=[{"id": ids["rule"]}])
    p = f"{P}/{program['id']}"
    # When the only earning rule is no longer ACTIVE (changed behind the API's back), activation is refused
    stack.ddb.update_item(TableName="loyalty-test", Key={"PK": {"S": f"acme#ERULE#{ids['rule']}"}, "SK": {"S": "ERULE"}},
                          UpdateExpression="SET #s = :s, #d.#s = :s", ExpressionAttributeNames={"#s": "status", "#d": "data"},
                          ExpressionAttributeValues={":s": {"S": "INACTIVE"}})
    refused(stack, 423, "missing_active_earning_rule", "activate_program", "POST", f"{p}/activate")


# ---------------------------------------------------------------------------------------------- updates
def test_a_draft_program_takes_any_field_an_active_one_only_name_and_metadata(stack: Stack) -> None:
    program = draft(stack, metadata={"a": 1})
    p = f"{P}/{program['id']}"
    updated = ok(stack, "update_program", "PUT", p, {"name": "Club", "start_date": "2030-01-01T00:00:00Z",
                                                      "validity_hours": {"type": "ANY_TIME"}, "metadata": {"b": 2}})
    assert (updated["name"], updated["start_date"], updated["metadata"]) == ("Club", "2030-01-01T00:00:00.000Z", {"b": 2})
    assert updated["updated_at"] and ok(stack, "get_program", "GET", p)["name"] == "Club"
    refused(stack, 400, "invalid_payload", "update_program", "PUT", p, {"end_date": "2029-01-01T00:00:00Z"})  # before start_date
    refused(stack, 400, "invalid_payload", "update_program", "PUT", p, {"status": "ACTIVE"})
    refused(stack, 400, "invalid_payload", "update_program", "PUT", p, {"name": ""})

    ids = make_components(stack)
    active = ok(stack, "create_program", "POST", P, {"name": "Live", "status": "ACTIVE", "card_definitions": [{"id": ids["cdef"]}],
                                                     "earning_rules": [{"id": ids["rule"]}]})
    a = f"{P}/{active['id']}"
    refused(stack, 400, "invalid_payload", "update_program", "PUT", a, {"end_date": "2031-01-01T00:00:00Z"})
    assert ok(stack, "update_program", "PUT", a, {"name": "Live 2", "metadata": None})["metadata"] == {}
    assert activities_of(stack, active["id"])[:1] == ["vl.program.updated"]


# ---------------------------------------------------------------------------------------------- assignments
def test_card_definitions_and_tier_structures_change_only_while_draft(stack: Stack) -> None:
    ids = make_components(stack)
    active = ok(stack, "create_program", "POST", P, {"name": "Live", "status": "ACTIVE", "card_definitions": [{"id": ids["cdef"]}],
                                                     "earning_rules": [{"id": ids["rule"]}]})
    a = f"{P}/{active['id']}"
    other = component(stack, "cdef")
    refused(stack, 423, "non_draft_program", "batch_program_card_definition_assignments", "POST", f"{a}/card-definitions/batch",
            {"assign": [{"id": other}]})
    refused(stack, 423, "non_draft_program", "batch_program_tier_structure_assignments", "POST", f"{a}/tier-structures/batch",
            {"assign": [{"id": "lts_00000000000000000a"}]})


def test_batches_are_strict_and_atomic(stack: Stack) -> None:
    ids = make_components(stack)
    program = draft(stack, card_definitions=[{"id": ids["cdef"]}])
    p = f"{P}/{program['id']}"
    draft_cdef = component(stack, "cdef", status="DRAFT")
    batch = f"{p}/card-definitions/batch"
    name = "batch_program_card_definition_assignments"
    refused(stack, 423, "resource_locked", name, "POST", batch, {"assign": [{"id": draft_cdef}]})  # card definitions must be ACTIVE
    refused(stack, 409, "duplicate_found", name, "POST", batch, {"assign": [{"id": ids["cdef"]}]})  # already assigned
    refused(stack, 404, "not_found", name, "POST", batch, {"unassign": [{"id": component(stack, "cdef")}]})  # not assigned
    refused(stack, 404, "not_found", name, "POST", batch, {"assign": [{"id": "lcdef_00000000000000000a"}]})
    refused(stack, 400, "invalid_payload", name, "POST", batch, {})
    refused(stack, 400, "invalid_payload", name, "POST", batch, {"assign": [{"id": ids["cdef"]}], "unassign": [{"id": ids["cdef"]}]})
    refused(stack, 400, "invalid_payload", name, "POST", batch, {"assign": [{"id": f"lcdef_{i:018x}"} for i in range(11)]})
    # A card definition that an assigned earning rule earns into cannot leave the program
    ok(stack, "batch_program_earning_rule_assignments", "POST", f"{p}/earning-rules/batch", {"assign": [{"id": ids["rule"]}]})
    in_use = refused(stack, 400, "resource_in_use", name, "POST", batch, {"unassign": [{"id": ids["cdef"]}]})
    assert in_use["related_object_ids"] == [ids["rule"]]
    # Unassign runs before assign: one batch swaps them, and each side records it
    ok(stack, "batch_program_earning_rule_assignments", "POST", f"{p}/earning-rules/batch", {"unassign": [{"id": ids["rule"]}]})
    fresh = component(stack, "cdef")
    swapped = ok(stack, name, "POST", batch, {"unassign": [{"id": ids["cdef"]}], "assign": [{"id": fresh}]})
    assert [x["card_definition_id"] for x in swapped["unassigned"]] == [ids["cdef"]]
    assert [x["card_definition_id"] for x in swapped["assigned"]] == [fresh]
    listed = ok(stack, "list_program_card_definition_assignments", "GET", f"{p}/card-definitions")
    assert [x["card_definition_id"] for x in listed["data"]] == [fresh] and listed["cursor"] is None
    assert ok(stack, "get_program", "GET", p)["card_definitions"] == [{"id": fresh}]
    # The unassigned card definition is free again: it can be drafted behind the scenes, and re-assigned
    assert ok(stack, name, "POST", batch, {"assign": [{"id": ids["cdef"]}]})["unassigned"] is None


def test_an_active_program_keeps_an_active_earning_rule_and_takes_only_active_components(stack: Stack) -> None:
    ids = make_components(stack)
    active = ok(stack, "create_program", "POST", P, {"name": "Live", "status": "ACTIVE", "card_definitions": [{"id": ids["cdef"]}],
                                                     "earning_rules": [{"id": ids["rule"]}]})
    batch = f"{P}/{active['id']}/earning-rules/batch"
    name = "batch_program_earning_rule_assignments"
    refused(stack, 423, "missing_active_earning_rule", name, "POST", batch, {"unassign": [{"id": ids["rule"]}]})
    refused(stack, 423, "resource_locked", name, "POST", batch, {"assign": [{"id": component(stack, "rule", "DRAFT", ids["cdef"])}]})
    second = component(stack, "rule", cdef=ids["cdef"])
    swapped = ok(stack, name, "POST", batch, {"unassign": [{"id": ids["rule"]}], "assign": [{"id": second}]})
    assert swapped["assigned"][0]["earning_rule_id"] == second
    refused(stack, 423, "resource_locked", "batch_program_reward_assignments", "POST", f"{P}/{active['id']}/rewards/batch",
            {"assign": [{"id": component(stack, "reward", "DRAFT", ids["cdef"]), "stock": {"type": "UNLIMITED"}}]})


def test_reward_stock_is_set_per_program_and_purchases_draw_on_it(stack: Stack) -> None:
    ids = make_components(stack, cost=10)
    program = ok(stack, "create_program", "POST", P, {"name": "Live", "status": "ACTIVE", "card_definitions": [{"id": ids["cdef"]}],
                                                      "earning_rules": [{"id": ids["rule"]}]})
    p = f"{P}/{program['id']}"
    assigned = ok(stack, "batch_program_reward_assignments", "POST", f"{p}/rewards/batch",
                  {"assign": [{"id": ids["reward"], "stock": {"type": "LIMITED", "limited": {"quantity": 1}}}]})["assigned"][0]
    assert (assigned["stock"], assigned["redeemed"], assigned["object"]) == ({"type": "LIMITED", "limited": {"quantity": 1}}, 0,
                                                                             "program_reward")
    member = ok(stack, "create_program_member", "POST", f"{p}/members", {"customer_id": make_customer(stack)})
    m, card = f"{p}/members/{member['id']}", member["cards"][0]["card"]["id"]
    ok(stack, "adjust_card_points", "POST", f"{m}/cards/{card}/points", {"points": 100})
    stack.drain()
    ok(stack, "purchase_member_reward", "POST", f"{m}/rewards/purchases", {"reward_id": ids["reward"]}, status=202)
    stack.drain()
    refused(stack, 423, "reward_out_of_stock", "purchase_member_reward", "POST", f"{m}/rewards/purchases", {"reward_id": ids["reward"]})
    # When the stock is raised, purchases resume; the list shows what remains and how many were redeemed
    updated = ok(stack, "update_program_reward_assignment", "PUT", f"{p}/rewards/{ids['reward']}",
                 {"stock": {"type": "LIMITED", "limited": {"quantity": 5}}})
    assert updated["stock"]["limited"]["quantity"] == 5 and updated["updated_at"]
    ok(stack, "purchase_member_reward", "POST", f"{m}/rewards/purchases", {"reward_id": ids["reward"]}, status=202)
    stack.drain()
    listed = ok(stack, "list_program_reward_assignments", "GET", f"{p}/rewards")["data"]
    assert [(x["reward_id"], x["stock"]["limited"]["quantity"], x["redeemed"]) for x in listed] == [(ids["reward"], 4, 2)]
    refused(stack, 404, "not_found", "update_program_reward_assignment", "PUT", f"{p}/rewards/lrew_00000000000000000a",
            {"stock": {"type": "UNLIMITED"}})
    refused(stack, 400, "invalid_payload", "update_program_reward_assignment", "PUT", f"{p}/rewards/{ids['reward']}",
            {"stock": {"type": "LIMITED"}})
    # When the reward is unassigned, it can no longer be bought there
    ok(stack, "batch_program_reward_assignments", "POST", f"{p}/rewards/batch", {"unassign": [{"id": ids["reward"]}]})
    refused(stack, 404, "not_found", "purchase_member_reward", "POST", f"{m}/rewards/purchases", {"reward_id": ids["reward"]})
    assert activities_of(stack, program["id"])[:2] == ["vl.program.reward.unassigned", "vl.program.reward.updated"]


# ---------------------------------------------------------------------------------------------- lists
@pytest.fixture
def three(stack: Stack) -> list[dict[str, Any]]:
    made = []
    for name in ("beta", "alpha", "gamma"):
        time.sleep(0.002)
        made.append(draft(stack, name))
    return made


def names(page: dict[str, Any]) -> list[str]:
    return [p["name"] for p in page["data"]]


def test_programs_list_pages_filters_and_orders(stack: Stack, three: list[dict[str, Any]]) -> None:
    first = ok(stack, "list_programs", "GET", P, query={"limit": "2"})
    assert names(first) == ["gamma", "alpha"] and first["cursor"]["next"].startswith("lcrsprg_")
    second = ok(stack, "list_programs", "GET", P, query={"limit": "2", "cursor": first["cursor"]["next"]})
    assert names(second) == ["beta"] and second["cursor"] is None
    assert names(ok(stack, "list_programs", "GET", P, query={"order": "name"})) == ["alpha", "beta", "gamma"]
    assert names(ok(stack, "list_programs", "GET", P, query={"order": "-name", "limit": "1.4"})) == ["gamma"]
    assert names(ok(stack, "list_programs", "GET", P, query={"filters[name][conditions][$starts_with]": "a"})) == ["alpha"]
    assert names(ok(stack, "list_programs", "GET", P, query={"filters[status][conditions][$is]": "ACTIVE"})) == []
    assert names(ok(stack, "list_programs", "GET", P, query={"filters[id][conditions][$in]": three[0]["id"]})) == ["beta"]
    for query in ({"order": "status"}, {"filters[metadata][conditions][$is]": "x"}, {"filters[status][conditions][$is]": "DELETED"},
                  {"limit": "0"}, {"page": "2"}):
        refused(stack, 400, "invalid_query_params", "list_programs", "GET", P, query=query)
    refused(stack, 400, "invalid_or_expired_cursor", "list_programs", "GET", P, query={"cursor": "lcrsprg_00"})


def test_activities_list_filters_by_type(stack: Stack) -> None:
    program = draft(stack)
    ok(stack, "update_program", "PUT", f"{P}/{program['id']}", {"name": "Renamed"})
    only = ok(stack, "list_program_activities", "GET", f"{P}/{program['id']}/activities",
              query={"filters[type][conditions][$is]": "vl.program.created"})
    assert [a["type"] for a in only["data"]] == ["vl.program.created"]
    activity = only["data"][0]
    assert activity["program_id"] == program["id"] and activity["id"].startswith("laprg_")
    assert activity["data"]["program"]["id"] == program["id"] and activity["source"]["channel"] == "API"
    refused(stack, 404, "not_found", "list_program_activities", "GET", f"{P}/lprg_00000000000000000a/activities")
    refused(stack, 400, "invalid_query_params", "list_program_activities", "GET", f"{P}/{program['id']}/activities",
            query={"filters[type][conditions][$is]": "vl.member.created"})
