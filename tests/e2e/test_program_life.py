"""The issue's journey over HTTP, with the worker on its own poller: a program created DRAFT, its components assigned,
activated, members enrolled, listed, filtered and paged, program and member updated, a member deactivated (its purchase
and point changes refused), the program deactivated and deleted; the activities checked at each step."""

from __future__ import annotations

import uuid
from typing import Any

from tests.e2e.conftest import Client
from tests.support import eventually

V2 = "/v2/loyalties"


def activities(client: Client, path: str) -> list[str]:
    return [a["type"] for a in client.get(f"{path}/activities", params={"limit": 100})["data"]]


def refused(client: Client, method: str, path: str, status: int, key: str, body: Any = None, **kw: Any) -> None:
    got, data = client.request(method, path, body, **kw)
    assert (got, data["key"]) == (status, key), data


def test_a_program_from_draft_to_deleted_with_its_members(client: Client) -> None:
    tag = uuid.uuid4().hex[:8]
    # components
    cdef = client.post(f"{V2}/card-definitions", {"name": f"Wallet {tag}", "type": "INDIVIDUAL", "status": "ACTIVE",
                                                  "code_config": {"prefix": "PL-", "length": 6}})["id"]
    rule = client.post(f"{V2}/earning-rules", {
        "name": f"Order paid {tag}", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": cdef}}]}]})["id"]
    reward = client.post(f"{V2}/rewards", {
        "name": f"Coffee {tag}", "type": "MATERIAL", "status": "ACTIVE", "material": {"type": "PRODUCT", "product": {"id": "prod_0a"}},
        "costs": [{"spending": [{"points": 100, "card_definition_id": cdef}]}]})["id"]

    # create DRAFT -> assign -> activate
    program = client.post(f"{V2}/programs", {"name": f"Life {tag}"})
    p = f"{V2}/programs/{program['id']}"
    assert program["status"] == "DRAFT" and activities(client, p) == ["vl.program.created"]
    refused(client, "POST", f"{p}/members", 423, "non_active_program", {"customer_id": "cust_nobody"})
    client.post(f"{p}/card-definitions/batch", {"assign": [{"id": cdef}]})
    client.post(f"{p}/earning-rules/batch", {"assign": [{"id": rule}]})
    client.post(f"{p}/rewards/batch", {"assign": [{"id": reward, "stock": {"type": "LIMITED", "limited": {"quantity": 10}}}]})
    assert activities(client, p)[:3] == ["vl.program.reward.assigned", "vl.program.earning_rule.assigned",
                                         "vl.program.card_definition.assigned"]
    assert activities(client, f"{V2}/card-definitions/{cdef}")[0] == "vl.card_definition.assigned"
    assert client.post(f"{p}/activate")["status"] == "ACTIVE"
    assert activities(client, p)[0] == "vl.program.activated"

    # enrol -> list / filter / page
    customers = [client.post("/v1/customers", {"source_id": f"life-{tag}-{i}", "name": f"Customer {i}"})["id"] for i in range(3)]
    members = [client.post(f"{p}/members", {"customer_id": c}) for c in customers]
    listed = client.get(f"{p}/members", params={"limit": 2})
    assert [m["id"] for m in listed["data"]] == [members[2]["id"], members[1]["id"]] and "cards" not in listed["data"][0]
    rest = client.get(f"{p}/members", params={"limit": 2, "cursor": listed["cursor"]["next"]})
    assert [m["id"] for m in rest["data"]] == [members[0]["id"]] and rest["cursor"] is None
    only = client.get(f"{p}/members", params={"filters[customer_id][conditions][$is]": customers[1]})
    assert [m["id"] for m in only["data"]] == [members[1]["id"]]
    refused(client, "GET", f"{p}/members", 400, "invalid_query_params", params={"filters[colour][conditions][$is]": "red"})

    # update the program and a member
    got, renamed = client.request("PUT", p, {"name": f"Life {tag} (renamed)", "metadata": {"season": "winter"}})
    assert got == 200 and renamed["metadata"] == {"season": "winter"}
    refused(client, "PUT", p, 400, "invalid_payload", {"start_date": "2030-01-01T00:00:00Z"})
    m = f"{p}/members/{members[0]['id']}"
    got, updated = client.request("PUT", m, {"metadata": {"tier": "gold"}})
    assert got == 200 and updated["metadata"] == {"tier": "gold"}

    # points, then the member deactivated: its purchase and point changes are refused
    card = members[0]["cards"][0]["card"]["id"]
    client.post(f"{m}/cards/{card}/points", {"points": 300, "reason": "welcome"})
    eventually(lambda: client.get(m)["cards"][0]["card"]["balance"]["points"] == 300)
    assert client.post(f"{m}/deactivate")["status"] == "INACTIVE"
    refused(client, "POST", f"{m}/rewards/purchases", 423, "non_active_member", {"reward_id": reward})
    refused(client, "POST", f"{m}/cards/{card}/points", 423, "non_active_member", {"points": 5})
    assert activities(client, m)[:3] == ["vl.member.deactivated", "vl.member.updated", "vl.member.created"]
    assert client.post(f"{m}/activate")["status"] == "ACTIVE"
    client.post(f"{m}/rewards/purchases", {"reward_id": reward}, expect=202)
    eventually(lambda: client.get(f"{m}/rewards/purchases")["data"][0]["status"] == "APPROVED")

    # deactivate the program: no new members; then delete it
    assert client.post(f"{p}/deactivate")["status"] == "INACTIVE"
    late = client.post("/v1/customers", {"source_id": f"life-{tag}-late"})["id"]
    refused(client, "POST", f"{p}/members", 423, "non_active_program", {"customer_id": late})
    got, deleted = client.request("DELETE", p)
    assert (got, deleted["status"]) == (200, "DELETED")
    refused(client, "GET", p, 404, "not_found")
    assert program["id"] not in [x["id"] for x in client.get(f"{V2}/programs", params={"limit": 100})["data"]]
    assert activities(client, p)[:5] == ["vl.program.deleted", "vl.program.deactivated", "vl.program.updated", "vl.program.activated",
                                         "vl.program.reward.assigned"]
    # the card definition is free again once its only program is deleted
    assert client.post(f"{V2}/card-definitions/{cdef}/draft")["status"] == "DRAFT"
