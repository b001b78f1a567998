"""Card definitions, earning rules and rewards over HTTP: each one listed, updated, moved through its lifecycle, locked while a
program uses it, deleted, with its history checked at each step, and every route's typical errors. The exchanges are
validated against the Voucherify reference by test_conformance.py (which runs `drive_components` itself when this module
did not run)."""

from __future__ import annotations

import uuid
from typing import Any

from tests.e2e import conformance
from tests.e2e.conftest import Client

V2 = "/v2/loyalties"
CDEFS, RULES, REWARDS = f"{V2}/card-definitions", f"{V2}/earning-rules", f"{V2}/rewards"
NO_SUCH = {"cdef": "lcdef_000000000000000000", "rule": "lern_000000000000000000", "reward": "lrew_000000000000000000"}


def types(client: Client, path: str) -> list[str]:
    return [a["type"] for a in client.get(f"{path}/activities", params={"limit": 100})["data"]]


def put(client: Client, path: str, body: Any) -> Any:
    status, data = client.request("PUT", path, body)
    assert status == 200, data
    return data


def expect(client: Client, method: str, path: str, body: Any, status: int, key: str) -> dict[str, Any]:
    return dict(conformance.expect(client, method, path, body, status, key))


def _card_definitions(client: Client, tag: str, used: str) -> None:
    post, get = client.post, client.get
    cdef = post(CDEFS, {"name": f"{tag} wallet", "type": "INDIVIDUAL", "metadata": {"tier": "base"},
                        "points_expiration": {"type": "ROLLING_EXPIRATION", "rolling_expiration": {"period": {"value": 6, "unit": "MONTH"}}}})
    path = f"{CDEFS}/{cdef['id']}"
    # Listed (filtered to this journey's, ordered by name), paged, and refused what the list does not declare
    mine = {"filters[name][conditions][$starts_with]": tag, "order": "name"}
    page = get(CDEFS, params={**mine, "limit": 1})
    assert [c["name"] for c in page["data"]] == [f"{tag} in use"] and page["cursor"]
    rest = get(CDEFS, params={**mine, "limit": 1, "cursor": page["cursor"]["next"]})
    assert [c["id"] for c in rest["data"]] == [cdef["id"]] and rest["cursor"] is None
    assert get(CDEFS, params={"filters[status][conditions][$is]": "ACTIVE", "filters[id][conditions][$is]": cdef["id"]})["data"] == []
    expect(client, "GET", f"{CDEFS}?order=price", None, 400, "invalid_query_params")
    # Updated: the given fields replaced, the others kept
    updated = put(client, path, {"name": f"{tag} wallet v2", "metadata": {"tier": "gold"}, "pending_points": None})
    assert updated["metadata"] == {"tier": "gold"} and updated["points_expiration"] == cdef["points_expiration"]
    assert get(path) == updated
    expect(client, "PUT", path, {"type": "INDIVIDUAL"}, 400, "invalid_payload")
    expect(client, "PUT", path, {"balance_settings": {"allow_negative": True}}, 400, "invalid_payload")
    expect(client, "PUT", f"{CDEFS}/{NO_SUCH['cdef']}", {"name": "x"}, 404, "not_found")
    # Activated, drafted; the same transition twice is a conflict
    assert client.post(f"{path}/activate")["status"] == "ACTIVE"
    expect(client, "POST", f"{path}/activate", None, 409, "invalid_state_transition")
    assert client.post(f"{path}/draft")["status"] == "DRAFT"
    expect(client, "POST", f"{path}/draft", None, 409, "invalid_state_transition")
    expect(client, "POST", f"{CDEFS}/{NO_SUCH['cdef']}/activate", None, 404, "not_found")
    # The one a program uses: locked
    expect(client, "POST", f"{CDEFS}/{used}/draft", None, 423, "resource_locked")
    expect(client, "PUT", f"{CDEFS}/{used}", {"code_config": {"length": 12}}, 423, "resource_locked")
    assert put(client, f"{CDEFS}/{used}", {"name": f"{tag} in use", "metadata": {"locked": False}})["metadata"] == {"locked": False}
    in_use = expect(client, "DELETE", f"{CDEFS}/{used}", None, 400, "resource_in_use")
    assert in_use["related_object_type"] == "program"
    # History, then deletion: the answer is DELETED, the card definition is gone but its history stays
    assert types(client, path) == ["vl.card_definition.drafted", "vl.card_definition.activated", "vl.card_definition.updated",
                                   "vl.card_definition.created"]
    filtered = get(f"{path}/activities", params={"filters[type][conditions][$is]": "vl.card_definition.updated"})
    assert [a["data"]["card_definition"] for a in filtered["data"]] == [updated]
    expect(client, "GET", f"{path}/activities?order=name", None, 400, "invalid_query_params")
    expect(client, "GET", f"{CDEFS}/{NO_SUCH['cdef']}/activities", None, 404, "not_found")
    assert client.request("DELETE", path)[1]["status"] == "DELETED"
    expect(client, "GET", path, None, 404, "not_found")
    expect(client, "DELETE", path, None, 404, "not_found")
    assert types(client, path)[0] == "vl.card_definition.deleted"


