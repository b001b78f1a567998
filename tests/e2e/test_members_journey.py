"""Members day to day over HTTP against the local runtime (its worker on its own queue poller): enrol one by one and in a
batch, list, filter and page, update, deactivate (423 on points and purchases) and activate, memberships, activities,
delete and enrol again; every member route with a success and its typical errors. test_conformance.py validates what was
recorded against the Voucherify reference (and runs `drive_members` itself when this module did not run)."""

from __future__ import annotations

import uuid
from typing import Any

from tests.e2e import conformance as cf
from tests.e2e.conformance import NO_SUCH, V2, expect
from tests.e2e.conftest import Client
from tests.support import eventually

NO_SUCH_ACTION = "aa_000000000000000000"


def world(client: Client) -> dict[str, Any]:
    """An ACTIVE program (a wallet with code prefix MJ-, an earning rule, a reward of 100 points), a DRAFT one, three customers."""
    tag = uuid.uuid4().hex[:8]
    cdef = client.post(f"{V2}/card-definitions", {"name": f"Members wallet {tag}", "type": "INDIVIDUAL", "status": "ACTIVE",
                                                   "code_config": {"prefix": "MJ-", "length": 8}})
    rule = client.post(f"{V2}/earning-rules", {
        "name": "Order paid", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": cdef["id"]}}]}]})
    reward = client.post(f"{V2}/rewards", {
        "name": "Coffee", "type": "MATERIAL", "status": "ACTIVE", "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}},
        "costs": [{"spending": [{"points": 100, "card_definition_id": cdef["id"]}]}]})
    program = client.post(f"{V2}/programs", {"name": f"Members {tag}", "status": "ACTIVE", "card_definitions": [{"id": cdef["id"]}],
                                             "earning_rules": [{"id": rule["id"]}], "rewards": [{"id": reward["id"], "stock": 10}]})
    draft = client.post(f"{V2}/programs", {"name": f"Draft {tag}"})
    people = {name: client.post("/v1/customers", {"source_id": f"{name}-{tag}", "name": name.title()}) for name in ("alice", "bob", "carol")}
    return {"program": program, "draft": draft, "reward": reward, "people": people, "tag": tag}


def drive_members(client: Client) -> dict[str, Any]:
    """Every member route and GET /v1/async-actions/{id}, each with a success and its typical errors."""
    cf.DRIVEN.add("members")
    w = world(client)
    program, people = w["program"], w["people"]
    members = f"{V2}/programs/{program['id']}/members"
    alice = client.post(members, {"customer_id": people["alice"]["id"], "metadata": {"source": "journey"}})
    bob = client.post(members, {"customer_id": people["bob"]["id"]})

    # Batch: carol by source id, alice again (already a member), carol again (a duplicate), a bad entry
    action_id = client.post(f"{members}/batch", [
        {"customer_identification": {"type": "customer_source_id", "customer_source_id": people["carol"]["source_id"]}},
        {"customer_id": people["alice"]["id"]}, {"customer_id": people["carol"]["id"]}, {"customer_id": "user_1"}], expect=202)["async_action_id"]
    done = eventually(lambda: (a := client.get(f"/v1/async-actions/{action_id}"))["status"] == "DONE" and a)
    assert (done["result"]["done_count"], done["result"]["failed_count"]) == (1, 3)
    assert [f["key"] for f in done["result"]["failed"]] == ["member_already_exists", "duplicate_found", "invalid_payload"]
    expect(client, "POST", f"{members}/batch", {"customer_id": people["carol"]["id"]}, 400, "invalid_payload")
    expect(client, "POST", f"{V2}/programs/{NO_SUCH['program']}/members/batch", [{"customer_id": people["carol"]["id"]}], 404, "not_found")
    expect(client, "POST", f"{V2}/programs/{w['draft']['id']}/members/batch", [{"customer_id": people["carol"]["id"]}], 423,
           "non_active_program")
    expect(client, "GET", f"/v1/async-actions/{NO_SUCH_ACTION}", None, 404, "not_found")

    # List, filter and page
    listed = client.get(members)
    assert {m["customer_id"] for m in listed["data"]} == {p["id"] for p in people.values()} and listed["cursor"] is None
    first = client.get(members, params={"limit": 2, "order": "customer_id"})
    second = client.get(members, params={"limit": 2, "cursor": first["cursor"]["next"]})
    assert len(first["data"]) == 2 and len(second["data"]) == 1
    only = client.get(members, params={"filters[customer_id][conditions][$is]": people["bob"]["id"]})
    assert [m["id"] for m in only["data"]] == [bob["id"]]
    expect(client, "GET", members, None, 400, "invalid_query_params", params={"filters[status][conditions][$is]": "DELETED"})
    expect(client, "GET", f"{V2}/programs/{NO_SUCH['program']}/members", None, 404, "not_found")

    # Update (metadata merged)
    a = f"{members}/{alice['id']}"
    updated = client.request("PUT", a, {"metadata": {"tier": "gold"}})[1]
    assert updated["metadata"] == {"source": "journey", "tier": "gold"}
    expect(client, "PUT", a, {}, 400, "invalid_payload")
    expect(client, "PUT", f"{members}/{NO_SUCH['member']}", {"metadata": {}}, 404, "not_found")

    # Deactivate: no points, no purchases; activate again
    card = alice["cards"][0]["card"]["id"]
    assert client.post(f"{a}/deactivate")["status"] == "INACTIVE"
    expect(client, "POST", f"{a}/deactivate", None, 400, "invalid_state_transition")
    expect(client, "POST", f"{a}/cards/{card}/points", {"points": 10}, 423, "non_active_member")
    expect(client, "POST", f"{a}/rewards/purchases", {"reward_id": w["reward"]["id"]}, 423, "non_active_member")
    expect(client, "POST", f"{members}/{NO_SUCH['member']}/deactivate", None, 404, "not_found")
    assert client.post(f"{a}/activate")["status"] == "ACTIVE"
    expect(client, "POST", f"{a}/activate", None, 400, "invalid_state_transition")
    expect(client, "POST", f"{members}/{NO_SUCH['member']}/activate", None, 404, "not_found")

    # Memberships: by customer id, source id, member id and (ours) card code; per program
    code = eventually(lambda: client.get(a)["cards"][0]["card"]["code"])
    for ref, kind in ((people["alice"]["id"], "customer_id"), (people["alice"]["source_id"], "customer_source_id"), (alice["id"], "member_id"),
                      (code, "card_code")):
        found = client.get(f"{V2}/memberships/{ref}", params={"identification_type": kind})
        assert [m["member"]["id"] for m in found["memberships"]] == [alice["id"]]
        one = client.get(f"{V2}/programs/{program['id']}/memberships/{ref}", params={"identification_type": kind})
        assert one["member"]["id"] == alice["id"] and one["cards"][0]["card"]["code"].startswith("MJ-")
    expect(client, "GET", f"{V2}/memberships/cust_nobody0", None, 404, "not_found")
    expect(client, "GET", f"{V2}/memberships/MJ-nosuch00", None, 404, "not_found", params={"identification_type": "card_code"})
    expect(client, "GET", f"{V2}/programs/{program['id']}/memberships/MJ-nosuch00", None, 404, "not_found",
           params={"identification_type": "card_code"})
    expect(client, "GET", f"{V2}/memberships/{alice['id']}", None, 400, "invalid_query_params", params={"identification_type": "email"})
    expect(client, "GET", f"{V2}/programs/{w['draft']['id']}/memberships/{people['alice']['id']}", None, 404, "not_found")
    expect(client, "GET", f"{V2}/programs/{program['id']}/memberships/{alice['id']}", None, 400, "invalid_query_params",
           params={"identification_type": "phone"})

    # Activities of the member and of its card
    history = client.get(f"{a}/activities")
    assert [h["type"] for h in history["data"]] == ["vl.member.activated", "vl.member.deactivated", "vl.member.updated", "vl.member.created"]
    page = client.get(f"{a}/activities", params={"limit": 1})
    client.get(f"{a}/activities", params={"limit": 1, "cursor": page["cursor"]["next"]})
    expect(client, "GET", f"{a}/activities", None, 400, "invalid_query_params", params={"filters[type][conditions][$is]": "vl.card.created"})
    expect(client, "GET", f"{members}/{NO_SUCH['member']}/activities", None, 404, "not_found")
    cards = eventually(lambda: len((h := client.get(f"{a}/cards/{card}/activities"))["data"]) == 2 and h)
    assert [h["type"] for h in cards["data"]] == ["vl.card.code_generation.succeeded", "vl.card.created"]
    expect(client, "GET", f"{a}/cards/{NO_SUCH['card']}/activities", None, 404, "not_found")
    expect(client, "GET", f"{a}/cards/{card}/activities", None, 400, "invalid_or_expired_cursor", params={"cursor": "lcrsacrd_00ff"})

    # Delete bob: gone from GET and the list; he may enrol again
    b = f"{members}/{bob['id']}"
    assert client.request("DELETE", b)[1]["status"] == "DELETED"
    expect(client, "DELETE", b, None, 404, "not_found")
    expect(client, "GET", b, None, 404, "not_found")
    assert bob["id"] not in {m["id"] for m in client.get(members)["data"]}
    again = client.post(members, {"customer_id": people["bob"]["id"]})
    assert again["id"] != bob["id"]

    # Without credentials, every route answers 401
    anonymous = Client(client.base_url, {}, client.recorder)
    expect(anonymous, "GET", members, None, 401, "unauthorized")
    expect(anonymous, "POST", f"{members}/batch", [{"customer_id": people["bob"]["id"]}], 401, "unauthorized")
    expect(anonymous, "GET", f"/v1/async-actions/{action_id}", None, 401, "unauthorized")
    return {"alice": alice, "again": again, "action": done}


def test_members_day_to_day(client: Client) -> None:
    out = drive_members(client)
    assert out["action"]["object"] == "async_action" and out["action"]["progress"] == 100


def test_a_deleted_member_keeps_its_history_and_frees_its_customer(client: Client) -> None:
    w = world(client)
    members = f"{V2}/programs/{w['program']['id']}/members"
    member = client.post(members, {"customer_id": w["people"]["alice"]["id"]})
    m = f"{members}/{member['id']}"
    client.request("DELETE", m)
    history = client.get(f"{m}/activities")
    assert [h["type"] for h in history["data"]] == ["vl.member.deleted", "vl.member.created"]
    memberships = client.get(f"{V2}/memberships/{w['people']['alice']['id']}")
    assert memberships["memberships"] == []
    assert client.post(members, {"customer_id": w["people"]["alice"]["id"]})["id"] != member["id"]
