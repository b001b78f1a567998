"""Card definitions, earning rules and rewards on moto, handler by handler: lists, updates, deletes, lifecycle transitions and
activities, asserting on the answers and on the items written."""

from __future__ import annotations

import time
from typing import Any

import pytest

from loyalty.components import store as components_store
from tests.integration.conftest import Stack
from tests.integration.test_v2_journey import BASE, make_components, make_program

CDEFS = f"{BASE}/card-definitions"
RULES = f"{BASE}/earning-rules"
REWARDS = f"{BASE}/rewards"


# ------------------------------------------------------------------------------------------------------------ helpers
def ok(stack: Stack, name: str, method: str, path: str, body: Any = None, **kw: Any) -> Any:
    status, resp = stack.call(name, method, path, body, **kw)
    assert status == 200, (name, resp)
    return resp


def refused(stack: Stack, status: int, key: str, name: str, method: str, path: str, body: Any = None, **kw: Any) -> dict[str, Any]:
    """The request answers `status`/`key` with the error body and writes nothing."""
    before = stack.items()
    got, resp = stack.call(name, method, path, body, **kw)
    assert (got, resp.get("key")) == (status, key), resp
    assert {"code", "key", "message", "details", "request_id"} <= set(resp) and resp["code"] == status
    assert stack.items() == before, "a refused request must not write anything"
    return resp


def new_cdef(stack: Stack, name: str = "Wallet", **extra: Any) -> dict[str, Any]:
    return ok(stack, "create_card_definition", "POST", CDEFS, {"name": name, "type": "INDIVIDUAL", **extra})


def new_rule(stack: Stack, cdef: str, name: str = "Order paid", **extra: Any) -> dict[str, Any]:
    return ok(stack, "create_earning_rule", "POST", RULES, {
        "name": name, "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": cdef}}]}], **extra})


def new_reward(stack: Stack, cdef: str, name: str = "Coffee", **extra: Any) -> dict[str, Any]:
    return ok(stack, "create_reward", "POST", REWARDS, {
        "name": name, "type": "MATERIAL", "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}},
        "costs": [{"spending": [{"points": 100, "card_definition_id": cdef}]}], **extra})


def stored(stack: Stack, kind: str, item_id: str) -> components_store.Stored:
    found = components_store.get_stored(stack.db(), kind, item_id)
    assert found is not None
    return found


def activity_types(stack: Stack, name: str, path: str) -> list[str]:
    return [a["type"] for a in ok(stack, name, "GET", f"{path}/activities", query={"limit": "100"})["data"]]


def delete_program_item(stack: Stack, program_id: str) -> None:
    """Mark a program deleted the way a program delete leaves it (its components still record it)."""
    db = stack.db()
    db.update(db.keys.program(program_id), "SET #s = :s", names={"#s": "status"}, values={"s": "DELETED"})


def names(page: dict[str, Any]) -> list[str]:
    return [item["name"] for item in page["data"]]


# ------------------------------------------------------------------------------------------------------------ lists
def test_card_definitions_list_newest_first_pages_orders_and_filters(stack: Stack) -> None:
    # Given four card definitions, two of them ACTIVE, created a moment apart
    made = []
    for name, status in (("c", "ACTIVE"), ("a", "DRAFT"), ("d", "ACTIVE"), ("b", "DRAFT")):
        made.append(new_cdef(stack, name, status=status))
        time.sleep(0.002)
    # When listed with the defaults, then page by page: newest first, a cursor until the last page
    page = ok(stack, "list_card_definitions", "GET", CDEFS)
    assert names(page) == ["b", "d", "a", "c"] and page["cursor"] is None and page["object"] == "list"
    assert page["data"][0] == made[-1]
    first = ok(stack, "list_card_definitions", "GET", CDEFS, query={"limit": "3"})
    assert names(first) == ["b", "d", "a"] and first["cursor"]["next"].startswith("lcrscdef_")
    rest = ok(stack, "list_card_definitions", "GET", CDEFS, query={"limit": "3", "cursor": first["cursor"]["next"]})
    assert names(rest) == ["c"] and rest["cursor"] is None
    # Then the other orders and the filters the spec declares
    assert names(ok(stack, "list_card_definitions", "GET", CDEFS, query={"order": "name"})) == ["a", "b", "c", "d"]
    assert names(ok(stack, "list_card_definitions", "GET", CDEFS, query={"order": "-status"})) == ["b", "a", "d", "c"]
    active = ok(stack, "list_card_definitions", "GET", CDEFS, query={"filters[status][conditions][$is]": "ACTIVE"})
    assert names(active) == ["d", "c"]
    either = ok(stack, "list_card_definitions", "GET", CDEFS, query={
        "filters[name][conditions][$in][0]": "a", "filters[name][conditions][$in][1]": "d", "order": "created_at"})
    assert names(either) == ["a", "d"]
    by_id = ok(stack, "list_card_definitions", "GET", CDEFS, query={"filters[id][conditions][$is]": made[0]["id"]})
    assert names(by_id) == ["c"]
    assert names(ok(stack, "list_card_definitions", "GET", CDEFS, query={"filters[updated_at][conditions][$has_value]": "x"})) == []