def _earning_rules(client: Client, tag: str, cdef: str, used: str) -> None:
    post, get = client.post, client.get
    rule = post(RULES, {"name": f"{tag} rule", "trigger": {"event": "customer.order.paid"}, "earnings": [
        {"name": "base", "effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": cdef}}]}]})
    path = f"{RULES}/{rule['id']}"
    listed = get(RULES, params={"filters[name][conditions][$starts_with]": tag, "filters[status][conditions][$is]": "DRAFT"})
    assert [r["id"] for r in listed["data"]] == [rule["id"]]
    expect(client, "GET", f"{RULES}?filters[type][conditions][$is]=MATERIAL", None, 400, "invalid_query_params")
    # Earnings updated by id, one added
    earning = rule["earnings"][0]
    updated = put(client, path, {"earnings": [
        {"id": earning["id"], "name": "base x2", "effects": [{"type": "POINTS", "points": {"value": 20, "card_definition_id": cdef}}]},
        {"name": "bonus", "effects": [{"type": "POINTS", "points": {"value": 5, "card_definition_id": cdef}}]}]})
    assert [e["id"] == earning["id"] for e in updated["earnings"]] == [True, False]
    expect(client, "PUT", path, {"earnings": [{"effects": [{"type": "BENEFIT", "benefit": {"id": "lben_000000000000000000"}}]}]},
           404, "not_found")
    expect(client, "PUT", path, {"status": "ACTIVE"}, 400, "invalid_payload")
    # Lifecycle: DRAFT -> ACTIVE -> INACTIVE -> ACTIVE -> DRAFT, with its conflicts; an ACTIVE rule keeps its trigger
    expect(client, "POST", f"{path}/deactivate", None, 409, "invalid_state_transition")
    expect(client, "POST", f"{path}/draft", None, 409, "invalid_state_transition")
    assert client.post(f"{path}/activate")["status"] == "ACTIVE"
    expect(client, "PUT", path, {"trigger": {"event": "customer.segment.entered", "segment": {"id": "seg_1"}}}, 400, "invalid_payload")
    expect(client, "POST", f"{path}/activate", None, 409, "invalid_state_transition")
    assert client.post(f"{path}/deactivate")["status"] == "INACTIVE"
    assert client.post(f"{path}/activate")["status"] == "ACTIVE"
    last = client.post(f"{path}/draft")
    assert last["status"] == "DRAFT"
    for action in ("activate", "deactivate", "draft"):
        expect(client, "POST", f"{RULES}/{NO_SUCH['rule']}/{action}", None, 404, "not_found")
    assert types(client, path) == ["vl.earning_rule.drafted", "vl.earning_rule.activated", "vl.earning_rule.deactivated",
                                   "vl.earning_rule.activated", "vl.earning_rule.updated", "vl.earning_rule.created"]
    expect(client, "GET", f"{RULES}/{NO_SUCH['rule']}/activities", None, 404, "not_found")
    # The one a program uses cannot be deleted; this one answers its last state
    expect(client, "DELETE", f"{RULES}/{used}", None, 400, "resource_in_use")
    assert client.request("DELETE", path) == (200, last)
    expect(client, "GET", path, None, 404, "not_found")
    expect(client, "DELETE", f"{RULES}/{NO_SUCH['rule']}", None, 404, "not_found")
    assert types(client, path)[0] == "vl.earning_rule.deleted"


