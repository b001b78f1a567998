"""Reward purchase refunds over HTTP: buy a REFUNDABLE reward, refund it (202, the REFUND transaction APPROVED, the
purchase REFUNDED), watch the worker return the points and the stock, and the typical errors (test_conformance.py
validates each recorded exchange against the Voucherify reference)."""

from __future__ import annotations

import uuid
from typing import Any

from tests.e2e import conformance
from tests.e2e.conftest import Client
from tests.support import eventually

V2 = "/v2/loyalties"


def test_a_refund_returns_the_points_and_the_stock(client: Client) -> None:
    drive_refunds(client)


def drive_refunds(client: Client) -> dict[str, Any]:
    """A refund's success and its typical errors (test_conformance.py runs it when this module did not)."""
    conformance.DRIVEN.add("refunds")
    tag = uuid.uuid4().hex[:8]
    post, get = client.post, client.get
    cdef = post(f"{V2}/card-definitions", {"name": f"Refund wallet {tag}", "type": "INDIVIDUAL", "status": "ACTIVE"})["id"]
    rule = post(f"{V2}/earning-rules", {
        "name": f"Order paid {tag}", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": cdef}}]}]})["id"]
    reward = post(f"{V2}/rewards", {"name": f"Mug {tag}", "type": "MATERIAL", "status": "ACTIVE", "refunds": {"type": "REFUNDABLE"},
                                    "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}},
                                    "costs": [{"spending": [{"points": 100, "card_definition_id": cdef}]}]})["id"]
    program = post(f"{V2}/programs", {"name": f"Refunds {tag}", "status": "ACTIVE", "card_definitions": [{"id": cdef}],
                                      "earning_rules": [{"id": rule}], "rewards": [{"id": reward, "stock": 3}]})["id"]
    customer = post("/v1/customers", {"source_id": f"refund-{tag}"})["id"]
    member = post(f"{V2}/programs/{program}/members", {"customer_id": customer})
    m = f"{V2}/programs/{program}/members/{member['id']}"
    card = f"{m}/cards/{member['cards'][0]['card']['id']}"
    post(f"{card}/points", {"points": 300})
    eventually(lambda: get(m)["cards"][0]["card"]["balance"]["points"] == 300)
    spend = post(f"{m}/rewards/purchases", {"reward_id": reward}, expect=202)
    rtx = spend["transaction"]["details"]["reward_transaction"]["id"]
    refund_path = f"{V2}/programs/{program}/rewards/purchases/{rtx}/refund"
    eventually(lambda: get(f"{m}/rewards/purchases")["data"][0]["status"] == "APPROVED")
    conformance.expect(client, "POST", refund_path, {"policies": {"stock": "KEEP"}}, 400, "invalid_payload")
    conformance.expect(client, "POST", f"{V2}/programs/{program}/rewards/purchases/lrtx_0123456789abcdef01/refund", {}, 404, "not_found")

    refund = post(refund_path, {"policies": {"refund": "DEFAULT", "stock": "DEFAULT"}}, expect=202)
    assert (refund["status"], refund["transaction"]["type"], refund["transaction"]["status"]) == ("APPROVED", "REFUND", "APPROVED")
    conformance.expect(client, "POST", refund_path, None, 409, "invalid_state_transition")  # already refunded
    eventually(lambda: get(m)["cards"][0]["card"]["balance"]["points"] == 300)
    eventually(lambda: get(f"{V2}/programs/{program}")["rewards"][0]["stock"] == 3)
    listed = {t["type"]: t for t in get(f"{m}/rewards/purchases")["data"]}
    assert listed["PURCHASE"]["status"] == "REFUNDED" and listed["REFUND"]["id"] == refund["transaction"]["id"]
    returned = [t for t in get(f"{card}/transactions")["data"] if t["type"] == "POINTS_RETURNED"]
    assert [t["status"] for t in returned] == ["APPROVED"] and returned[0]["details"]["points"]["total"] == 100
    return {"program": program, "refund": refund}
