"""The points lifecycle on moto, through the points service: earning writes each effect once, pending buckets activate by
date, expiring buckets expire by date, a canceled order's points are revoked as the card definition says."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from loyalty.cards import buckets as bucket_store
from loyalty.earning.records import CustomEvent, Item, Order
from loyalty.points import service as points
from loyalty.schemas.service import create_event_schema
from tests import support
from tests.integration.conftest import Stack
from tests.integration.test_v2_journey import BASE, make_customer, make_member

ROLLING_6M = {"type": "ROLLING_EXPIRATION",
              "rolling_expiration": {"period": {"unit": "MONTH", "value": 6}, "rounding": {"type": "END_OF_MONTH"}}}
PENDING_7D = {"type": "PERIOD_BASED", "period_based": {"period": {"unit": "DAY", "value": 7}}}


def setup_program(stack: Stack, *, pending: dict[str, Any] | None = None, expiration: dict[str, Any] | None = None,
                  refunds: dict[str, Any] | None = None, allow_negative: bool = False, earning_limits: dict[str, Any] | None = None,
                  trigger_limits: dict[str, Any] | None = None) -> dict[str, Any]:
    """Given a card definition (with the given pending/expiration/refunds settings), a 1 point per 1.00 order rule, a
    50-point custom event rule, an ACTIVE program and a member."""
    cdef_body: dict[str, Any] = {"name": "Main", "type": "INDIVIDUAL", "status": "ACTIVE"}
    if pending:
        cdef_body["pending_points"] = pending
    if expiration:
        cdef_body["points_expiration"] = expiration
    if refunds:
        cdef_body["refunds"] = refunds
    if allow_negative:
        cdef_body["balance_settings"] = {"allow_negative": True}
    if earning_limits:
        cdef_body["earning_limits"] = earning_limits
    status, cdef = stack.call("create_card_definition", "POST", f"{BASE}/card-definitions", cdef_body)
    assert status == 200, cdef
    status, order_rule = stack.call("create_earning_rule", "POST", f"{BASE}/earning-rules", {
        "name": "Order paid 1pt/$", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS_PROPORTIONAL", "points_proportional": {
            "calculation_type": "POST_DISCOUNT_ORDER_AMOUNT", "card_definition_id": cdef["id"],
            "order": {"total_amount": {"every": 100, "value": 1}}}}]}], **({"trigger_limits": trigger_limits} if trigger_limits else {})})
    assert status == 200, order_rule
    schema = create_event_schema(stack.db(), "review_written", exist_ok=True)["id"]
    status, event_rule = stack.call("create_earning_rule", "POST", f"{BASE}/earning-rules", {
        "name": "Review", "status": "ACTIVE", "trigger": {"event": "customer.custom_event", "custom_event": {"schema_id": schema}},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 50, "card_definition_id": cdef["id"]}}]}]})
    assert status == 200, event_rule
    status, program = stack.call("create_program", "POST", f"{BASE}/programs", {
        "name": "Club", "status": "ACTIVE", "card_definitions": [{"id": cdef["id"]}],
        "earning_rules": [{"id": order_rule["id"]}, {"id": event_rule["id"]}]})
    assert status == 200, program
    customer_id = make_customer(stack)
    member = make_member(stack, program["id"], customer_id)
    points.SETUPS.clear()
    return {"cdef": cdef, "program": program, "customer_id": customer_id, "member": member, "schema": schema,
            "card_id": member["cards"][0]["card"]["id"], "order_rule": order_rule["id"]}


def card(stack: Stack, world: dict[str, Any]) -> dict[str, Any]:
    status, member = stack.call("get_program_member", "GET", f"{BASE}/programs/{world['program']['id']}/members/{world['member']['id']}")
    assert status == 200, member
    return dict(member["cards"][0]["card"])


def transactions(stack: Stack, world: dict[str, Any]) -> list[dict[str, Any]]:
    status, page = stack.call("list_card_transactions", "GET",
                              f"{BASE}/programs/{world['program']['id']}/members/{world['member']['id']}/cards/{world['card_id']}/transactions")
    assert status == 200, page
    return list(page["data"])


def order(order_id: str, amount: int) -> Order:
    return Order(id=order_id, amount=amount, items=(Item(quantity=1, price=amount, product_id="prod_0a1b"),))


def test_a_paid_order_earns_once_with_an_expiring_bucket(stack: Stack) -> None:
    # Given a wallet whose points roll over 6 months, rounded to the month end
    world = setup_program(stack, expiration=ROLLING_6M)
    db = stack.db()
    # When an order of 120.00 is evaluated twice (a redelivered job)
    assert points.earn(db, world["customer_id"], "ord_0001", order=order("ord_0001", 12000)) == 1
    assert points.earn(db, world["customer_id"], "ord_0001", order=order("ord_0001", 12000)) == 0
    # Then the card earned 120 points once
    got = card(stack, world)
    assert got["balance"]["points"] == 120
    assert got["lifetime_bucket"]["points"]["earned"] == 120 and got["lifetime_bucket"]["points"]["total"] == 120
    [ctx] = transactions(stack, world)
    assert ctx["type"] == "POINTS_EARNED" and ctx["status"] == "APPROVED"
    assert ctx["details"]["reason"] == "Club / Order paid 1pt/$"
    assert ctx["details"]["metadata"]["earning_rule_id"] == world["order_rule"]
    assert ctx["details"]["points"]["expiration_type"] == "ROLLING_EXPIRATION"
    # And one expiring bucket holds them until the end of the month six months on
    [bucket] = [bucket_store.expiring_bucket_from_item(i) for i in bucket_store.get_expiring_buckets(db, world["card_id"])]
    assert bucket["points"] == {"total": 120} and bucket["expiration_date"] == ctx["details"]["points"]["expiration_date"]
    assert bucket["expiration_date"].endswith(("-28", "-29", "-30", "-31"))


def test_pending_points_activate_on_their_date_and_expire_after_their_last_day(stack: Stack) -> None:
    world = setup_program(stack, pending=PENDING_7D, expiration=ROLLING_6M)
    db = stack.db()
    points.earn(db, world["customer_id"], "ord_0002", order=order("ord_0002", 3000))
    got = card(stack, world)
    assert got["balance"] == {"points": 0, "pending_points": 30}
    [ctx] = transactions(stack, world)
    assert ctx["type"] == "PENDING_POINTS_ADDED" and ctx["details"]["points"]["type"] == "PERIOD_BASED"
    date = ctx["details"]["points"]["date"]
    # The daily job the day before does nothing; on the date it activates, once
    assert points.run_daily(db, _shift(date, -1))["activated"] == 0
    assert points.run_daily(db, date)["activated"] == 1
    assert points.run_daily(db, date)["activated"] == 0
    got = card(stack, world)
    assert got["balance"] == {"points": 30, "pending_points": 0}
    assert got["lifetime_bucket"]["pending_points"] == {"total": 30, "activated": 30, "canceled": 0}
    assert got["lifetime_bucket"]["points"]["earned"] == 30
    [bucket] = [bucket_store.expiring_bucket_from_item(i) for i in bucket_store.get_expiring_buckets(db, world["card_id"])]
    # The day after its last valid day, the daily job expires it, once
    last = bucket["expiration_date"]
    assert points.run_daily(db, last)["expired_buckets"] == 0
    after = _shift(last, 1)
    assert points.run_daily(db, after)["expired_buckets"] == 1
    assert points.run_daily(db, after)["expired_buckets"] == 0
    got = card(stack, world)
    assert got["balance"]["points"] == 0 and got["lifetime_bucket"]["points"]["expired"] == 30
    types = [t["type"] for t in transactions(stack, world)]
    assert sorted(types) == ["PENDING_POINTS_ACTIVATED", "PENDING_POINTS_ADDED", "POINTS_EXPIRED"]


def _shift(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def test_a_custom_event_earns_its_fixed_points(stack: Stack) -> None:
    world = setup_program(stack)
    db = stack.db()
    event = CustomEvent(id="evcus_01", name="review_written", schema_id=world["schema"])
    assert points.earn(db, world["customer_id"], "evcus_01", event=event) == 1
    assert card(stack, world)["balance"]["points"] == 50
    other = CustomEvent(id="evcus_02", name="other", schema_id="ms_0other")
    assert points.earn(db, world["customer_id"], "evcus_02", event=other) == 0


def test_an_inactive_member_earns_nothing(stack: Stack) -> None:
    world = setup_program(stack)
    status, _ = stack.call("deactivate_program_member", "POST",
                           f"{BASE}/programs/{world['program']['id']}/members/{world['member']['id']}/deactivate")
    assert status == 200
    assert points.earn(stack.db(), world["customer_id"], "ord_0003", order=order("ord_0003", 5000)) == 0


@pytest.mark.parametrize(("refunds", "pending", "expected"), [
    ({"spent_points": {"type": "NONE"}, "earned_points": {"type": "REFUNDABLE", "methods": [{"type": "REVOKE_FROM_PENDING"}]}},
     PENDING_7D, {"balance": {"points": 0, "pending_points": 0}, "canceled": 30, "type": "PENDING_POINTS_CANCELED"}),
    ({"spent_points": {"type": "NONE"},
      "earned_points": {"type": "REFUNDABLE", "methods": [{"type": "REVOKE_FROM_BALANCE", "mode": "REVOKE_TO_ZERO"}]}},
     None, {"balance": {"points": 0, "pending_points": 0}, "refunded": 30, "type": "POINTS_REFUNDED"}),
    ({"spent_points": {"type": "NONE"}, "earned_points": {"type": "NONE"}},
     None, {"balance": {"points": 30, "pending_points": 0}, "type": None}),
])
def test_a_canceled_order_is_revoked_once_as_the_card_definition_says(stack: Stack, refunds: dict[str, Any], pending: Any,
                                                                       expected: dict[str, Any]) -> None:
    world = setup_program(stack, pending=pending, refunds=refunds)
    db = stack.db()
    points.earn(db, world["customer_id"], "ord_0004", order=order("ord_0004", 3000))
    first = points.revoke_order(db, "ord_0004")
    assert points.revoke_order(db, "ord_0004") == 0
    got = card(stack, world)
    assert got["balance"] == expected["balance"]
    assert first == (1 if expected["type"] else 0)
    if "canceled" in expected:
        assert got["lifetime_bucket"]["pending_points"]["canceled"] == expected["canceled"]
    if "refunded" in expected:
        assert got["lifetime_bucket"]["points"]["refunded"] == expected["refunded"]
    types = [t["type"] for t in transactions(stack, world)]
    assert (expected["type"] in types) if expected["type"] else len(types) == 1


def test_a_debit_takes_expiring_points_first_so_the_daily_job_expires_only_what_is_left(stack: Stack) -> None:
    world = setup_program(stack, expiration=ROLLING_6M)
    db = stack.db()
    points.earn(db, world["customer_id"], "ord_0005", order=order("ord_0005", 12000))
    m = f"{BASE}/programs/{world['program']['id']}/members/{world['member']['id']}/cards/{world['card_id']}"
    # An admin credit lands in the same bucket (same expiration date and type); a debit of 100 then takes from it
    for change in (30, -100):
        status, body = stack.call("adjust_card_points", "POST", f"{m}/points", {"points": change})
        assert status == 200, body
        stack.drain()
    credit = next(t for t in transactions(stack, world) if t["type"] == "ADMIN_CREDIT")
    assert credit["status"] == "APPROVED" and credit["details"]["points"]["expiration_type"] == "ROLLING_EXPIRATION"
    [item] = bucket_store.get_expiring_buckets(db, world["card_id"])
    bucket = bucket_store.expiring_bucket_from_item(item)
    assert bucket["points"] == {"total": 50}
    assert points.run_daily(db, _shift(bucket["expiration_date"], 1))["expired_buckets"] == 1
    got = card(stack, world)
    assert got["balance"]["points"] == 0 and got["lifetime_bucket"]["points"]["expired"] == 50


def test_the_scheduled_daily_function_runs_each_day_once_per_project(stack: Stack) -> None:
    world = setup_program(stack, pending=PENDING_7D)
    db = stack.db()
    points.earn(db, world["customer_id"], "ord_0006", order=order("ord_0006", 3000))
    day = transactions(stack, world)[0]["details"]["points"]["date"]
    event = json.loads((support.ROOT / "events" / "run_daily_jobs.json").read_text())
    event["time"] = f"{day}T00:05:00Z"
    # When the hourly schedule fires twice on the activation day
    first = support.invoke("run_daily_jobs", event)
    second = support.invoke("run_daily_jobs", event)
    # Then the first run activates the pending points and the second finds the day done
    assert first["day"] == day and first["activated"] == 1 and first["projects"] >= 1
    assert second["activated"] == 0 and second["skipped"] == first["projects"]
    assert card(stack, world)["balance"] == {"points": 30, "pending_points": 0}


NO_TRANSACTION_LIMIT = {"type": "NO_LIMIT", "limits": []}


@pytest.mark.parametrize(("trigger_limits", "earned"), [
    ({"frequency": {"type": "LIMITED", "limits": [{"type": "TIME_BASED", "period": {"type": "CURRENT_PERIOD",
                                                                                    "current_period": {"unit": "DAY"}},
                                                   "triggers": {"max": 2}}]}}, 2),
    ({"cooldown": {"type": "FIXED_COOLDOWN", "fixed_cooldown": {"period": {"unit": "HOUR", "value": 1}}}}, 1),
    (None, 3),
])
def test_trigger_limits_count_per_member(stack: Stack, trigger_limits: Any, earned: int) -> None:
    world = setup_program(stack, trigger_limits=trigger_limits)
    db = stack.db()
    for n in range(3):
        points.earn(db, world["customer_id"], f"ord_00{n}a", order=order(f"ord_00{n}a", 1000))
    assert card(stack, world)["balance"]["points"] == 10 * earned
    assert len(transactions(stack, world)) == earned


@pytest.mark.parametrize(("limit", "balance"), [
    ({"type": "BALANCE_BASED", "max": 250}, 250),
    ({"type": "TIME_BASED", "period": {"type": "CURRENT_PERIOD", "current_period": {"unit": "MONTH"}}, "points": {"max": 150}}, 150),
])
def test_a_global_earning_limit_caps_what_a_card_earns(stack: Stack, limit: dict[str, Any], balance: int) -> None:
    world = setup_program(stack, earning_limits={"global": {"type": "LIMITED", "limits": [limit]}, "transactions": NO_TRANSACTION_LIMIT})
    db = stack.db()
    for n in range(3):
        points.earn(db, world["customer_id"], f"ord_01{n}", order=order(f"ord_01{n}", 10000))
    assert card(stack, world)["balance"]["points"] == balance
    assert sum(t["details"]["points"]["total"] for t in transactions(stack, world)) == balance
