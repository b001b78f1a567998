"""v1 points estimation over HTTP against the local runtime: an order estimated, then paid, earns what was estimated (the
worker runs for real), and the route's typical errors (recorded for test_conformance.py, which checks each answer against
loyalties-v1.json)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e import conformance
from tests.e2e.conftest import Client
from tests.support import eventually

pytestmark = pytest.mark.e2e
RULES = [{"event": "order.paid", "loyalty": {"type": "FIXED", "points": 7}},
         {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT",
                                             "order": {"amount": {"every": 100, "points": 2}}}}]


def error(client: Client, path: str, status: int, key: str, body: Any = None, **kw: Any) -> dict[str, Any]:
    got, data = client.request("POST", path, body, **kw)
    assert (got, data.get("key")) == (status, key), data
    return data


def test_an_estimated_order_earns_the_estimate_once_paid(client: Client) -> None:
    _estimate(client)


def drive_v1_estimate(client: Client) -> None:
    """The v1 points estimation with a success and its typical errors (test_conformance.py runs it when this module did not)."""
    conformance.DRIVEN.add("v1_estimate")
    _estimate(client)


def _campaign(client: Client, name: str, **extra: Any) -> dict[str, Any]:
    return dict(client.post("/v1/loyalties", {"name": f"E2E {name} {uuid.uuid4().hex[:8]}", "type": "AUTO_UPDATE",
                                              "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}, **extra}))


def _estimate(client: Client) -> None:
    campaign = _campaign(client, "estimate")
    client.post(f"/v1/loyalties/{campaign['id']}/earning-rules", RULES)
    customer = f"e2e-estimate-{uuid.uuid4().hex[:8]}"
    card = client.post(f"/v1/loyalties/{campaign['id']}/members", {"customer": customer})
    path = f"/v1/loyalties/{campaign['id']}/qualifications"
    order = {"amount": 4250, "items": [{"product_id": "prod_0a1b", "quantity": 1, "price": 4250}]}
    answer = client.post(path, {"customer": {"source_id": customer}, "order": order})
    assert answer == {"campaign": {"id": campaign["id"], "name": campaign["name"], "object": "campaign"}, "points_estimation": 7 + 84}

    client.post("/v1/orders", {**order, "status": "PAID", "customer": {"source_id": customer}})
    eventually(lambda: client.get(f"/v1/loyalties/members/{card['code']}")["loyalty_card"]["points"] == 7 + 84, timeout=30)

    error(client, "/v1/loyalties/camp_0000000000000000000000/qualifications", 404, "not_found",
          {"customer": {"source_id": customer}, "order": order})
    error(client, path, 400, "invalid_payload", {"order": order})
    error(client, path, 404, "not_found", {"customer": {"source_id": customer}, "order": {"source_id": "e2e-no-such-order"}})
    closed = _campaign(client, "estimate closed", auto_join=False)
    error(client, f"/v1/loyalties/{closed['id']}/qualifications", 400, "campaign_not_allow_auto_join",
          {"customer": {"source_id": customer}, "order": order})
