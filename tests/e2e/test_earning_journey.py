"""The earning journey of earning-map §15 over HTTP against `python -m local serve`: an order paid earns pending points;
the same order sent again earns nothing; pending points activate into an expiring bucket; Examine estimates without
changing anything; a custom event earns; a canceled order's pending points are revoked; expiring points expire; an
inactive member earns nothing; a v1 campaign card earns from the same kind of order; the card's transactions explain its
counters at the end."""

from __future__ import annotations

import time
import uuid
from typing import Any

from tests.e2e.conftest import Client, event_schema
from tests.support import eventually

V2 = "/v2/loyalties"
PENDING_ONLY = ("PENDING_POINTS_ADDED", "PENDING_POINTS_CANCELED")  # they move pending points, not the balance
BALANCE_SIGNS = {"total": 1, "subtracted": -1, "expired": -1, "spent": -1, "refunded": -1, "returned": 1, "locked": -1, "unlocked": 1,
                 "purchased_reversed": -1}


class Journey:
    """One program with one member, and the reads the journey repeats."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.tag = uuid.uuid4().hex[:8]
        post = client.post
        self.review = event_schema(client, f"review_written_{self.tag}")
        self.cdef = post(f"{V2}/card-definitions", {
            "name": f"Main {self.tag}", "type": "INDIVIDUAL", "status": "ACTIVE",
            "pending_points": {"type": "PERIOD_BASED", "period_based": {"period": {"unit": "DAY", "value": 7}}},
            "points_expiration": {"type": "ROLLING_EXPIRATION", "rolling_expiration": {
                "period": {"unit": "MONTH", "value": 6}, "rounding": {"type": "END_OF_MONTH"}}},
            "refunds": {"spent_points": {"type": "NONE"},
                        "earned_points": {"type": "REFUNDABLE", "methods": [{"type": "REVOKE_FROM_PENDING"}]}}})["id"]
        self.order_rule = post(f"{V2}/earning-rules", {
            "name": "Order paid 1pt/$", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
            "earnings": [{"effects": [{"type": "POINTS_PROPORTIONAL", "points_proportional": {
                "calculation_type": "POST_DISCOUNT_ORDER_AMOUNT", "card_definition_id": self.cdef,
                "order": {"total_amount": {"every": 100, "value": 1}}}}]}]})["id"]
        self.event_rule = post(f"{V2}/earning-rules", {
            "name": "Review", "status": "ACTIVE", "trigger": {"event": "customer.custom_event", "custom_event": {"schema_id": self.review}},
            "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 50, "card_definition_id": self.cdef}}]}]})["id"]
        self.program = post(f"{V2}/programs", {"name": f"Club {self.tag}", "status": "ACTIVE", "card_definitions": [{"id": self.cdef}],
                                               "earning_rules": [{"id": self.order_rule}, {"id": self.event_rule}]})["id"]
        self.customer = post("/v1/customers", {"source_id": f"alice-{self.tag}", "name": "Alice"})["id"]
        member = post(f"{V2}/programs/{self.program}/members", {"customer_id": self.customer})
        self.member = member["id"]
        self.card_id = member["cards"][0]["card"]["id"]
        self.member_path = f"{V2}/programs/{self.program}/members/{self.member}"
        self.card_path = f"{self.member_path}/cards/{self.card_id}"

    def card(self) -> dict[str, Any]:
        return dict(self.client.get(self.member_path)["cards"][0]["card"])

    def transactions(self) -> list[dict[str, Any]]:
        return list(self.client.get(f"{self.card_path}/transactions", params={"limit": "100"})["data"])

    def wait_for(self, count: int) -> list[dict[str, Any]]:
        """The card's transactions once it has `count` of them (the worker is asynchronous)."""
        def enough() -> list[dict[str, Any]] | None:
            found = self.transactions()
            return found if len(found) >= count else None
        return list(eventually(enough, timeout=30))

    def order(self, source_id: str, amount: int, status: str = "PAID") -> dict[str, Any]:
        return dict(self.client.post("/v1/orders", {
            "source_id": f"{source_id}-{self.tag}", "status": status, "amount": amount, "customer": {"id": self.customer},
            "items": [{"product_id": "prod_0a1b", "quantity": 1, "price": amount}]}))

    def pending(self) -> list[dict[str, Any]]:
        return list(self.client.get(f"{self.card_path}/pending-points")["data"])

    def expiring(self) -> list[dict[str, Any]]:
        return list(self.client.get(f"{self.card_path}/expiring-points")["data"])


