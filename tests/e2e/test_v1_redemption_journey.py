"""v1 reward redemption over HTTP against the local runtime: both paths with a success and their typical errors
(recorded for test_conformance.py, which checks each answer against loyalties-v1.json), and one redemption sent twice
with one `Idempotency-Key`, spent once."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e import conformance
from tests.e2e.conftest import Client

pytestmark = pytest.mark.e2e
NO_REWARD = "rew_0000000000000000000000"
MATERIAL = {"name": "Mug", "type": "MATERIAL", "stock": 5, "parameters": {"product": {"id": "prod_0b15f6b9f650c16990"}}}


def error(client: Client, method: str, path: str, status: int, key: str, body: Any = None, **kw: Any) -> dict[str, Any]:
    got, data = client.request(method, path, body, **kw)
    assert (got, data.get("key")) == (status, key), data
    return data


def test_redemption_on_both_paths(client: Client) -> None:
    _redemption(client)


def drive_v1_redemption(client: Client) -> None:
    """Both v1 redemption routes with a success and their typical errors (test_conformance.py runs it when this module
    did not)."""
    conformance.DRIVEN.add("v1_redemption")
    _redemption(client)


def _redemption(client: Client) -> None:
    campaign = client.post("/v1/loyalties", {"name": f"E2E redemption {uuid.uuid4().hex[:8]}", "type": "AUTO_UPDATE",
                                             "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}})
    card = client.post(f"/v1/loyalties/{campaign['id']}/members", {"customer": f"e2e-redeem-{uuid.uuid4().hex[:8]}"})
    code = card["code"]
    client.post(f"/v1/loyalties/{campaign['id']}/members/{code}/balance", {"points": 250})
    reward = client.post("/v1/rewards", MATERIAL)
    client.post(f"/v1/rewards/{reward['id']}/assignments", {"campaign": campaign["id"], "parameters": {"loyalty": {"points": 100}}})
    body = {"reward": {"id": reward["id"]}}

    with_campaign = f"/v1/loyalties/{campaign['id']}/members/{code}/redemption"
    done = client.post(with_campaign, body)
    assert done["result"] == "SUCCESS" and done["voucher"]["loyalty_card"]["balance"] == 150

    # the same key and body replay the first answer, once spent
    by_code = f"/v1/loyalties/members/{code}/redemption"
    key = {"Idempotency-Key": f"e2e-redeem-{uuid.uuid4().hex}"}
    first = client.request("POST", by_code, body, headers=key)
    again = client.request("POST", by_code, body, headers=key)
    assert first[0] == 200 and again == first
    assert client.get(f"/v1/loyalties/members/{code}")["loyalty_card"]["balance"] == 50

    error(client, "POST", by_code, 400, "loyalty_card_points_exceeded", body)
    error(client, "POST", by_code, 404, "not_found", {"reward": {"id": NO_REWARD}})
    error(client, "POST", "/v1/loyalties/members/NO-SUCH-CARD/redemption", 404, "not_found", body)
    error(client, "POST", with_campaign, 400, "invalid_payload", {"reward": {"id": reward["id"], "points": 10}})
    error(client, "POST", with_campaign, 400, "missing_reward", {})