def test_earning_rules_and_rewards_lists_take_their_own_filters(stack: Stack) -> None:
    cdef = new_cdef(stack, status="ACTIVE")["id"]
    new_rule(stack, cdef, "draft rule")
    new_rule(stack, cdef, "active rule", status="ACTIVE")
    new_reward(stack, cdef, "material")
    ok(stack, "create_reward", "POST", REWARDS, {
        "name": "points", "type": "DIGITAL", "digital": {"type": "LOYALTY_CARD_POINTS", "loyalty_card_points": {
            "points": 5, "card_definition_id": cdef}}, "costs": [{"spending": [{"points": 10, "card_definition_id": cdef}]}]})
    rules = ok(stack, "list_earning_rules", "GET", RULES, query={"filters[status][conditions][$is_not]": "DRAFT"})
    assert names(rules) == ["active rule"] and rules["data"][0]["object"] == "earning_rule"
    assert names(ok(stack, "list_earning_rules", "GET", RULES, query={"order": "name"})) == ["active rule", "draft rule"]
    rewards = ok(stack, "list_rewards", "GET", REWARDS, query={"filters[type][conditions][$is]": "DIGITAL"})
    assert names(rewards) == ["points"] and rewards["data"][0]["digital"]["type"] == "LOYALTY_CARD_POINTS"
    assert names(ok(stack, "list_rewards", "GET", REWARDS, query={"order": "-name"})) == ["points", "material"]


def test_lists_are_empty_for_a_new_project(stack: Stack) -> None:
    for name, path in (("list_card_definitions", CDEFS), ("list_earning_rules", RULES), ("list_rewards", REWARDS)):
        assert ok(stack, name, "GET", path) == {"object": "list", "data": [], "cursor": None}


# ------------------------------------------------------------------------------------------------------------ transitions
def test_card_definition_activate_and_draft_write_the_status_and_the_activity(stack: Stack) -> None:
    # Given a DRAFT card definition
    cdef = new_cdef(stack)
    path = f"{CDEFS}/{cdef['id']}"
    # When it is activated
    active = ok(stack, "activate_card_definition", "POST", f"{path}/activate")
    # Then it answers ACTIVE with updated_at set, and the item and its activity say so
    assert active["status"] == "ACTIVE" and active["updated_at"] and {**active, "status": "DRAFT", "updated_at": None} == cdef
    item = stored(stack, "CDEF", cdef["id"])
    assert item.status == "ACTIVE" and item.data == active
    activity = ok(stack, "list_card_definition_activities", "GET", f"{path}/activities")["data"][0]
    assert activity["type"] == "vl.card_definition.activated" and activity["data"] == {"card_definition": active}
    assert activity["card_definition_id"] == cdef["id"] and activity["id"].startswith("lacd_")
    assert activity["source"]["channel"] == "API"
    # And the same transition again is a 409 invalid_state_transition; draft takes it back to DRAFT
    refused(stack, 409, "invalid_state_transition", "activate_card_definition", "POST", f"{path}/activate")
    assert ok(stack, "draft_card_definition", "POST", f"{path}/draft")["status"] == "DRAFT"
    refused(stack, 409, "invalid_state_transition", "draft_card_definition", "POST", f"{path}/draft")
    assert activity_types(stack, "list_card_definition_activities", path) == [
        "vl.card_definition.drafted", "vl.card_definition.activated", "vl.card_definition.created"]


