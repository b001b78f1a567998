"""A program's life over HTTP: created DRAFT, components assigned in batches, activated, listed and filtered,
updated, its reward stock changed, deactivated and deleted; every program-management route with a success and its
typical errors (test_conformance.py validates each recorded exchange against the Voucherify reference)."""

from __future__ import annotations

import uuid
from typing import Any

from tests.e2e import conformance
from tests.e2e.conftest import Client

V2 = "/v2/loyalties"


def components(client: Client, tag: str) -> dict[str, str]:
    cdef = client.post(f"{V2}/card-definitions", {"name": f"Wallet {tag}", "type": "INDIVIDUAL", "status": "ACTIVE"})["id"]
    rule = client.post(f"{V2}/earning-rules", {
        "name": f"Order paid {tag}", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": cdef}}]}]})["id"]
    reward = client.post(f"{V2}/rewards", {
        "name": f"Mug {tag}", "type": "MATERIAL", "status": "ACTIVE", "material": {"type": "PRODUCT", "product": {"id": "prod_0a"}},
        "costs": [{"spending": [{"points": 50, "card_definition_id": cdef}]}]})["id"]
    return {"cdef": cdef, "rule": rule, "reward": reward}


def error(client: Client, method: str, path: str, status: int, key: str, body: Any = None, **kw: Any) -> dict[str, Any]:
    got, data = client.request(method, path, body, **kw)
    assert (got, data["key"]) == (status, key), data
    return data


def types(client: Client, program: str) -> list[str]:
    return [a["type"] for a in client.get(f"{V2}/programs/{program}/activities", params={"limit": 100})["data"]]


def test_a_program_runs_its_life(client: Client) -> None:
    drive_programs(client)


def drive_programs(client: Client) -> None:
    """Every program-management route with a success and its typical errors (test_conformance.py runs it when this
    module did not)."""
    conformance.DRIVEN.add("programs")
    tag = uuid.uuid4().hex[:8]
    ids = components(client, tag)
    program = client.post(f"{V2}/programs", {"name": f"Club {tag}"})
    assert program["status"] == "DRAFT"
    p = f"{V2}/programs/{program['id']}"
    error(client, "POST", f"{p}/activate", 423, "missing_active_card_definition")
    error(client, "POST", f"{p}/deactivate", 400, "invalid_state_transition")
    assert types(client, program["id"]) == ["vl.program.created"]

    # assign in batches, each with its errors
    assert client.post(f"{p}/card-definitions/batch", {"assign": [{"id": ids["cdef"]}]})["assigned"][0]["object"] == "program_card_definition"
    error(client, "POST", f"{p}/card-definitions/batch", 409, "duplicate_found", {"assign": [{"id": ids["cdef"]}]})
    assert client.post(f"{p}/earning-rules/batch", {"assign": [{"id": ids["rule"]}]})["assigned"][0]["earning_rule_id"] == ids["rule"]
    error(client, "POST", f"{p}/earning-rules/batch", 404, "not_found", {"unassign": [{"id": "lern_00000000000000000a"}]})
    stock = {"type": "LIMITED", "limited": {"quantity": 2}}
    assert client.post(f"{p}/rewards/batch", {"assign": [{"id": ids["reward"], "stock": stock}]})["assigned"][0]["stock"] == stock
    error(client, "POST", f"{p}/rewards/batch", 400, "invalid_payload", {"assign": [{"id": ids["reward"]}]})
    error(client, "POST", f"{p}/tier-structures/batch", 404, "not_found", {"assign": [{"id": "lts_00000000000000000a"}]})
    assert client.get(f"{p}/tier-structures")["data"] == []
    levels = client.post(f"{V2}/tier-structures", {"name": f"Levels {tag}", "type": "POINT_BALANCE", "status": "ACTIVE",
                                                   "point_balance": {"card_definition_id": ids["cdef"]}})
    assert client.post(f"{p}/tier-structures/batch", {"assign": [{"id": levels["id"]}]})["assigned"][0]["tier_structure_id"] == levels["id"]
    assert [x["tier_structure_id"] for x in client.get(f"{p}/tier-structures")["data"]] == [levels["id"]]
    assert [x["card_definition_id"] for x in client.get(f"{p}/card-definitions")["data"]] == [ids["cdef"]]
    assert [x["earning_rule_id"] for x in client.get(f"{p}/earning-rules")["data"]] == [ids["rule"]]
    assert client.get(f"{p}/rewards")["data"][0]["redeemed"] == 0
    error(client, "GET", f"{p}/rewards", 400, "invalid_query_params", params={"order": "name"})
    updated = client.request("PUT", f"{p}/rewards/{ids['reward']}", {"stock": {"type": "UNLIMITED"}})[1]
    assert updated["stock"] == {"type": "UNLIMITED"}
    error(client, "PUT", f"{p}/rewards/lrew_00000000000000000a", 404, "not_found", {"stock": {"type": "UNLIMITED"}})

    # update while DRAFT, activate, then only name and metadata may change
    got, renamed = client.request("PUT", p, {"name": f"Club {tag} II", "end_date": "2099-01-01T00:00:00Z"})
    assert got == 200 and renamed["end_date"] == "2099-01-01T00:00:00.000Z"
    active = client.post(f"{p}/activate")
    assert active["status"] == "ACTIVE"
    error(client, "POST", f"{p}/activate", 400, "invalid_state_transition")
    error(client, "PUT", p, 400, "invalid_payload", {"end_date": "2098-01-01T00:00:00Z"})
    error(client, "POST", f"{p}/card-definitions/batch", 423, "non_draft_program", {"unassign": [{"id": ids["cdef"]}]})
    error(client, "POST", f"{p}/earning-rules/batch", 423, "missing_active_earning_rule", {"unassign": [{"id": ids["rule"]}]})

    # list, filter, page
    listed = client.get(f"{V2}/programs", params={"filters[name][conditions][$starts_with]": f"Club {tag}"})
    assert [x["id"] for x in listed["data"]] == [program["id"]]
    first = client.get(f"{V2}/programs", params={"limit": 1})
    assert len(first["data"]) == 1 and first["cursor"]["next"].startswith("lcrsprg_")
    error(client, "GET", f"{V2}/programs", 400, "invalid_query_params", params={"filters[colour][conditions][$is]": "red"})
    error(client, "GET", f"{V2}/programs", 400, "invalid_or_expired_cursor", params={"cursor": "lcrsprg_00"})

    # deactivate, delete
    assert client.post(f"{p}/deactivate")["status"] == "INACTIVE"
    got, deleted = client.request("DELETE", p)
    assert (got, deleted["status"]) == (200, "DELETED")
    error(client, "DELETE", p, 404, "not_found")
    error(client, "GET", f"{p}/card-definitions", 404, "not_found")
    error(client, "GET", f"{p}/earning-rules", 404, "not_found")
    error(client, "GET", f"{p}/tier-structures", 400, "invalid_query_params", params={"limit": 0})
    error(client, "GET", f"{V2}/programs/lprg_00000000000000000a/activities", 404, "not_found")
    assert types(client, program["id"]) == [
        "vl.program.deleted", "vl.program.deactivated", "vl.program.activated", "vl.program.updated", "vl.program.reward.updated",
        "vl.program.tier_structure.assigned", "vl.program.reward.assigned", "vl.program.earning_rule.assigned",
        "vl.program.card_definition.assigned", "vl.program.created"]
