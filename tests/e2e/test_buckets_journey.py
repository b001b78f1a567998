"""Points buckets over HTTP against the local runtime: a card's pending points listed, activated and canceled, its
expiring points listed and expired, a v1 card's pending entries listed, adjusted, activated and canceled and its points
buckets listed; every route with a success and its typical errors (recorded for test_conformance.py). No route earns
into a card yet, so the buckets are written into the served table as earning writes them (bench/buckets.py)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from bench.buckets import card_ref, seed_expiring, seed_pending, served_table
from tests.e2e import conformance as cf
from tests.e2e.conformance import NO_SUCH, V2, expect
from tests.e2e.conftest import SERVED, Client

pytestmark = pytest.mark.e2e
PENDING_7D = {"type": "PERIOD_BASED", "period_based": {"period": {"unit": "DAY", "value": 7}}}
ROLLING_6M = {"type": "ROLLING_EXPIRATION", "rolling_expiration": {"period": {"unit": "MONTH", "value": 6}}}


def _day(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def world(client: Client) -> dict[str, Any]:
    """A member of an ACTIVE program whose wallet delays and expires points, holding two pending and two expiring
    buckets; and a v1 card holding two pending entries and a points bucket."""
    tag = uuid.uuid4().hex[:8]
    cdef = client.post(f"{V2}/card-definitions", {"name": f"Buckets wallet {tag}", "type": "INDIVIDUAL", "status": "ACTIVE",
                                                   "pending_points": PENDING_7D, "points_expiration": ROLLING_6M})
    rule = client.post(f"{V2}/earning-rules", {
        "name": "Order paid", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": cdef["id"]}}]}]})
    program = client.post(f"{V2}/programs", {"name": f"Buckets {tag}", "status": "ACTIVE", "card_definitions": [{"id": cdef["id"]}],
                                             "earning_rules": [{"id": rule["id"]}]})
    customer = client.post("/v1/customers", {"source_id": f"buckets-{tag}", "name": "Bucket"})
    member = client.post(f"{V2}/programs/{program['id']}/members", {"customer_id": customer["id"]})
    card_id = member["cards"][0]["card"]["id"]
    db = served_table(SERVED[client.base_url], client.session.headers["X-App-Id"].split(".", 1)[0])  # type: ignore[union-attr]
    ref = card_ref(card_id, member["id"], program["id"], cdef["id"], customer["id"])
    seed_pending(db, ref, 30, _day(7))
    seed_pending(db, ref, 20, _day(8))
    seed_expiring(db, ref, 40, _day(60))
    seed_expiring(db, ref, 50, _day(90))
    campaign = client.post("/v1/loyalties", {"name": f"Buckets loyalty {tag}", "type": "AUTO_UPDATE", "voucher": {
        "type": "LOYALTY_CARD", "loyalty_card": {"points": 5}, "code_config": {"pattern": "BK-########"}}})
    voucher = client.post(f"/v1/loyalties/{campaign['id']}/members", {"customer": customer["id"]})
    claim = db.get(db.keys.card_code(voucher["code"]))
    assert claim is not None, voucher
    v1 = card_ref(claim["card_id"], claim["member_id"], campaign["id"], campaign["id"], customer["id"])
    entries = ["lopp_" + seed_pending(db, v1, points, _day(3))["id"].removeprefix("lcppb_") for points in (10, 15)]
    seed_expiring(db, v1, 25, _day(30))
    return {"card": f"{V2}/programs/{program['id']}/members/{member['id']}/cards/{card_id}",
            "member": f"{V2}/programs/{program['id']}/members/{member['id']}", "campaign": campaign["id"], "code": voucher["code"],
            "voucher": voucher, "entries": entries}


def drive_buckets(client: Client) -> dict[str, Any]:
    """Every points-bucket route with a success and its typical errors (test_conformance.py runs it when this module did not)."""
    cf.DRIVEN.add("buckets")
    w = world(client)
    card = w["card"]

    pending = client.get(f"{card}/pending-points")["data"]
    assert [b["points"]["total"] for b in pending] == [30, 20]
    page = client.get(f"{card}/pending-points", params={"limit": 1, "order": "-date"})
    assert page["data"][0]["id"] == pending[1]["id"] and page["cursor"]["next"].startswith("lcrscppb_")
    client.get(f"{card}/pending-points", params={"limit": 1, "order": "-date", "cursor": page["cursor"]["next"]})
    expect(client, "GET", f"{card}/pending-points", None, 400, "invalid_query_params", params={"order": "date,-date"})
    expect(client, "GET", f"{card.rsplit('/', 1)[0]}/{NO_SUCH['card']}/pending-points", None, 404, "not_found")
    assert client.get(w["member"])["cards"][0]["card"]["next_activation"] == {"points": 30, "type": "PERIOD_BASED", "date": _day(7)}

    activated = client.post(f"{card}/pending-points/{pending[0]['id']}/activate")
    assert activated["transaction"]["type"] == "PENDING_POINTS_ACTIVATED" and activated["status"] == "TRANSACTION_CREATED"
    expect(client, "POST", f"{card}/pending-points/{pending[0]['id']}/activate", None, 423, "invalid_pending_points_bucket_status")
    canceled = client.post(f"{card}/pending-points/{pending[1]['id']}/cancel")
    assert canceled["transaction"]["type"] == "PENDING_POINTS_CANCELED"
    expect(client, "POST", f"{card}/pending-points/{pending[1]['id']}/cancel", None, 423, "invalid_pending_points_bucket_status")
    expect(client, "POST", f"{card}/pending-points/lcppb_000000000000000000/cancel", None, 404, "not_found")
    assert client.get(f"{card}/pending-points")["data"] == []

    expiring = client.get(f"{card}/expiring-points")["data"]
    assert len(expiring) == 3 and expiring[0]["points"] == {"total": 40}  # and the 30 activated points, expiring in 6 months
    page = client.get(f"{card}/expiring-points", params={"limit": 1})
    client.get(f"{card}/expiring-points", params={"limit": 1, "cursor": page["cursor"]["next"]})
    expect(client, "GET", f"{card}/expiring-points", None, 400, "invalid_or_expired_cursor", params={"cursor": "lcrspeb_00ff"})
    expired = client.post(f"{card}/expiring-points/{expiring[0]['id']}/expire")
    assert expired["transaction"]["type"] == "ADMIN_POINTS_EXPIRATION" and expired["transaction"]["details"]["bucket"]["id"] == expiring[0]["id"]
    expect(client, "POST", f"{card}/expiring-points/{expiring[0]['id']}/expire", None, 423, "invalid_points_bucket_status")
    got = client.get(w["member"])["cards"][0]["card"]
    assert got["balance"] == {"points": 30 + 50, "pending_points": 0} and got["next_activation"] is None
    assert got["next_expiration"] == {"points": 50, "date": _day(90)}

    code, v1 = w["code"], f"/v1/loyalties/members/{w['code']}/pending-points"
    listed = client.get(f"/v1/loyalties/{w['campaign']}/members/{code}/pending-points")
    assert sorted(e["id"] for e in listed["data"]) == sorted(w["entries"]) and listed["has_more"] is False
    expect(client, "GET", f"/v1/loyalties/{w['campaign']}/members/NO-SUCH-CODE/pending-points", None, 404, "not_found")
    assert client.get(v1, params={"limit": 1})["has_more"] is True
    expect(client, "GET", v1, None, 400, "invalid_query_params", params={"limit": 0})
    first, second = w["entries"]
    assert client.post(f"{v1}/{first}/balance", {"points": 5})["total"] == 30
    expect(client, "POST", f"{v1}/{first}/balance", {"points": -100}, 400, "invalid_amount")
    balance = client.post(f"{v1}/{first}/activate")
    assert (balance["points"], balance["balance"], balance["object"]) == (15, 5 + 25 + 15, "balance")
    expect(client, "POST", f"{v1}/{first}/activate", None, 400, "invalid_pending_points_state")
    assert client.request("POST", f"{v1}/{second}/cancel") == (204, None)
    expect(client, "POST", f"{v1}/{second}/cancel", None, 400, "invalid_pending_points_state")
    expect(client, "POST", f"{v1}/lopp_000000000000000000/cancel", None, 404, "not_found")
    buckets = client.get(f"/v1/loyalties/{w['campaign']}/members/{code}/points-expiration")
    assert buckets["total"] == 1 and buckets["data"][0]["bucket"] == {"total_points": 25}
    expect(client, "GET", f"/v1/loyalties/{w['campaign']}/members/NO-SUCH-CODE/points-expiration", None, 404, "not_found")
    assert client.get(f"/v1/loyalties/members/{code}")["loyalty_card"]["next_expiration_points"] == 25
    return w


def test_points_buckets_over_http(client: Client) -> None:
    drive_buckets(client)
