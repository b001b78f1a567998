"""Benefits, handler by handler on moto: create (unique names), list, get, update, lifecycle, delete and activities,
asserting on the items written as well as on the answers."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.components import store as components
from tests.integration.conftest import Stack
from tests.integration.test_tiers import BASE, make_card_definition

BEN = f"{BASE}/benefits"
MATERIAL = {"type": "MATERIAL", "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}}}


def make_benefit(stack: Stack, name: str = "Free coffee", headers: dict[str, str] | None = None, **body: Any) -> dict[str, Any]:
    code, benefit = stack.call("create_benefit", "POST", BEN, {"name": name, **(body or MATERIAL)}, headers=headers)
    assert code == 200, benefit
    return benefit


def points_benefit(cdef: str, **extra: Any) -> dict[str, Any]:
    return {"type": "POINTS", "points": {"value": 50, "card_definition_id": cdef}, **extra}


def name_claim(stack: Stack, name: str) -> dict[str, Any] | None:
    db = stack.db()
    return db.get(db.keys.benefit_name(name))


def activity_types(stack: Stack, benefit_id: str) -> list[str]:
    code, page = stack.call("list_benefit_activities", "GET", f"{BEN}/{benefit_id}/activities")
    assert code == 200, page
    return [a["type"] for a in page["data"]]


def make_rule_granting(stack: Stack, cdef: str, benefit_id: str, status: str = "ACTIVE") -> str:
    code, rule = stack.call("create_earning_rule", "POST", f"{BASE}/earning-rules", {
        "name": "Order paid", "status": status, "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 1, "card_definition_id": cdef}},
                                  {"type": "BENEFIT", "benefit": {"id": benefit_id}}]}]})
    assert code == 200, rule
    return str(rule["id"])


def test_create_each_type_with_the_spec_defaults(stack: Stack) -> None:
    cdef = make_card_definition(stack)
    material = make_benefit(stack)
    assert material == {**material, "type": "MATERIAL", "status": "DRAFT", "stock": {"type": "UNLIMITED"},
                        "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}}, "updated_at": None,
                        "object": "benefit"}
    assert material["id"].startswith("lben_") and "metadata" not in material
    points = make_benefit(stack, "Bonus", **points_benefit(cdef, status="ACTIVE", stock={"type": "LIMITED", "limited": {"quantity": 5}}))
    assert points["status"] == "ACTIVE" and points["stock"] == {"type": "LIMITED", "limited": {"quantity": 5}}
    proportional = make_benefit(stack, "Per euro", type="POINTS_PROPORTIONAL", points_proportional={
        "calculation_type": "CUSTOMER_METADATA_VALUE", "card_definition_id": cdef, "order": None,
        "customer": {"metadata": {"every": 1, "value": 2.5, "property": "visits"}}})
    assert proportional["points_proportional"] == {"calculation_type": "CUSTOMER_METADATA_VALUE", "card_definition_id": cdef,
                                                   "customer": {"metadata": {"every": 1, "value": 2.5, "property": "visits"}}}
    digital = make_benefit(stack, "Gift", type="MATERIAL", material={"type": "SKU", "sku": {"product_id": "prod_1", "id": "sku_1"}})
    # Stored with its name claim and created activity
    stored = components.get_stored(stack.db(), "BEN", points["id"])
    assert stored is not None and stored.data == points
    assert name_claim(stack, "Bonus") == {**name_claim(stack, "Bonus"), "benefit_id": points["id"]}  # type: ignore[dict-item]
    assert activity_types(stack, points["id"]) == ["vl.benefit.created"]
    code, got = stack.call("get_benefit", "GET", f"{BEN}/{digital['id']}")
    assert (code, got) == (200, digital)


@pytest.mark.parametrize("digital", [{"type": "GIFT_VOUCHERS", "gift_vouchers": {"campaign_id": "camp_abc", "balance": 1000}},
                                     {"type": "DISCOUNT_COUPONS", "discount_coupons": {"campaign_id": "camp_abc"}}])
def test_digital_benefits_are_refused_as_this_server_has_no_campaigns(stack: Stack, digital: dict[str, Any]) -> None:
    before = stack.items()
    code, body = stack.call("create_benefit", "POST", BEN, {"name": "Gift", "type": "DIGITAL", "digital": digital})
    assert (code, body["key"]) == (400, "invalid_payload") and "not supported" in body["details"]
    assert stack.items() == before
    material = make_benefit(stack, "Gift")
    code, body = stack.call("update_benefit", "PUT", f"{BEN}/{material['id']}", {"type": "DIGITAL", "digital": digital})
    assert (code, body["key"]) == (400, "invalid_payload")
    # One stored before they were refused is never activated
    db = stack.db()
    stored = components.get_stored(db, "BEN", material["id"])
    assert stored is not None
    components.save_component(db, "BEN", stored, {**{k: v for k, v in stored.data.items() if k != "material"}, "type": "DIGITAL",
                                                      "digital": digital}, "updated")
    before = stack.items()
    code, body = stack.call("activate_benefit", "POST", f"{BEN}/{material['id']}/activate")
    assert (code, body["key"], body["resource_id"]) == (400, "benefit_not_supported", material["id"])
    assert stack.items() == before


def test_names_are_unique_per_project(stack: Stack) -> None:
    make_benefit(stack, "Free coffee")
    before = stack.items()
    code, body = stack.call("create_benefit", "POST", BEN, {"name": "Free coffee", **MATERIAL})
    assert (code, body["key"]) == (409, "duplicate_found")
    assert stack.items() == before
    # another project may use the same name
    make_benefit(stack, "Free coffee", headers=stack.other_headers)


def test_points_benefits_need_their_card_definition(stack: Stack) -> None:
    draft_cdef = make_card_definition(stack, status="DRAFT")
    before = stack.items()
    code, body = stack.call("create_benefit", "POST", BEN, {"name": "B", **points_benefit("lcdef_00000000000000000a")})
    assert (code, body["resource_type"]) == (404, "card_definition")
    code, body = stack.call("create_benefit", "POST", BEN, {"name": "B", **points_benefit(draft_cdef, status="ACTIVE")})
    assert (code, body["key"]) == (423, "resource_locked")
    assert stack.items() == before
    # a DRAFT benefit may name a DRAFT card definition, but cannot be activated until it is ACTIVE
    benefit = make_benefit(stack, "B", **points_benefit(draft_cdef))
    before = stack.items()
    code, body = stack.call("activate_benefit", "POST", f"{BEN}/{benefit['id']}/activate")
    assert (code, body["key"]) == (423, "resource_locked")
    assert stack.items() == before
    # When its card definition becomes ACTIVE (written through the store: its activate route is another domain's)
    db = stack.db()
    cdef = components.get_stored(db, "CDEF", draft_cdef)
    assert cdef is not None
    components.save_component(db, "CDEF", cdef, {**cdef.data, "status": "ACTIVE"}, "activated")
    code, active = stack.call("activate_benefit", "POST", f"{BEN}/{benefit['id']}/activate")
    assert (code, active["status"]) == (200, "ACTIVE")


def test_lifecycle_and_its_400s(stack: Stack) -> None:
    benefit = make_benefit(stack)
    path = f"{BEN}/{benefit['id']}"
    code, body = stack.call("draft_benefit", "POST", f"{path}/draft")
    assert (code, body["key"]) == (400, "invalid_state_transition")
    code, active = stack.call("activate_benefit", "POST", f"{path}/activate")
    assert (code, active["status"]) == (200, "ACTIVE") and active["updated_at"] is not None
    code, body = stack.call("activate_benefit", "POST", f"{path}/activate")
    assert (code, body["key"]) == (400, "invalid_state_transition")
    code, draft = stack.call("draft_benefit", "POST", f"{path}/draft")
    assert (code, draft["status"]) == (200, "DRAFT")
    assert components.get_stored(stack.db(), "BEN", benefit["id"]).status == "DRAFT"  # type: ignore[union-attr]
    assert activity_types(stack, benefit["id"]) == ["vl.benefit.drafted", "vl.benefit.activated", "vl.benefit.created"]


def test_update_merges_renames_the_claim_and_limits_an_active_benefit(stack: Stack) -> None:
    cdef = make_card_definition(stack)
    benefit = make_benefit(stack, "Old")
    path = f"{BEN}/{benefit['id']}"
    # DRAFT: the type may change with its settings; the old settings go
    code, updated = stack.call("update_benefit", "PUT", path, {"name": "New", **points_benefit(cdef)})
    assert code == 200, updated
    assert updated["type"] == "POINTS" and "material" not in updated and updated["name"] == "New"
    assert name_claim(stack, "Old") is None and name_claim(stack, "New")["benefit_id"] == benefit["id"]  # type: ignore[index]
    code, body = stack.call("update_benefit", "PUT", path, {"material": MATERIAL["material"]})
    assert (code, body["key"]) == (400, "invalid_payload") and "material" in body["details"]
    # ACTIVE: name and stock only
    stack.call("activate_benefit", "POST", f"{path}/activate")
    code, limited = stack.call("update_benefit", "PUT", path, {"stock": {"type": "LIMITED", "limited": {"quantity": 3}}})
    assert code == 200 and limited["stock"] == {"type": "LIMITED", "limited": {"quantity": 3}}
    before = stack.items()
    code, body = stack.call("update_benefit", "PUT", path, {"points": {"value": 99, "card_definition_id": cdef}})
    assert (code, body["key"]) == (400, "invalid_payload") and "points" in body["details"]
    # a rename onto a taken name is 409 and moves nothing
    make_benefit(stack, "Taken")
    before = stack.items()
    code, body = stack.call("update_benefit", "PUT", path, {"name": "Taken"})
    assert (code, body["key"]) == (409, "duplicate_found")
    assert stack.items() == before
    code, reset = stack.call("update_benefit", "PUT", path, {"stock": None})
    assert code == 200 and reset["stock"] == {"type": "UNLIMITED"}
    assert activity_types(stack, benefit["id"]).count("vl.benefit.updated") == 3


def test_delete_and_draft_are_refused_while_earning_rules_grant_it(stack: Stack) -> None:
    cdef = make_card_definition(stack)
    benefit = make_benefit(stack, "Perk", status="ACTIVE", **MATERIAL)
    path = f"{BEN}/{benefit['id']}"
    active_rule = make_rule_granting(stack, cdef, benefit["id"])
    draft_rule = make_rule_granting(stack, cdef, benefit["id"], status="DRAFT")
    before = stack.items()
    code, body = stack.call("delete_benefit", "DELETE", path)
    assert (code, body["key"], body["related_object_type"]) == (400, "resource_in_use", "earning_rule")
    assert sorted(body["related_object_ids"]) == sorted([active_rule, draft_rule])
    code, body = stack.call("draft_benefit", "POST", f"{path}/draft")
    assert (code, body["key"]) == (423, "connected_active_earning_rule") and active_rule in body["details"]
    assert stack.items() == before
    # once the rules are gone (deleted ones leave the rules' list), it can be drafted and deleted
    db = stack.db()
    for rule in (active_rule, draft_rule):
        stored = components.get_stored(db, "ERULE", rule)
        assert stored is not None
        components.delete_component(db, "ERULE", stored, {**stored.data, "status": "DELETED"})
    code, deleted = stack.call("delete_benefit", "DELETE", path)
    assert (code, deleted["status"]) == (200, "DELETED")
    assert components.get_stored(db, "BEN", benefit["id"]).status == "DELETED"  # type: ignore[union-attr]
    assert name_claim(stack, "Perk") is None
    code, body = stack.call("get_benefit", "GET", path)
    assert (code, body["resource_type"]) == (404, "benefit")
    make_benefit(stack, "Perk")  # the name is free again
    assert activity_types(stack, benefit["id"])[0] == "vl.benefit.deleted"


def test_list_filters_orders_pages_and_hides_deleted(stack: Stack) -> None:
    cdef = make_card_definition(stack)
    a = make_benefit(stack, "Alpha")
    b = make_benefit(stack, "Beta", **points_benefit(cdef, status="ACTIVE"))
    c = make_benefit(stack, "Gamma")
    stack.call("delete_benefit", "DELETE", f"{BEN}/{c['id']}")
    code, page = stack.call("list_benefits", "GET", BEN)
    assert code == 200 and [x["id"] for x in page["data"]] == [b["id"], a["id"]]
    code, page = stack.call("list_benefits", "GET", BEN, query={"filters[type][conditions][$is]": "POINTS"})
    assert [x["id"] for x in page["data"]] == [b["id"]]
    code, page = stack.call("list_benefits", "GET", BEN, query={"filters[name][conditions][$starts_with]": "Al",
                                                                 "filters[status][conditions][$is]": "DRAFT"})
    assert [x["id"] for x in page["data"]] == [a["id"]]
    code, page = stack.call("list_benefits", "GET", BEN, query={"order": "name", "limit": "1"})
    assert [x["name"] for x in page["data"]] == ["Alpha"] and page["cursor"]["next"].startswith("lcrsben_")
    code, page = stack.call("list_benefits", "GET", BEN, query={"order": "name", "limit": "1", "cursor": page["cursor"]["next"]})
    assert [x["name"] for x in page["data"]] == ["Beta"] and page["cursor"] is None
    code, body = stack.call("list_benefits", "GET", BEN, query={"order": "status"})
    assert (code, body["key"]) == (400, "invalid_query_params")
    code, body = stack.call("list_benefits", "GET", BEN, query={"filters[status][conditions][$is]": "DELETED"})
    assert (code, body["key"]) == (400, "invalid_query_params")


@pytest.mark.parametrize(("name", "method", "suffix", "body"), [
    ("activate_benefit", "POST", "/activate", None),
    ("update_benefit", "PUT", "", {"name": "Renamed"}),
    ("delete_benefit", "DELETE", "", None),
])
def test_a_change_racing_another_answers_409_and_writes_nothing(stack: Stack, monkeypatch: pytest.MonkeyPatch, name: str,
                                                                 method: str, suffix: str, body: Any) -> None:
    benefit = make_benefit(stack)
    db = stack.db()
    stale = components.get_stored(db, "BEN", benefit["id"])
    assert stale is not None
    code, _ = stack.call("update_benefit", "PUT", f"{BEN}/{benefit['id']}", {"stock": {"type": "LIMITED", "limited": {"quantity": 1}}})
    assert code == 200  # a change between this request's read and its write (every save moves the version on)
    monkeypatch.setattr(components, "get_stored", lambda *_: stale)
    before = stack.items()
    code, answer = stack.call(name, method, f"{BEN}/{benefit['id']}{suffix}", body)
    assert (code, answer["key"]) == (409, "concurrent_modification"), answer
    assert stack.items() == before