def test_earning_rule_lifecycle(stack: Stack) -> None:
    rule = new_rule(stack, new_cdef(stack)["id"])
    path = f"{RULES}/{rule['id']}"
    # DRAFT: only activate
    refused(stack, 409, "invalid_state_transition", "deactivate_earning_rule", "POST", f"{path}/deactivate")
    refused(stack, 409, "invalid_state_transition", "draft_earning_rule", "POST", f"{path}/draft")
    assert ok(stack, "activate_earning_rule", "POST", f"{path}/activate")["status"] == "ACTIVE"
    # ACTIVE -> INACTIVE -> ACTIVE -> DRAFT
    refused(stack, 409, "invalid_state_transition", "activate_earning_rule", "POST", f"{path}/activate")
    assert ok(stack, "deactivate_earning_rule", "POST", f"{path}/deactivate")["status"] == "INACTIVE"
    refused(stack, 409, "invalid_state_transition", "draft_earning_rule", "POST", f"{path}/draft")
    assert ok(stack, "activate_earning_rule", "POST", f"{path}/activate")["status"] == "ACTIVE"
    assert ok(stack, "draft_earning_rule", "POST", f"{path}/draft")["status"] == "DRAFT"
    assert stored(stack, "ERULE", rule["id"]).status == "DRAFT"
    assert activity_types(stack, "list_earning_rule_activities", path) == [
        "vl.earning_rule.drafted", "vl.earning_rule.activated", "vl.earning_rule.deactivated", "vl.earning_rule.activated",
        "vl.earning_rule.created"]


def test_reward_lifecycle_and_the_draft_lock_of_a_reward_in_use(stack: Stack) -> None:
    # Given an ACTIVE reward assigned to an ACTIVE program, and an unassigned ACTIVE one
    ids = make_components(stack)
    program = make_program(stack, ids, stock=5)
    free = new_reward(stack, ids["cdef"], "free", status="ACTIVE")
    used, other = f"{REWARDS}/{ids['reward']}", f"{REWARDS}/{free['id']}"
    # When the one in use is drafted: 423 resource_locked naming the program; deactivating it is allowed
    resp = refused(stack, 423, "resource_locked", "draft_reward", "POST", f"{used}/draft")
    assert program["id"] in resp["details"] and resp["resource_type"] == "reward"
    assert ok(stack, "deactivate_reward", "POST", f"{used}/deactivate")["status"] == "INACTIVE"
    refused(stack, 409, "invalid_state_transition", "deactivate_reward", "POST", f"{used}/deactivate")
    refused(stack, 409, "invalid_state_transition", "draft_reward", "POST", f"{used}/draft")
    assert ok(stack, "activate_reward", "POST", f"{used}/activate")["status"] == "ACTIVE"
    # Then the free one drafts; once the program is deleted the used one drafts too
    assert ok(stack, "draft_reward", "POST", f"{other}/draft")["status"] == "DRAFT"
    delete_program_item(stack, program["id"])
    assert ok(stack, "draft_reward", "POST", f"{used}/draft")["status"] == "DRAFT"
    assert activity_types(stack, "list_reward_activities", used) == [
        "vl.reward.drafted", "vl.reward.activated", "vl.reward.deactivated", "vl.reward.assigned", "vl.reward.created"]


def test_card_definition_in_use_cannot_be_drafted(stack: Stack) -> None:
    ids = make_components(stack)
    program = make_program(stack, ids)
    resp = refused(stack, 423, "resource_locked", "draft_card_definition", "POST", f"{CDEFS}/{ids['cdef']}/draft")
    assert program["id"] in resp["details"]


