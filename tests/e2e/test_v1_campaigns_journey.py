"""v1 loyalty campaigns, members, transactions and transfers over HTTP against the local runtime: every route with a
success and its typical errors (recorded for test_conformance.py, which checks each answer against loyalties-v1.json)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e import conformance
from tests.e2e.conftest import Client
from tests.support import eventually

pytestmark = pytest.mark.e2e
NO_CAMPAIGN = "camp_0000000000000000000000"


def error(client: Client, method: str, path: str, status: int, key: str, body: Any = None, **kw: Any) -> dict[str, Any]:
    got, data = client.request(method, path, body, **kw)
    assert (got, data.get("key")) == (status, key), data
    return data


def test_a_campaign_from_list_to_delete(client: Client) -> None:
    _campaign_life(client)


def drive_v1_campaigns(client: Client) -> None:
    """Every v1 campaign route of this module with a success and its typical errors (test_conformance.py runs it when
    this module did not)."""
    conformance.DRIVEN.add("v1_campaigns")
    _campaign_life(client)


def _campaign(client: Client, name: str) -> dict[str, Any]:
    return dict(client.post("/v1/loyalties", {"name": name, "type": "AUTO_UPDATE",
                                              "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}}))


def _campaign_life(client: Client) -> None:
    tag = uuid.uuid4().hex[:8]
    first, second = _campaign(client, f"E2E campaigns {tag} 1"), _campaign(client, f"E2E campaigns {tag} 2")

    # list: newest first, a second page, the other order
    page = client.get("/v1/loyalties", params={"limit": 1})
    assert page["data_ref"] == "campaigns" and page["total"] >= 2 and page["campaigns"][0]["id"] == second["id"]
    client.get("/v1/loyalties", params={"limit": 1, "page": 2, "order": "-created_at"})
    error(client, "GET", "/v1/loyalties", 400, "invalid_query_params", params={"limit": 0})

    # update
    status, updated = client.request("PUT", f"/v1/loyalties/{first['id']}", {
        "description": "Updated", "metadata": {"season": "fall"}, "loyalty_card": {"points": 5}})
    assert status == 200 and updated["description"] == "Updated", updated
    error(client, "PUT", f"/v1/loyalties/{first['id']}", 400, "invalid_payload", {"name": "no"})
    error(client, "PUT", f"/v1/loyalties/{NO_CAMPAIGN}", 404, "not_found", {"description": "x"})

    # members: the campaign's cards as vouchers
    card = client.post(f"/v1/loyalties/{second['id']}/members", {"customer": {"source_id": f"e2e-camp-{tag}"}})
    client.post(f"/v1/loyalties/{second['id']}/members", {"customer": {"source_id": f"e2e-camp-{tag}-2"}})
    listed = client.get(f"/v1/loyalties/{second['id']}/members", params={"limit": 1})
    assert listed["data_ref"] == "vouchers" and listed["total"] == 2
    client.get(f"/v1/loyalties/{second['id']}/members", params={"limit": 1, "page": 2, "customer": f"e2e-camp-{tag}"})
    error(client, "GET", f"/v1/loyalties/{second['id']}/members", 400, "invalid_query_params", params={"order": "name"})
    error(client, "GET", f"/v1/loyalties/{NO_CAMPAIGN}/members", 404, "not_found")

    # transactions: a card's and the campaign's, in the v1 shape, page by page
    code = card["code"]
    for points in (100, -30):
        client.post(f"/v1/loyalties/{second['id']}/members/{code}/balance", {"points": points, "reason": "e2e"})
    txs = client.get(f"/v1/loyalties/{second['id']}/members/{code}/transactions", params={"limit": 1})
    assert txs["data"][0]["type"] == "POINTS_REMOVAL" and txs["has_more"] is True
    client.get(f"/v1/loyalties/members/{code}/transactions", params={"starting_after_id": txs["more_starting_after"]})
    client.get(f"/v1/loyalties/{second['id']}/transactions", params={"limit": 1, "order": "id"})
    error(client, "GET", f"/v1/loyalties/members/{code}/transactions", 400, "invalid_query_params", params={"limit": 0})
    error(client, "GET", f"/v1/loyalties/{second['id']}/transactions", 400, "invalid_query_params", params={"order": "x"})
    error(client, "GET", f"/v1/loyalties/{NO_CAMPAIGN}/members/{code}/transactions", 404, "not_found")
    error(client, "GET", f"/v1/loyalties/{NO_CAMPAIGN}/transactions", 404, "not_found")
    error(client, "GET", "/v1/loyalties/members/NO-SUCH-CODE/transactions", 404, "not_found")

    # transfers: points from the other card move to this one, both sides recorded
    other = client.get(f"/v1/loyalties/{second['id']}/members", params={"customer": f"e2e-camp-{tag}-2"})["vouchers"][0]
    client.post(f"/v1/loyalties/{second['id']}/members/{other['code']}/balance", {"points": 40})
    moved = client.post(f"/v1/loyalties/{second['id']}/members/{code}/transfers",
                        [{"code": other["code"], "points": 25, "reason": "Merge", "source_id": f"e2e-{tag}"}])
    assert moved["code"] == code and moved["loyalty_card"]["balance"] == 95
    assert client.get(f"/v1/loyalties/members/{other['code']}/transactions")["data"][0]["type"] == "POINTS_TRANSFER_OUT"
    error(client, "POST", f"/v1/loyalties/{second['id']}/members/{code}/transfers", 423, "insufficient_card_balance",
          [{"code": other["code"], "points": 1000}])
    error(client, "POST", f"/v1/loyalties/{second['id']}/members/{code}/transfers", 400, "invalid_payload", [{"code": code, "points": 1}])
    error(client, "POST", f"/v1/loyalties/{second['id']}/members/{code}/transfers", 404, "not_found", [{"code": "NO-SUCH", "points": 1}])

    # activity and the campaign's pending points
    activity = client.get(f"/v1/loyalties/{second['id']}/members/{code}/activity", params={"limit": 1})
    assert activity["data"][0]["type"] == "customer.voucher.loyalty_card.points_transferred" and activity["has_more"] is True
    client.get(f"/v1/loyalties/members/{code}/activity", params={"order": "created_at"})
    error(client, "GET", f"/v1/loyalties/members/{code}/activity", 400, "invalid_query_params", params={"order": "id"})
    error(client, "GET", "/v1/loyalties/members/NO-SUCH-CODE/activity", 404, "not_found")
    error(client, "GET", f"/v1/loyalties/{NO_CAMPAIGN}/members/{code}/activity", 404, "not_found")
    pending = client.get(f"/v1/loyalties/{second['id']}/pending-points", params={"limit": 1})
    assert pending["data_ref"] == "data" and pending["has_more"] is False
    error(client, "GET", f"/v1/loyalties/{second['id']}/pending-points", 400, "invalid_query_params", params={"limit": 0})
    error(client, "GET", f"/v1/loyalties/{NO_CAMPAIGN}/pending-points", 404, "not_found")

    # delete: an async action, whose worker deletes the cards
    status, deleted = client.request("DELETE", f"/v1/loyalties/{second['id']}")
    assert status == 200 and deleted["async_action_id"].startswith("aa_"), deleted
    eventually(lambda: client.get(f"/v1/async-actions/{deleted['async_action_id']}")["status"] == "DONE")
    error(client, "GET", f"/v1/loyalties/members/{card['code']}", 404, "not_found")
    error(client, "DELETE", f"/v1/loyalties/{second['id']}", 404, "not_found")
    error(client, "DELETE", f"/v1/loyalties/{first['id']}", 400, "invalid_query_params", params={"force": "maybe"})
    status, _ = client.request("DELETE", f"/v1/loyalties/{first['id']}", params={"force": "true"})
    assert status == 200
