"""v1 loyalty tiers over HTTP against the local runtime: bulk create, list, get, the card's tier as the stream consumer
ranks it, the tier's earning rules and rewards, and their typical errors (recorded for test_conformance.py, which checks
each answer against loyalties-v1.json)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e import conformance
from tests.e2e.conftest import Client
from tests.support import eventually

pytestmark = pytest.mark.e2e
NO_TIER = "ltr_0123456789abcdef"


def error(client: Client, method: str, path: str, status: int, key: str, body: Any = None, **kw: Any) -> dict[str, Any]:
    got, data = client.request(method, path, body, **kw)
    assert (got, data.get("key")) == (status, key), data
    return data


def test_v1_tiers_from_bulk_create_to_member_tier(client: Client) -> None:
    _tiers_life(client)


def drive_v1_tiers(client: Client) -> None:
    """Every v1 tier route with a success and its typical errors (test_conformance.py runs it when this module did not)."""
    conformance.DRIVEN.add("v1_tiers")
    _tiers_life(client)


def _tiers_life(client: Client) -> None:
    campaign = client.post("/v1/loyalties", {"name": f"E2E tiers {uuid.uuid4().hex[:8]}", "type": "AUTO_UPDATE",
                                             "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}})
    path = f"/v1/loyalties/{campaign['id']}/tiers"
    silver, gold = client.post(path, [{"name": "Silver", "points": {"from": 0, "to": 99}},
                                      {"name": "Gold", "points": {"from": 100}, "metadata": {"level": 2}}])
    assert client.get(path)["total"] == 2
    assert client.get(path, params={"limit": 1, "order": "-created_at"})["data"][0]["id"] in (silver["id"], gold["id"])
    assert client.get(f"{path}/{gold['id']}") == gold
    client.post(f"/v1/loyalties/{campaign['id']}/earning-rules", [{"event": "order.paid", "loyalty": {"type": "FIXED", "points": 1}}])
    assert client.get(f"{path}/{gold['id']}/earning-rules", params={"limit": 1, "page": 1})["total"] == 1
    assert client.get(f"{path}/{gold['id']}/rewards")["total"] == 0

    card = client.post(f"/v1/loyalties/{campaign['id']}/members", {"customer": f"e2e-tiers-{uuid.uuid4().hex[:8]}"})
    client.post(f"/v1/loyalties/{campaign['id']}/members/{card['code']}/balance", {"points": 150})
    mine = f"/v1/loyalties/members/{card['code']}/tiers"
    eventually(lambda: [t["id"] for t in client.get(mine)["data"]] == [gold["id"]], timeout=30)

    error(client, "POST", path, 400, "invalid_payload", [{"name": "Overlap", "points": {"from": 50, "to": 120}}])
    error(client, "POST", path, 400, "invalid_payload", [{"name": "Mapped", "points": {"from": 500},
                                                          "earning_rules": {"ern_x": {"type": "MULTIPLY", "multiplier": 2}}}])
    error(client, "POST", "/v1/loyalties/camp_doesnotexist000000000000/tiers", 404, "not_found",
          [{"name": "X", "points": {"from": 0}}])
    error(client, "GET", path, 400, "invalid_query_params", params={"limit": 0})
    error(client, "GET", f"{path}/{NO_TIER}", 404, "not_found")
    error(client, "GET", f"{path}/{NO_TIER}/earning-rules", 404, "not_found")
    error(client, "GET", f"{path}/{NO_TIER}/rewards", 404, "not_found")
    error(client, "GET", "/v1/loyalties/members/NO-SUCH-CODE/tiers", 404, "not_found")
