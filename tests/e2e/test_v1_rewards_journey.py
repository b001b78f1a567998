"""v1 rewards and reward assignments over HTTP against the local runtime: every route with a success and its typical errors
(recorded for test_conformance.py, which checks each answer against rewards-v1.json and loyalties-v1.json)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e import conformance
from tests.e2e.conftest import Client

pytestmark = pytest.mark.e2e
NO_REWARD = "rew_0000000000000000000000"
NO_ASSIGNMENT = "rewa_000000000000000000000"
MATERIAL = {"name": "Get a Comic Book", "type": "MATERIAL", "metadata": {"Type": "Material"}, "stock": 2,
            "parameters": {"product": {"id": "prod_0b15f6b9f650c16990", "sku_id": "sku_0b1621b319d248b79f"}},
            "attributes": {"image_url": "https://www.website.com/img_fPHsk9Ob.png", "description": "Comic book"}}


def error(client: Client, method: str, path: str, status: int, key: str, body: Any = None, **kw: Any) -> dict[str, Any]:
    got, data = client.request(method, path, body, **kw)
    assert (got, data.get("key")) == (status, key), data
    return data


def test_rewards_and_assignments_from_create_to_delete(client: Client) -> None:
    _rewards_life(client)


def drive_v1_rewards(client: Client) -> None:
    """Every v1 reward and reward-assignment route with a success and its typical errors (test_conformance.py runs it when
    this module did not)."""
    conformance.DRIVEN.add("v1_rewards")
    _rewards_life(client)


def _rewards_life(client: Client) -> None:
    name = f"E2E rewards {uuid.uuid4().hex[:8]}"
    campaign = client.post("/v1/loyalties", {"name": name, "type": "AUTO_UPDATE",
                                             "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}})
    card = client.post(f"/v1/loyalties/{campaign['id']}/members", {"customer": f"e2e-rewards-{uuid.uuid4().hex[:8]}"})
    client.post(f"/v1/loyalties/{campaign['id']}/members/{card['code']}/balance", {"points": 150})

    # rewards: create (material, loyalty points), get, list with a second page, update; refused kinds
    material = client.post("/v1/rewards", MATERIAL)
    points = client.post("/v1/rewards", {"name": "Points", "type": "CAMPAIGN", "parameters": {"campaign": {"id": campaign["id"], "balance": 50}}})
    assert client.get(f"/v1/rewards/{material['id']}") == material
    assert client.get("/v1/rewards", params={"limit": 1, "page": 2})["total"] >= 2
    client.get("/v1/rewards", params={"assignment_id": NO_ASSIGNMENT})
    updated = client.request("PUT", f"/v1/rewards/{material['id']}", {"name": "Comic", "stock": 5})[1]
    assert (updated["name"], updated["stock"]) == ("Comic", 5)
    error(client, "POST", "/v1/rewards", 400, "invalid_payload", {"name": "Coin", "parameters": {"coin": {"exchange_ratio": 1}}})
    error(client, "POST", "/v1/rewards", 400, "invalid_payload",
          {"name": "Gift", "parameters": {"campaign": {"id": campaign["id"], "type": "GIFT_VOUCHERS", "balance": 1}}})
    error(client, "GET", f"/v1/rewards/{NO_REWARD}", 404, "not_found")
    error(client, "PUT", f"/v1/rewards/{NO_REWARD}", 404, "not_found", {"name": "x"})
    error(client, "GET", "/v1/rewards", 400, "invalid_query_params", params={"limit": 0})

    # assignments from the reward's side
    assignments = f"/v1/rewards/{material['id']}/assignments"
    first = client.post(assignments, {"campaign": campaign["id"], "parameters": {"loyalty": {"points": 100}}})
    error(client, "POST", assignments, 409, "duplicate_found", {"campaign": campaign["id"], "parameters": {"loyalty": {"points": 1}}})
    error(client, "POST", assignments, 400, "invalid_payload", {"campaign": campaign["id"]})
    assert client.get(assignments)["data"] == [first]
    error(client, "GET", f"/v1/rewards/{NO_REWARD}/assignments", 404, "not_found")
    assert client.get(f"{assignments}/{first['id']}") == first
    error(client, "GET", f"{assignments}/{NO_ASSIGNMENT}", 404, "not_found")
    first = client.request("PUT", f"{assignments}/{first['id']}", {"parameters": {"loyalty": {"points": 120}}})[1]
    error(client, "PUT", f"{assignments}/{NO_ASSIGNMENT}", 404, "not_found", {"parameters": {"loyalty": {"points": 1}}})
    error(client, "DELETE", f"/v1/rewards/{material['id']}", 400, "resource_in_use")

    # assignments from the campaign's side
    c_rewards = f"/v1/loyalties/{campaign['id']}/rewards"
    [second] = client.post(c_rewards, [{"reward": points["id"], "parameters": {"loyalty": {"points": 200}}}])
    error(client, "POST", c_rewards, 404, "not_found", [{"reward": NO_REWARD, "parameters": {"loyalty": {"points": 1}}}])
    assert [a["id"] for a in client.get(c_rewards)["data"]] == [first["id"], second["id"]]
    assert client.get(c_rewards, params={"limit": 1, "page": 2})["data"] == [second]
    c_assignments = f"/v1/loyalties/{campaign['id']}/reward-assignments"
    assert client.get(c_assignments, params={"assignmentId": second["id"]})["data"] == [second]
    error(client, "GET", c_assignments, 400, "invalid_query_params", params={"cursor": "x"})
    assert client.get(f"{c_rewards}/{second['id']}") == second
    assert client.get(f"{c_assignments}/{second['id']}") == second
    error(client, "GET", f"{c_rewards}/{NO_ASSIGNMENT}", 404, "not_found")
    error(client, "GET", f"{c_assignments}/{NO_ASSIGNMENT}", 404, "not_found")
    error(client, "PUT", f"{c_rewards}/{NO_ASSIGNMENT}", 404, "not_found", {"parameters": {"loyalty": {"points": 1}}})
    assert client.get(f"{c_assignments}/{second['id']}/reward") == points
    error(client, "GET", f"{c_assignments}/{NO_ASSIGNMENT}/reward", 404, "not_found")
    error(client, "GET", "/v1/loyalties/camp_doesnotexist0/rewards", 404, "not_found")
    second = client.request("PUT", f"{c_rewards}/{second['id']}", {"parameters": {"loyalty": {"points": 160}}})[1]
    assert second["parameters"]["loyalty"]["points"] == 160

    # the member's rewards: 150 points afford the 120 assignment, not the 160 one
    member_rewards = f"/v1/loyalties/members/{card['code']}/rewards"
    assert [d["assignment"]["id"] for d in client.get(member_rewards)["data"]] == [first["id"], second["id"]]
    assert [d["reward"]["id"] for d in client.get(member_rewards, params={"affordable_only": "true"})["data"]] == [material["id"]]
    error(client, "GET", "/v1/loyalties/members/NO-SUCH-CODE/rewards", 404, "not_found")

    # deletes: the assignments, then the rewards
    assert client.request("DELETE", f"{c_rewards}/{second['id']}")[0] == 204
    error(client, "DELETE", f"{c_rewards}/{second['id']}", 404, "not_found")
    assert client.request("DELETE", f"{assignments}/{first['id']}")[0] == 204
    error(client, "DELETE", f"{assignments}/{first['id']}", 404, "not_found")
    for reward in (material, points):
        assert client.request("DELETE", f"/v1/rewards/{reward['id']}")[0] == 204
    error(client, "DELETE", f"/v1/rewards/{material['id']}", 404, "not_found")
