"""Pay with points over HTTP: a member's card pays part of an order (DRY_RUN 200, TRANSACTION 202, approved by the
worker), the payment is listed, a canceled PAID order returns the points, and the typical errors (test_conformance.py
validates each recorded exchange against the Voucherify reference)."""

from __future__ import annotations

import uuid
from typing import Any

from tests.e2e import conformance
from tests.e2e.conftest import Client
from tests.support import eventually

V2 = "/v2/loyalties"
RETURN_ALL = {"spent_points": {"type": "REFUNDABLE", "methods": [{"type": "RETURN_POINTS", "mode": "REFUND_ALL"}]},
              "earned_points": {"type": "NONE"}}


def test_a_payment_spends_points_and_a_cancel_returns_them(client: Client) -> None:
    drive_payments(client)


def drive_payments(client: Client) -> dict[str, Any]:
    """A payment's success, its list, the return on cancel and its typical errors (test_conformance.py runs it when this
    module did not)."""
    conformance.DRIVEN.add("payments")
    tag = uuid.uuid4().hex[:8]
    post, get = client.post, client.get
    cdef = post(f"{V2}/card-definitions", {"name": f"Pay wallet {tag}", "type": "INDIVIDUAL", "status": "ACTIVE", "refunds": RETURN_ALL,
                                           "pay_with_points": {"type": "EXCHANGE_RATIO", "exchange_ratio": {"formula": 2}}})["id"]
    closed = post(f"{V2}/card-definitions", {"name": f"No pay wallet {tag}", "type": "INDIVIDUAL", "status": "ACTIVE"})["id"]
    conformance.expect(client, "POST", f"{V2}/card-definitions", {
        "name": f"Formula wallet {tag}", "type": "INDIVIDUAL",
        "pay_with_points": {"type": "EXCHANGE_RATIO", "exchange_ratio": {"formula": "POINTS * 2"}}}, 400, "invalid_payload")
    rule = post(f"{V2}/earning-rules", {
        "name": f"Order paid {tag}", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 0, "card_definition_id": cdef}}]}]})["id"]
    program = post(f"{V2}/programs", {"name": f"Payments {tag}", "status": "ACTIVE", "card_definitions": [{"id": cdef}, {"id": closed}],
                                      "earning_rules": [{"id": rule}]})["id"]
    customer = post("/v1/customers", {"source_id": f"payer-{tag}"})["id"]
    member = post(f"{V2}/programs/{program}/members", {"customer_id": customer})
    m = f"{V2}/programs/{program}/members/{member['id']}"
    by_cdef = {c["card"]["card_definition_id"]: c["card"]["id"] for c in member["cards"]}
    card_id = by_cdef[cdef]
    order = post("/v1/orders", {"source_id": f"pay-{tag}", "status": "CREATED", "amount": 1000, "customer": {"id": customer}})
    pay = f"{m}/orders/payments"
    conformance.expect(client, "POST", pay, {"card_id": card_id, "order": {"id": order["id"]}}, 423, "zero_card_balance")
    conformance.expect(client, "POST", pay, {"card_id": by_cdef[closed], "order": {"id": order["id"]}}, 423, "pay_with_points_not_enabled")
    conformance.expect(client, "POST", pay, {"card_id": card_id, "order": {"id": "ord_0123456789abcdef01"}}, 404, "not_found")
    conformance.expect(client, "POST", pay, {"card_id": card_id}, 400, "invalid_payload")
    post(f"{m}/cards/{card_id}/points", {"points": 300})
    eventually(lambda: {c["card"]["id"]: c["card"] for c in get(m)["cards"]}[card_id]["balance"]["points"] == 300)

    dry = post(pay, {"card_id": card_id, "order": {"source_id": f"pay-{tag}"}, "mode": "DRY_RUN"})
    assert dry["transaction"]["status"] == "SIMULATED"
    assert dry["transaction"]["details"]["payment"] == {"amount": 600, "points_spent": 300, "exchange_ratio": 2}
    made = post(pay, {"card_id": card_id, "order": {"id": order["id"]}, "payment_limit": {"type": "AMOUNT_LIMIT", "amount_limit": {"max": 200}}},
                expect=202)
    assert made["transaction"]["details"]["payment"] == {"amount": 200, "points_spent": 100, "exchange_ratio": 2}
    eventually(lambda: get(pay)["data"][0]["status"] == "APPROVED")
    get(pay, params={"limit": 1})
    conformance.expect(client, "GET", pay, None, 400, params={"limit": 0})

    for status in ("PAID", "CANCELED"):
        assert client.request("PUT", f"/v1/orders/{order['id']}", {"status": status})[0] == 200
    card = f"{m}/cards/{card_id}"
    eventually(lambda: any(t["type"] == "POINTS_RETURNED" for t in get(f"{card}/transactions")["data"]))
    eventually(lambda: {c["card"]["id"]: c["card"] for c in get(m)["cards"]}[card_id]["balance"]["points"] == 300)
    return {"program": program, "payment": made}
