"""Examine earning rules over HTTP: a member's estimates for an order, a custom event (with a benefit), a segment entry and
all triggers at once, its errors; Examine rewards (a reward short of points, its errors); and that nothing changed on the
card (test_conformance.py validates each recorded exchange against the Voucherify reference)."""

from __future__ import annotations

import uuid
from typing import Any

from tests.e2e import conformance
from tests.e2e.conftest import Client, event_schema
from tests.support import eventually

V2 = "/v2/loyalties"
EXAMINE = f"{V2}/examine/earning-rules"
EXAMINE_REWARDS = f"{V2}/examine/rewards"


def error(client: Client, body: Any, status: int, key: str) -> dict[str, Any]:
    got, data = client.request("POST", EXAMINE, body)
    assert (got, data["key"]) == (status, key), data
    return data


def test_examine_estimates_and_changes_nothing(client: Client) -> None:
    drive_examine(client)


def drive_examine(client: Client) -> None:
    """Examine's successes and typical errors (test_conformance.py runs it when this module did not)."""
    conformance.DRIVEN.add("examine")
    tag = uuid.uuid4().hex[:8]
    post = client.post
    review_schema = event_schema(client, f"review_{tag}")
    cdef = post(f"{V2}/card-definitions", {"name": f"Examined {tag}", "type": "INDIVIDUAL", "status": "ACTIVE"})["id"]
    mug = post(f"{V2}/benefits", {"name": f"Mug {tag}", "type": "MATERIAL", "status": "ACTIVE",
                                  "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}}})["id"]
    per_euro = post(f"{V2}/earning-rules", {
        "name": f"Per euro {tag}", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS_PROPORTIONAL", "points_proportional": {
            "calculation_type": "POST_DISCOUNT_ORDER_AMOUNT", "card_definition_id": cdef, "order": {"total_amount": {"every": 100, "value": 1}}}}]}]})
    review = post(f"{V2}/earning-rules", {
        "name": f"Review {tag}", "status": "ACTIVE", "trigger": {"event": "customer.custom_event", "custom_event": {"schema_id": review_schema}},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 50, "card_definition_id": cdef}},
                                  {"type": "BENEFIT", "benefit": {"id": mug}}]}]})
    vip = post(f"{V2}/earning-rules", {
        "name": f"VIP {tag}", "status": "ACTIVE", "trigger": {"event": "customer.segment.entered", "segment": {"id": "seg_0vip"}},
        "earnings": [{"rules": {"logic": "1", "1": {"name": "customer.metadata", "property": "vip", "conditions": {"$is": [True]}}},
                      "effects": [{"type": "POINTS", "points": {"value": 150, "card_definition_id": cdef}}]}]})
    coffee = post(f"{V2}/rewards", {"name": f"Coffee {tag}", "type": "MATERIAL", "status": "ACTIVE",
                                    "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}},
                                    "costs": [{"spending": [{"points": 100, "card_definition_id": cdef}]}]})["id"]
    program = post(f"{V2}/programs", {"name": f"Examined {tag}", "status": "ACTIVE", "card_definitions": [{"id": cdef}],
                                      "earning_rules": [{"id": r["id"]} for r in (per_euro, review, vip)], "rewards": [{"id": coffee}]})
    customer = post("/v1/customers", {"source_id": f"examined-{tag}", "metadata": {"vip": False}})
    member = post(f"{V2}/programs/{program['id']}/members", {"customer_id": customer["id"]})
    card = member["cards"][0]["card"]["id"]
    transactions = f"{V2}/programs/{program['id']}/members/{member['id']}/cards/{card}/transactions"
    m = f"{V2}/programs/{program['id']}/members/{member['id']}"
    before = eventually(lambda: next((c["card"] for c in client.get(m)["cards"] if c["card"]["code"]), None))  # its code is generated
    as_member = {"type": "member_id", "member_id": member["id"]}

    paid = post(EXAMINE, {"trigger": {"type": "SPECIFIC", "specific": {"event": "customer.order.paid"}}, "customer_identification": as_member,
                          "customer_order_paid": {"order": {"amount": "50000", "discount_amount": 1000}}})
    assert paid["event"] == "customer.order.paid"
    [membership] = paid["memberships"]
    assert [(c["card"]["id"], c["card"]["code"], c["points_estimation"]) for c in membership["cards"]] == [(card, before["code"], 490)]
    event = post(EXAMINE, {"trigger": {"type": "SPECIFIC", "specific": {"event": "customer.custom_event"}},
                           "customer_identification": {"type": "customer_source_id", "customer_source_id": customer["source_id"]},
                           "customer_custom_event": {"type": "SPECIFIC", "specific": {"custom_event": {"schema_id": review_schema}}}})
    assert [b["benefit"]["id"] for b in event["memberships"][0]["benefits"]] == [mug]
    assert event["memberships"][0]["cards"][0]["points_estimation"] == 50
    entered = post(EXAMINE, {"trigger": {"type": "SPECIFIC", "specific": {"event": "customer.segment.entered"}},
                             "customer_identification": as_member, "customer_segment_entered": {"customer": {"metadata": {"vip": True}}}})
    assert entered["memberships"][0]["cards"][0]["points_estimation"] == 150
    everything = post(EXAMINE, {"trigger": {"type": "ALL"}, "customer_identification": {"type": "customer_id", "customer_id": customer["id"]},
                                "customer_order_paid": {"order": {"amount": 1000}}})
    assert everything["event"] is None
    assert {r["id"] for r in everything["earning_rules"]} == {per_euro["id"], review["id"]}  # not a VIP without the override

    error(client, {"trigger": {"type": "SOME"}, "customer_identification": as_member}, 400, "invalid_payload")
    error(client, {"trigger": {"type": "ALL"}, "customer_identification": {"type": "member_id", "member_id": "lmbr_00000000000000000a"}},
          404, "not_found")
    error(client, {"trigger": {"type": "ALL"}, "customer_identification": {"type": "customer_id", "customer_id": "cust_doesnotexist0"}},
          404, "not_found")
    # Examine rewards: the member's one card has no points yet
    rewards = post(EXAMINE_REWARDS, {"customer_identification": as_member, "member": {"metadata": {"channel": "app"}}})
    assert rewards["object"] == "rewards_examine_result" and [r["id"] for r in rewards["rewards"]] == [coffee]
    [estimation] = rewards["memberships"][0]["cards"][0]["rewards"]
    assert (estimation["status"], estimation["cost"]["points"]) == ("UNAVAILABLE", 100)
    assert estimation["unavailability_reasons"][0]["details"] == {"required": 100, "available": 0, "missing": 100}
    got, data = client.request("POST", EXAMINE_REWARDS, {"customer_identification": {"type": "member_id", "member_id": "lmbr_00000000000000000a"}})
    assert (got, data["key"]) == (404, "not_found"), data
    got, data = client.request("POST", EXAMINE_REWARDS, {"customer_identification": {"type": "customer_id", "customer_id": customer["id"]},
                                                         "member": {"metadata": {}}})
    assert (got, data["key"]) == (400, "invalid_payload"), data
    # Examine wrote nothing: no transaction, the same card
    assert client.get(transactions)["data"] == []
    assert client.get(m)["cards"][0]["card"] == before