def test_a_concurrent_change_between_read_and_write_is_a_409_and_writes_nothing(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a DRAFT card definition that a program gets assigned right after the activation read it
    cdef = new_cdef(stack)
    read = components_store.get_stored

    def read_then_assign(db: Any, kind: str, item_id: str) -> Any:
        found = read(db, kind, item_id)
        db.update(db.keys.component(kind, item_id), "SET version = version + :one", values={"one": 1})
        return found

    monkeypatch.setattr(components_store, "get_stored", read_then_assign)
    status, resp = stack.call("activate_card_definition", "POST", f"{CDEFS}/{cdef['id']}/activate")
    monkeypatch.undo()
    # Then the conditional write refuses it: 409 concurrent_modification, still DRAFT, no activity
    assert (status, resp["key"]) == (409, "concurrent_modification")
    assert stored(stack, "CDEF", cdef["id"]).status == "DRAFT"
    assert activity_types(stack, "list_card_definition_activities", f"{CDEFS}/{cdef['id']}") == ["vl.card_definition.created"]


# ------------------------------------------------------------------------------------------------------------ updates
def test_card_definition_update_replaces_given_fields_and_records_it(stack: Stack) -> None:
    # Given a card definition with a code config and metadata
    cdef = new_cdef(stack, code_config={"prefix": "MW-", "length": 8}, metadata={"a": 1, "b": 2})
    path = f"{CDEFS}/{cdef['id']}"
    # When its name, metadata and pending points are updated
    body = {"name": "Renamed", "metadata": {"c": 3}, "pending_points": {"type": "PERIOD_BASED", "period_based": {
        "period": {"value": 14, "unit": "DAY"}}}}
    updated = ok(stack, "update_card_definition", "PUT", path, body)
    # Then the given fields are replaced (metadata too, A18), the others kept, updated_at set
    assert updated["name"] == "Renamed" and updated["metadata"] == {"c": 3}
    assert updated["pending_points"] == body["pending_points"] and updated["code_config"] == cdef["code_config"]
    assert updated["updated_at"] and updated["created_at"] == cdef["created_at"] and updated["status"] == "DRAFT"
    assert stored(stack, "CDEF", cdef["id"]).data == updated
    assert ok(stack, "get_card_definition", "GET", path) == updated
    activity = ok(stack, "list_card_definition_activities", "GET", f"{path}/activities")["data"][0]
    assert activity["type"] == "vl.card_definition.updated" and activity["data"]["card_definition"] == updated
    # And a null section goes back to its default; a null name keeps the name
    reset = ok(stack, "update_card_definition", "PUT", path, {"name": None, "code_config": None, "pending_points": None})
    assert reset["name"] == "Renamed" and reset["pending_points"] == {"type": "IMMEDIATE"}
    assert reset["code_config"]["prefix"] == "" and reset["code_config"]["length"] == 10


def test_card_definition_update_checks_the_merged_result(stack: Stack) -> None:
    # Given a card definition that allows a negative balance
    cdef = new_cdef(stack, balance_settings={"allow_negative": True})
    # When an expiration policy is added, the merged definition breaks a cross-field rule: 400, nothing written
    resp = refused(stack, 400, "invalid_payload", "update_card_definition", "PUT", f"{CDEFS}/{cdef['id']}", {
        "points_expiration": {"type": "ROLLING_EXPIRATION", "rolling_expiration": {"period": {"value": 3, "unit": "MONTH"}}}})
    assert "allow_negative" in resp["details"]


def test_card_definition_in_use_changes_only_name_metadata_and_pay_with_points(stack: Stack) -> None:
    # Given a card definition assigned to an ACTIVE program
    ids = make_components(stack)
    program = make_program(stack, ids)
    path = f"{CDEFS}/{ids['cdef']}"
    current = ok(stack, "get_card_definition", "GET", path)
    # When a locked section changes: 423 resource_locked
    resp = refused(stack, 423, "resource_locked", "update_card_definition", "PUT", path, {"code_config": {"length": 12}})
    assert "code_config" in resp["details"] and program["id"] in resp["details"]
    # Then the free fields change, and a locked section sent back unchanged is accepted
    updated = ok(stack, "update_card_definition", "PUT", path, {
        "name": "Points", "metadata": {"x": 1}, "pay_with_points": {"type": "EXCHANGE_RATIO", "exchange_ratio": {"formula": 0.5}},
        "code_config": current["code_config"]})
    assert updated["pay_with_points"] == {"type": "EXCHANGE_RATIO", "exchange_ratio": {"formula": "0.5"}}
    assert updated["code_config"] == current["code_config"]
    # And once its program is deleted, every section may change again
    delete_program_item(stack, program["id"])
    assert ok(stack, "update_card_definition", "PUT", path, {"code_config": {"length": 12}})["code_config"]["length"] == 12


def test_earning_rule_update_keeps_named_earnings_and_adds_new_ones(stack: Stack) -> None:
    # Given an earning rule with two earnings
    cdef = new_cdef(stack)["id"]
    rule = new_rule(stack, cdef, earnings=[
        {"name": "first", "effects": [{"type": "POINTS", "points": {"value": 1, "card_definition_id": cdef}}]},
        {"name": "second", "effects": [{"type": "POINTS", "points": {"value": 2, "card_definition_id": cdef}}]}])
    first, second = rule["earnings"]
    # When the update names the second one (changed) and adds a new one
    updated = ok(stack, "update_earning_rule", "PUT", f"{RULES}/{rule['id']}", {"earnings": [
        {"id": second["id"], "name": "second (x5)", "effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": cdef}}]},
        {"name": "third", "effects": [{"type": "POINTS", "points": {"value": 3, "card_definition_id": cdef}}]}]})
    # Then the second keeps its id, the new one gets one, the first is gone
    assert [e["name"] for e in updated["earnings"]] == ["second (x5)", "third"]
    assert updated["earnings"][0]["id"] == second["id"] and updated["earnings"][1]["id"] not in (first["id"], second["id"])
    assert updated["earnings"][1]["id"].startswith("lernei_") and updated["earnings"][0]["tier_rules"] == {"type": "NO_REQUIREMENTS"}
    assert stored(stack, "ERULE", rule["id"]).data == updated
    # And an earning id the rule does not have is a 400
    resp = refused(stack, 400, "invalid_payload", "update_earning_rule", "PUT", f"{RULES}/{rule['id']}", {"earnings": [
        {"id": first["id"], "effects": [{"type": "POINTS", "points": {"value": 1, "card_definition_id": cdef}}]}]})
    assert first["id"] in resp["details"]