def test_the_earning_journey(client: Client) -> None:
    j = Journey(client)

    # An order paid: 120 pending points, due in 7 days; the card's balance is unchanged until they activate
    order = j.order("o-1", 12000)
    [added] = j.wait_for(1)
    assert (added["type"], added["status"], added["details"]["points"]["total"]) == ("PENDING_POINTS_ADDED", "APPROVED", 120)
    assert added["details"]["reason"] == f"Club {j.tag} / Order paid 1pt/$"
    assert added["details"]["metadata"]["earning_rule_id"] == j.order_rule
    card = j.card()
    assert card["balance"] == {"points": 0, "pending_points": 120}
    assert card["next_activation"]["points"] == 120 and card["next_activation"]["type"] == "PERIOD_BASED"

    # The same order again: the same order, and nothing more earned
    assert j.order("o-1", 12000)["id"] == order["id"]
    time.sleep(1.5)
    assert len(j.transactions()) == 1

    # Activating the pending bucket: 120 points to spend, earned (E1), in one bucket expiring 6 months on, month end
    [bucket] = j.pending()
    activated = client.post(f"{j.card_path}/pending-points/{bucket['id']}/activate")
    assert activated["transaction"]["type"] == "PENDING_POINTS_ACTIVATED"
    card = j.card()
    assert card["balance"] == {"points": 120, "pending_points": 0}
    assert card["lifetime_bucket"]["points"]["earned"] == 120
    assert card["lifetime_bucket"]["pending_points"] == {"total": 120, "activated": 120, "canceled": 0}
    [expiring] = j.expiring()
    assert expiring["points"] == {"total": 120} and expiring["expiration_type"] == "ROLLING_EXPIRATION"
    assert card["next_expiration"] == {"points": 120, "date": expiring["expiration_date"]}
    status, again = client.request("POST", f"{j.card_path}/pending-points/{bucket['id']}/activate")
    assert (status, again["key"]) == (423, "invalid_pending_points_bucket_status") or status == 404, again

    # Examine: an order of 500.00 would give 500 points; nothing is written
    before = j.transactions()
    examined = client.post(f"{V2}/examine/earning-rules", {
        "trigger": {"type": "SPECIFIC", "specific": {"event": "customer.order.paid"}},
        "customer_identification": {"type": "member_id", "member_id": j.member},
        "customer_order_paid": {"order": {"amount": 50000}}})
    assert examined["memberships"][0]["cards"][0]["points_estimation"] == 500
    assert j.transactions() == before

    # A custom event: 50 pending points; activated, they join the same expiring bucket
    client.post("/v1/events", {"event": f"review_written_{j.tag}", "customer": {"id": j.customer}})
    j.wait_for(3)
    review = next(b for b in j.pending() if b["points"]["total"] == 50)
    client.post(f"{j.card_path}/pending-points/{review['id']}/activate")
    assert j.card()["balance"]["points"] == 170
    [expiring] = j.expiring()
    assert expiring["points"] == {"total": 170}

    # An order paid then canceled: its pending points are canceled (REVOKE_FROM_PENDING), the balance is unchanged
    second = j.order("o-2", 3000)
    j.wait_for(5)
    client.request("PUT", f"/v1/orders/{second['id']}", {"status": "CANCELED"})
    canceled = [t for t in j.wait_for(6) if t["type"] == "PENDING_POINTS_CANCELED"]
    assert [t["details"]["points"]["total"] for t in canceled] == [-30]
    card = j.card()
    assert card["balance"] == {"points": 170, "pending_points": 0}
    assert card["lifetime_bucket"]["pending_points"]["canceled"] == 30

    # Expiring the bucket: 170 points expire
    expired = client.post(f"{j.card_path}/expiring-points/{expiring['id']}/expire")
    assert expired["transaction"]["type"] == "ADMIN_POINTS_EXPIRATION"
    card = j.card()
    assert card["balance"]["points"] == 0 and card["lifetime_bucket"]["points"]["expired"] == 170

    # An inactive member earns nothing; active again, it earns
    client.post(f"{j.member_path}/deactivate")
    client.post("/v1/events", {"event": f"review_written_{j.tag}", "customer": {"id": j.customer}})
    time.sleep(1.5)
    count = len(j.transactions())
    client.post(f"{j.member_path}/activate")
    client.post("/v1/events", {"event": f"review_written_{j.tag}", "customer": {"id": j.customer}})
    j.wait_for(count + 1)

    # The ledger: the approved transactions explain the balance, and the counters give it by the spec's formula
    card = j.card()
    points = card["lifetime_bucket"]["points"]
    assert card["balance"]["points"] == sum(sign * points[name] for name, sign in BALANCE_SIGNS.items())
    settled = [t for t in j.transactions() if t["status"] == "APPROVED" and t["type"] not in PENDING_ONLY]
    assert card["balance"]["points"] == sum(t["details"]["points"]["total"] for t in settled)


def test_a_v1_campaign_card_earns_from_a_paid_order(client: Client) -> None:
    tag = uuid.uuid4().hex[:8]
    campaign = client.post("/v1/loyalties", {"name": f"Legacy {tag}", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}})
    client.post(f"/v1/loyalties/{campaign['id']}/earning-rules", [{
        "event": "order.paid", "source": {"banner": "Order paid"},
        "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT", "order": {"amount": {"every": 100, "points": 1}}}}])
    customer = client.post("/v1/customers", {"source_id": f"bob-{tag}"})["id"]
    voucher = client.post(f"/v1/loyalties/{campaign['id']}/members", {"customer": customer})
    client.post("/v1/orders", {"source_id": f"v1-order-{tag}", "status": "PAID", "amount": 12000, "customer": {"id": customer},
                               "items": [{"product_id": "prod_0a1b", "quantity": 1, "price": 12000}]})
    def earned() -> dict[str, Any] | None:
        member = client.get(f"/v1/loyalties/{campaign['id']}/members/{voucher['code']}")
        return member if member["loyalty_card"]["points"] else None
    member = eventually(earned, timeout=30)
    assert member["loyalty_card"]["points"] == 120 and member["loyalty_card"]["balance"] == 120
