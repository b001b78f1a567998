"""Orders earn through the API and the worker, exactly once: a PAID order earns; a resent PAID order, a redelivered
message, a sweeper re-send and a retired job earn nothing more; a cancel revokes as the card definition says; a v1
campaign card earns from the same order."""

from __future__ import annotations

from typing import Any

from loyalty.jobs.sweeper import sweep_pending_jobs
from loyalty.jobs.worker import run_job
from tests import support
from tests.integration.conftest import Stack
from tests.integration.test_points_lifecycle import PENDING_7D, card, setup_program, transactions

REVOKE_FROM_PENDING = {"spent_points": {"type": "NONE"},
                       "earned_points": {"type": "REFUNDABLE", "methods": [{"type": "REVOKE_FROM_PENDING"}]}}


def ready(stack: Stack, **settings: Any) -> dict[str, Any]:
    """A program with a member (setup_program), its card's code job already run."""
    world = setup_program(stack, **settings)
    stack.drain()
    return world


def paid(world: dict[str, Any], source_id: str = "o-1", amount: int = 12000) -> dict[str, Any]:
    return {"source_id": source_id, "status": "PAID", "amount": amount, "customer": {"id": world["customer_id"]},
            "items": [{"product_id": "prod_0a1b", "quantity": 1, "price": amount}]}


def post(stack: Stack, body: dict[str, Any]) -> dict[str, Any]:
    status, order = stack.call("create_order", "POST", "/v1/orders", body)
    assert status == 200, order
    return dict(order)


def receive(stack: Stack) -> list[dict[str, Any]]:
    """Take the queued messages off the queue without running them."""
    got: list[dict[str, Any]] = []
    while batch := stack.sqs.receive_message(QueueUrl=stack.queue_url, MaxNumberOfMessages=10).get("Messages", []):
        got += batch
        for message in batch:
            stack.sqs.delete_message(QueueUrl=stack.queue_url, ReceiptHandle=message["ReceiptHandle"])
    return got


def test_a_paid_order_earns_once_however_often_it_is_sent_or_its_job_delivered(stack: Stack) -> None:
    world = ready(stack)
    # Given a PAID order whose earning job is delivered twice (a redelivered message)
    order = post(stack, paid(world))
    [message] = receive(stack)
    assert run_job(message["Body"]).startswith("EARNED 1")
    assert run_job(message["Body"]) == "EARNED 0"
    # And the same PAID order sent again, and a sweeper re-send of its job
    assert post(stack, paid(world))["id"] == order["id"]
    assert receive(stack) == []
    sweep_pending_jobs(older_than_seconds=0)
    stack.drain()
    # Then the card earned 120 points once, and the order left the pending-job index
    assert card(stack, world)["balance"]["points"] == 120
    [ctx] = transactions(stack, world)
    assert ctx["type"] == "POINTS_EARNED" and ctx["details"]["points"]["total"] == 120
    assert ctx["details"]["metadata"]["event_id"] == order["id"]
    assert support.scan_pending_jobs(stack.ddb, support.TABLE, 10**13) == []


def test_orders_that_are_not_paid_earn_nothing_until_they_are(stack: Stack) -> None:
    world = ready(stack)
    order = post(stack, {**paid(world), "status": "CREATED"})
    stack.drain()
    assert transactions(stack, world) == []
    status, _ = stack.call("update_order", "PUT", f"/v1/orders/{order['id']}", {"status": "PAID"})
    assert status == 200
    stack.drain()
    assert card(stack, world)["balance"]["points"] == 120


def test_a_canceled_order_revokes_its_pending_points_once(stack: Stack) -> None:
    world = ready(stack, pending=PENDING_7D, refunds=REVOKE_FROM_PENDING)
    order = post(stack, paid(world, amount=3000))
    stack.drain()
    assert card(stack, world)["balance"] == {"points": 0, "pending_points": 30}
    for _ in range(2):
        status, _ = stack.call("update_order", "PUT", f"/v1/orders/{order['id']}", {"status": "CANCELED"})
        assert status == 200
    stack.drain()
    got = card(stack, world)
    assert got["balance"] == {"points": 0, "pending_points": 0}
    assert got["lifetime_bucket"]["pending_points"] == {"total": 30, "activated": 0, "canceled": 30}
    assert sorted(t["type"] for t in transactions(stack, world)) == ["PENDING_POINTS_ADDED", "PENDING_POINTS_CANCELED"]
    canceled = next(t for t in transactions(stack, world) if t["type"] == "PENDING_POINTS_CANCELED")
    assert canceled["details"]["reason"] == "Order canceled"