def _rewards(client: Client, tag: str, cdef: str, used: str) -> None:
    post, get = client.post, client.get
    reward = post(REWARDS, {"name": f"{tag} mug", "type": "MATERIAL", "material": {"type": "PRODUCT", "product": {"id": "prod_0a"}},
                            "costs": [{"spending": [{"points": 50, "card_definition_id": cdef}]}],
                            "purchase_limits": {"cooldown": {"type": "FIXED_COOLDOWN", "fixed_cooldown": {"period": {"value": 1, "unit": "DAY"}}}}})
    path = f"{REWARDS}/{reward['id']}"
    listed = get(REWARDS, params={"filters[name][conditions][$starts_with]": tag, "filters[type][conditions][$is]": "MATERIAL",
                                  "order": "-name"})
    assert [r["id"] for r in listed["data"]] == [reward["id"], used]
    expect(client, "GET", f"{REWARDS}?filters[status][conditions][$is]=ACTIVE", None, 400, "invalid_query_params")
    # A DRAFT reward changes anything: its type (with its own variant), its costs by id, its limits reset
    cost = reward["costs"][0]
    updated = put(client, path, {"type": "DIGITAL", "digital": {"type": "LOYALTY_CARD_POINTS", "loyalty_card_points": {
        "points": 5, "card_definition_id": cdef}}, "purchase_limits": None, "costs": [
        {"id": cost["id"], "spending": [{"points": 60, "card_definition_id": cdef}]}]})
    assert updated["type"] == "DIGITAL" and "material" not in updated and updated["costs"][0]["id"] == cost["id"]
    assert updated["purchase_limits"]["cooldown"] == {"type": "NO_COOLDOWN"}
    expect(client, "PUT", path, {"type": "MATERIAL"}, 400, "invalid_payload")
    expect(client, "PUT", path, {"costs": [{"spending": [{"points": 1, "card_definition_id": NO_SUCH["cdef"]}]}]}, 404, "not_found")
    # Lifecycle with its conflicts; an ACTIVE reward keeps its type
    expect(client, "POST", f"{path}/deactivate", None, 409, "invalid_state_transition")
    assert client.post(f"{path}/activate")["status"] == "ACTIVE"
    expect(client, "PUT", path, {"type": "MATERIAL", "material": {"type": "PRODUCT", "product": {"id": "prod_0a"}}}, 400, "invalid_payload")
    assert put(client, path, {"name": f"{tag} points", "refunds": {"type": "REFUNDABLE"}})["refunds"] == {"type": "REFUNDABLE"}
    expect(client, "POST", f"{path}/activate", None, 409, "invalid_state_transition")
    assert client.post(f"{path}/deactivate")["status"] == "INACTIVE"
    expect(client, "POST", f"{path}/draft", None, 409, "invalid_state_transition")
    assert client.post(f"{path}/activate")["status"] == "ACTIVE"
    assert client.post(f"{path}/draft")["status"] == "DRAFT"
    expect(client, "POST", f"{REWARDS}/{used}/draft", None, 423, "resource_locked")
    expect(client, "POST", f"{REWARDS}/{NO_SUCH['reward']}/deactivate", None, 404, "not_found")
    assert types(client, path) == ["vl.reward.drafted", "vl.reward.activated", "vl.reward.deactivated", "vl.reward.updated",
                                   "vl.reward.activated", "vl.reward.updated", "vl.reward.created"]
    expect(client, "GET", f"{path}/activities?limit=0", None, 400, "invalid_query_params")
    expect(client, "DELETE", f"{REWARDS}/{used}", None, 400, "resource_in_use")
    assert client.request("DELETE", path)[1]["status"] == "DELETED"
    expect(client, "PUT", path, {"name": "x"}, 404, "not_found")
    assert types(client, path)[0] == "vl.reward.deleted"


def drive_components(client: Client) -> dict[str, Any]:
    """Every component route with a success and its typical errors (400, 404, 409, 423)."""
    conformance.DRIVEN.add("components")
    tag = f"cj-{uuid.uuid4().hex[:8]}"
    used_cdef = client.post(CDEFS, {"name": f"{tag} in use", "type": "INDIVIDUAL", "status": "ACTIVE"})["id"]
    used_rule = client.post(RULES, {"name": f"{tag} in use", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
                                    "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 1, "card_definition_id": used_cdef}}]}]})["id"]
    used_reward = client.post(REWARDS, {"name": f"{tag} cup", "type": "MATERIAL", "status": "ACTIVE",
                                        "material": {"type": "PRODUCT", "product": {"id": "prod_0b"}},
                                        "costs": [{"spending": [{"points": 10, "card_definition_id": used_cdef}]}]})["id"]
    program = client.post(f"{V2}/programs", {"name": f"{tag} program", "status": "ACTIVE", "card_definitions": [{"id": used_cdef}],
                                             "earning_rules": [{"id": used_rule}], "rewards": [{"id": used_reward, "stock": 5}]})
    _card_definitions(client, tag, used_cdef)
    _earning_rules(client, tag, used_cdef, used_rule)
    _rewards(client, tag, used_cdef, used_reward)
    return {"program": program, "cdef": used_cdef, "rule": used_rule, "reward": used_reward}


def test_components_journey(client: Client) -> None:
    out = drive_components(client)
    # The program's components are untouched by everything refused above
    assert client.get(f"{CDEFS}/{out['cdef']}")["status"] == "ACTIVE"
    assert client.get(f"{RULES}/{out['rule']}")["status"] == "ACTIVE"
    assert client.get(f"{REWARDS}/{out['reward']}")["status"] == "ACTIVE"