def test_a_non_draft_earning_rule_changes_only_what_the_spec_lists(stack: Stack) -> None:
    cdef = new_cdef(stack)["id"]
    rule = new_rule(stack, cdef, status="ACTIVE")
    path = f"{RULES}/{rule['id']}"
    # The trigger is not among them: 400 naming it
    resp = refused(stack, 400, "invalid_payload", "update_earning_rule", "PUT", path, {"trigger": {
        "event": "customer.segment.entered", "segment": {"id": "seg_1"}}})
    assert "'trigger'" in resp["details"]
    # The trigger sent back unchanged changes nothing, and the listed fields change
    updated = ok(stack, "update_earning_rule", "PUT", path, {"trigger": rule["trigger"], "name": "n", "error": {"message": "no"},
                                                             "validity_hours": {"type": "DAILY", "daily": [
                                                                 {"days_of_week": [1, 2], "start_time": "08:00", "end_time": "12:00"}]}})
    assert updated["name"] == "n" and updated["error"] == {"message": "no"} and updated["status"] == "ACTIVE"
    # A DRAFT rule changes its trigger
    ok(stack, "draft_earning_rule", "POST", f"{path}/draft")
    changed = ok(stack, "update_earning_rule", "PUT", path, {"trigger": {"event": "customer.segment.entered", "segment": {"id": "seg_1"}}})
    assert changed["trigger"] == {"event": "customer.segment.entered", "custom_event": None, "segment": {"id": "seg_1"}}


def test_earning_rules_must_name_existing_benefits_and_tier_structures(stack: Stack) -> None:
    cdef = new_cdef(stack)["id"]
    benefit_effect = {"effects": [{"type": "BENEFIT", "benefit": {"id": "lben_00000000000000000a"}}]}
    tiers = {"tier_rules": {"type": "ANY_OF", "any_of": [{"tier_structure_id": "lts_00000000000000000a", "tier_ids": ["lt_0a"]}]},
             "effects": [{"type": "POINTS", "points": {"value": 1, "card_definition_id": cdef}}]}
    # On create
    for earning, resource in ((benefit_effect, "benefit"), (tiers, "tier_structure")):
        resp = refused(stack, 404, "not_found", "create_earning_rule", "POST", RULES, {
            "name": "r", "trigger": {"event": "customer.order.paid"}, "earnings": [earning]})
        assert resp["resource_type"] == resource
    # And on update
    rule = new_rule(stack, cdef)
    for earning, resource in ((benefit_effect, "benefit"), (tiers, "tier_structure")):
        resp = refused(stack, 404, "not_found", "update_earning_rule", "PUT", f"{RULES}/{rule['id']}", {"earnings": [earning]})
        assert resp["resource_type"] == resource
    resp = refused(stack, 404, "not_found", "update_earning_rule", "PUT", f"{RULES}/{rule['id']}", {"earnings": [
        {"effects": [{"type": "POINTS", "points": {"value": 1, "card_definition_id": "lcdef_00000000000000000a"}}]}]})
    assert resp["resource_type"] == "card_definition"