def test_an_order_canceled_before_its_earning_ran_is_earned_then_revoked(stack: Stack) -> None:
    world = ready(stack, pending=PENDING_7D, refunds=REVOKE_FROM_PENDING)
    order = post(stack, paid(world, amount=3000))
    receive(stack)  # the earning job's message is lost
    status, _ = stack.call("update_order", "PUT", f"/v1/orders/{order['id']}", {"status": "CANCELED"})
    assert status == 200
    stack.drain()
    assert card(stack, world)["lifetime_bucket"]["pending_points"] == {"total": 30, "activated": 0, "canceled": 30}


def test_an_inactive_member_earns_nothing_from_an_order(stack: Stack) -> None:
    world = ready(stack)
    status, _ = stack.call("deactivate_program_member", "POST",
                           f"/v2/loyalties/programs/{world['program']['id']}/members/{world['member']['id']}/deactivate")
    assert status == 200
    post(stack, paid(world))
    stack.drain()
    assert transactions(stack, world) == []


def test_a_v1_campaign_card_earns_from_the_same_order(stack: Stack) -> None:
    world = ready(stack)
    status, campaign = stack.call("create_loyalty_program_v1", "POST", "/v1/loyalties", {
        "name": "Legacy club", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}})
    assert status == 200, campaign
    status, rules = stack.call("create_earning_rule_v1", "POST", f"/v1/loyalties/{campaign['id']}/earning-rules", [
        {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT",
                                            "order": {"amount": {"every": 100, "points": 1}}}, "source": {"banner": "Order paid"}}])
    assert status == 200, rules
    status, voucher = stack.call("add_member_v1", "POST", f"/v1/loyalties/{campaign['id']}/members",
                                 {"customer": world["customer_id"]})
    assert status == 200, voucher
    post(stack, paid(world))
    stack.drain()
    status, member = stack.call("get_member_v1", "GET", f"/v1/loyalties/{campaign['id']}/members/{voucher['code']}")
    assert status == 200, member
    assert member["loyalty_card"]["points"] == 120 and member["loyalty_card"]["balance"] == 120
    assert card(stack, world)["balance"]["points"] == 120


def test_a_tracked_custom_event_earns_once_and_activates_event_based_pending_points(stack: Stack) -> None:
    world = ready(stack)
    status, body = stack.call("track_custom_event", "POST", "/v1/events",
                              {"event": "review_written", "customer": {"id": world["customer_id"]}})
    assert status == 200, body
    [message] = receive(stack)
    assert run_job(message["Body"]).startswith("EARNED 1")
    assert run_job(message["Body"]).startswith("EARNED 0")
    assert card(stack, world)["balance"]["points"] == 50
    # An event without a schema is stored and earns nothing
    status, _ = stack.call("track_custom_event", "POST", "/v1/events", {"event": "unknown_thing", "customer": {"id": world["customer_id"]}})
    assert status == 200
    stack.drain()
    assert card(stack, world)["balance"]["points"] == 50
    assert support.scan_pending_jobs(stack.ddb, support.TABLE, 10**13) == []


def test_event_based_pending_points_activate_when_their_event_is_tracked(stack: Stack) -> None:
    from loyalty.schemas.service import create_event_schema

    delivered = create_event_schema(stack.db(), "parcel_delivered")["id"]
    world = ready(stack, pending={"type": "EVENT_BASED", "event_based": {"event_types": [delivered],
                                                                         "cancel_period": {"unit": "DAY", "value": 14}}})
    post(stack, paid(world, amount=3000))
    stack.drain()
    assert card(stack, world)["balance"] == {"points": 0, "pending_points": 30}
    pending = next(t for t in transactions(stack, world) if t["type"] == "PENDING_POINTS_ADDED")
    assert pending["details"]["points"]["type"] == "EVENT_BASED"
    status, _ = stack.call("track_custom_event", "POST", "/v1/events", {"event": "parcel_delivered", "customer": {"id": world["customer_id"]}})
    assert status == 200
    stack.drain()
    assert card(stack, world)["balance"] == {"points": 30, "pending_points": 0}