def test_earning_rules_accept_existing_benefits_and_tier_structures(stack: Stack) -> None:
    # Given a benefit and a tier structure as their stores keep them (another domain builds their endpoints)
    cdef = new_cdef(stack)["id"]
    db = stack.db()
    benefit = {"id": "lben_00000000000000000b", "name": "b", "status": "ACTIVE", "created_at": "2026-01-01T00:00:00.000Z"}
    structure = {"id": "lts_00000000000000000b", "name": "t", "status": "DRAFT", "created_at": "2026-01-01T00:00:00.000Z"}
    components_store.create_component(db, "BEN", benefit)
    components_store.create_component(db, "TS", structure)
    rule = ok(stack, "create_earning_rule", "POST", RULES, {"name": "r", "trigger": {"event": "customer.order.paid"}, "earnings": [
        {"effects": [{"type": "BENEFIT", "benefit": {"id": benefit["id"]}}]},
        {"tier_rules": {"type": "ANY_OF", "any_of": [{"tier_structure_id": structure["id"], "tier_ids": ["lt_0a"]}]},
         "effects": [{"type": "POINTS", "points": {"value": 1, "card_definition_id": cdef}}]}]})
    assert rule["earnings"][0]["effects"][0]["benefit"] == {"id": benefit["id"]}
    # A deleted benefit counts as missing
    found = stored(stack, "BEN", benefit["id"])
    components_store.delete_component(db, "BEN", found, {**benefit, "status": "DELETED"})
    resp = refused(stack, 404, "not_found", "update_earning_rule", "PUT", f"{RULES}/{rule['id']}", {"earnings": [
        {"effects": [{"type": "BENEFIT", "benefit": {"id": benefit["id"]}}]}]})
    assert resp["resource_type"] == "benefit"


def test_reward_update_costs_by_id_and_purchase_limits_reset(stack: Stack) -> None:
    # Given a DRAFT reward with purchase limits and one cost
    cdef = new_cdef(stack)["id"]
    limits = {"cooldown": {"type": "FIXED_COOLDOWN", "fixed_cooldown": {"period": {"value": 1, "unit": "DAY"}}},
              "frequency": {"type": "NO_LIMIT", "limits": []}}
    reward = new_reward(stack, cdef, purchase_limits=limits)
    cost = reward["costs"][0]
    assert reward["purchase_limits"] == limits
    # When the cost is repriced by id, a second cost added and the limits reset with null
    updated = ok(stack, "update_reward", "PUT", f"{REWARDS}/{reward['id']}", {"purchase_limits": None, "costs": [
        {"id": cost["id"], "spending": [{"id": cost["spending"][0]["id"], "points": 150, "card_definition_id": cdef}]},
        {"spending": [{"points": 10, "card_definition_id": cdef, "name": "cheap"}]}]})
    # Then the cost keeps its ids, the new one gets new ones, and the limits are the defaults
    assert updated["costs"][0] == {"id": cost["id"], "spending": [{**cost["spending"][0], "points": 150}]}
    assert updated["costs"][1]["id"].startswith("lrcst_") and updated["costs"][1]["spending"][0]["id"].startswith("lrspn_")
    assert updated["purchase_limits"] == {"cooldown": {"type": "NO_COOLDOWN"}, "frequency": {"type": "NO_LIMIT", "limits": []}}
    assert stored(stack, "REWARD", reward["id"]).data == updated
    # And a cost id the reward does not have is a 400; an unknown card definition a 404
    refused(stack, 400, "invalid_payload", "update_reward", "PUT", f"{REWARDS}/{reward['id']}", {"costs": [
        {"id": "lrcst_00000000000000000a", "spending": [{"points": 1, "card_definition_id": cdef}]}]})
    resp = refused(stack, 404, "not_found", "update_reward", "PUT", f"{REWARDS}/{reward['id']}", {"costs": [
        {"spending": [{"points": 1, "card_definition_id": "lcdef_00000000000000000a"}]}]})
    assert resp["resource_type"] == "card_definition"


def test_a_draft_reward_changes_type_with_its_own_variant(stack: Stack) -> None:
    cdef = new_cdef(stack)["id"]
    reward = new_reward(stack, cdef)
    path = f"{REWARDS}/{reward['id']}"
    refused(stack, 400, "invalid_payload", "update_reward", "PUT", path, {"type": "DIGITAL"})
    refused(stack, 400, "invalid_payload", "update_reward", "PUT", path, {"digital": {"type": "DISCOUNT_COUPONS",
                                                                                     "discount_coupons": {"campaign_id": "camp_1"}}})
    # A coupon reward would take points and deliver nothing here (no campaigns to publish from): refused
    refused(stack, 400, "invalid_payload", "update_reward", "PUT", path, {"type": "DIGITAL", "digital": {
        "type": "DISCOUNT_COUPONS", "discount_coupons": {"campaign_id": "camp_1"}}})
    digital = ok(stack, "update_reward", "PUT", path, {"type": "DIGITAL", "digital": {
        "type": "LOYALTY_CARD_POINTS", "loyalty_card_points": {"points": 5, "card_definition_id": cdef}}})
    assert digital["type"] == "DIGITAL" and "material" not in digital and digital["digital"]["type"] == "LOYALTY_CARD_POINTS"


def test_an_active_reward_changes_only_what_the_spec_lists(stack: Stack) -> None:
    cdef = new_cdef(stack)["id"]
    reward = new_reward(stack, cdef, status="ACTIVE")
    path = f"{REWARDS}/{reward['id']}"
    for body, field in (({"purchase_limits": {"cooldown": {"type": "NO_COOLDOWN"}, "frequency": {"type": "LIMITED", "limits": [
            {"type": "TIME_BASED", "period": {"type": "CURRENT_PERIOD", "current_period": {"unit": "DAY"}}, "triggers": {"max": 1}}]}}},
                         "purchase_limits"),
                        ({"material": {"type": "PRODUCT", "product": {"id": "prod_0a"}}}, "material")):
        resp = refused(stack, 400, "invalid_payload", "update_reward", "PUT", path, body)
        assert f"'{field}'" in resp["details"]
    updated = ok(stack, "update_reward", "PUT", path, {"name": "Espresso", "refunds": {"type": "REFUNDABLE"}, "type": "MATERIAL",
                                                      "start_date": "2026-01-01T00:00:00Z"})
    assert updated["refunds"] == {"type": "REFUNDABLE"} and updated["start_date"] == "2026-01-01T00:00:00.000Z"
    assert activity_types(stack, "list_reward_activities", path)[0] == "vl.reward.updated"


def test_updates_of_deleted_or_unknown_components_are_404(stack: Stack) -> None:
    cdef = new_cdef(stack)
    ok(stack, "delete_card_definition", "DELETE", f"{CDEFS}/{cdef['id']}")
    refused(stack, 404, "not_found", "update_card_definition", "PUT", f"{CDEFS}/{cdef['id']}", {"name": "x"})
    refused(stack, 404, "not_found", "activate_card_definition", "POST", f"{CDEFS}/{cdef['id']}/activate")
    refused(stack, 404, "not_found", "delete_card_definition", "DELETE", f"{CDEFS}/{cdef['id']}")


# ------------------------------------------------------------------------------------------------------------ deletes
def test_delete_card_definition_is_soft_and_leaves_the_list(stack: Stack) -> None:
    keep, gone = new_cdef(stack, "keep"), new_cdef(stack, "gone", status="ACTIVE")
    path = f"{CDEFS}/{gone['id']}"
    deleted = ok(stack, "delete_card_definition", "DELETE", path)
    # The answer and the item: status DELETED, out of the list index; GET is 404; the history is still served
    assert deleted["status"] == "DELETED" and deleted["id"] == gone["id"] and deleted["updated_at"]
    item = stored(stack, "CDEF", gone["id"])
    assert item.status == "DELETED" and item.data == deleted
    raw = stack.ddb.get_item(TableName="loyalty-test", Key=stack.db().keys.component("CDEF", gone["id"]).ddb())["Item"]
    assert "GSI1PK" not in raw and "GSI1SK" not in raw
    refused(stack, 404, "not_found", "get_card_definition", "GET", path)
    assert names(ok(stack, "list_card_definitions", "GET", CDEFS)) == [keep["name"]]
    history = ok(stack, "list_card_definition_activities", "GET", f"{path}/activities")["data"]
    assert [a["type"] for a in history] == ["vl.card_definition.deleted", "vl.card_definition.created"]
    assert history[0]["data"]["card_definition"] == deleted


def test_delete_earning_rule_answers_its_last_state(stack: Stack) -> None:
    rule = new_rule(stack, new_cdef(stack)["id"], status="ACTIVE")
    deleted = ok(stack, "delete_earning_rule", "DELETE", f"{RULES}/{rule['id']}")
    assert deleted == rule
    assert stored(stack, "ERULE", rule["id"]).status == "DELETED"
    refused(stack, 404, "not_found", "get_earning_rule", "GET", f"{RULES}/{rule['id']}")
    history = ok(stack, "list_earning_rule_activities", "GET", f"{RULES}/{rule['id']}/activities")["data"]
    assert history[0]["type"] == "vl.earning_rule.deleted" and history[0]["data"]["earning_rule"] == rule
    assert ok(stack, "list_earning_rules", "GET", RULES)["data"] == []


def test_components_in_use_by_a_live_program_cannot_be_deleted(stack: Stack) -> None:
    # Given components assigned to an ACTIVE program
    ids = make_components(stack)
    program = make_program(stack, ids)
    for name, path in (("delete_card_definition", f"{CDEFS}/{ids['cdef']}"), ("delete_earning_rule", f"{RULES}/{ids['rule']}"),
                       ("delete_reward", f"{REWARDS}/{ids['reward']}")):
        # When deleted: 400 resource_in_use naming the program
        resp = refused(stack, 400, "resource_in_use", name, "DELETE", path)
        assert resp["related_object_ids"] == [program["id"]] and resp["related_object_type"] == "program"
    # Then once the program is deleted, they can be
    delete_program_item(stack, program["id"])
    assert ok(stack, "delete_reward", "DELETE", f"{REWARDS}/{ids['reward']}")["status"] == "DELETED"
    assert ok(stack, "delete_earning_rule", "DELETE", f"{RULES}/{ids['rule']}")["status"] == "ACTIVE"
    assert ok(stack, "delete_card_definition", "DELETE", f"{CDEFS}/{ids['cdef']}")["status"] == "DELETED"


# ------------------------------------------------------------------------------------------------------------ activities
def test_activity_lists_page_and_filter(stack: Stack) -> None:
    cdef = new_cdef(stack)
    path = f"{CDEFS}/{cdef['id']}"
    for _ in range(2):
        ok(stack, "activate_card_definition", "POST", f"{path}/activate")
        ok(stack, "draft_card_definition", "POST", f"{path}/draft")
    first = ok(stack, "list_card_definition_activities", "GET", f"{path}/activities", query={"limit": "2"})
    assert [a["type"] for a in first["data"]] == ["vl.card_definition.drafted", "vl.card_definition.activated"]
    assert first["cursor"]["next"].startswith("lcrsacd_")
    second = ok(stack, "list_card_definition_activities", "GET", f"{path}/activities",
                query={"limit": "2", "cursor": first["cursor"]["next"]})
    assert [a["type"] for a in second["data"]] == ["vl.card_definition.drafted", "vl.card_definition.activated"]
    oldest = ok(stack, "list_card_definition_activities", "GET", f"{path}/activities", query={"order": "created_at", "limit": "1"})
    assert oldest["data"][0]["type"] == "vl.card_definition.created"
    drafted = ok(stack, "list_card_definition_activities", "GET", f"{path}/activities",
                 query={"filters[type][conditions][$is]": "vl.card_definition.drafted"})
    assert len(drafted["data"]) == 2


def test_activities_of_a_component_without_history_besides_creation(stack: Stack) -> None:
    reward = new_reward(stack, new_cdef(stack)["id"])
    page = ok(stack, "list_reward_activities", "GET", f"{REWARDS}/{reward['id']}/activities")
    assert [a["type"] for a in page["data"]] == ["vl.reward.created"] and page["data"][0]["reward_id"] == reward["id"]
    assert page["data"][0]["data"] == {"reward": reward} and page["cursor"] is None
