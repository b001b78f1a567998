"""The card daily report's points_locked / points_unlocked on moto: reward purchases (approved, and rejected by the
worker because the reward was withdrawn) and order payments (approved, and rejected because the order was canceled)
lock their points when accepted and unlock them when settled; the report's sums over the days equal the card's lifetime
`locked` / `unlocked` counters and a brute-force recount of the card transactions, and a replayed stream changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from loyalty.core.clock import now_iso
from loyalty.reports.engine import LOCKING_TYPES
from tests import support
from tests.integration.conftest import Stack
from tests.integration.test_order_payments import pay, payments_world, set_status
from tests.integration.test_points_buckets import Clock
from tests.integration.test_reward_fulfilment import ok
from tests.integration.test_v2_journey import BASE, card_of, credit, make_components, make_customer, make_member, make_program


def purchase(stack: Stack, w: dict[str, Any]) -> None:
    status, body = stack.call("purchase_member_reward", "POST", f"{BASE}/programs/{w['program']}/members/{w['member']}/rewards/purchases",
                                 {"reward_id": w["reward"]})
    assert status == 202, body


def purchases_world(stack: Stack) -> dict[str, Any]:
    """A member with 500 points who bought a 100-point reward twice (approved) and once while it was withdrawn (the
    worker rejects it, its points unlocked)."""
    ids = make_components(stack, cost=100)
    program = make_program(stack, ids, stock=10)["id"]
    member = make_member(stack, program, make_customer(stack, "lock-1"))
    w = {"program": program, "member": member["id"], "card": member["cards"][0]["card"]["id"], "reward": ids["reward"]}
    credit(stack, program, w["member"], w["card"], 500)
    stack.drain()
    purchase(stack, w)
    stack.drain()
    purchase(stack, w)
    ok(stack, "deactivate_reward", "POST", f"{BASE}/rewards/{w['reward']}/deactivate")
    stack.drain()  # the worker rejects it: the reward is no longer ACTIVE
    ok(stack, "activate_reward", "POST", f"{BASE}/rewards/{w['reward']}/activate")
    purchase(stack, w)
    stack.drain()
    return w


def payments(stack: Stack) -> dict[str, Any]:
    """A member paying 100 points of an order (approved) and 100 points of a second order canceled before the worker
    ran (rejected, its points unlocked)."""
    w = payments_world(stack, ratio=2, amount=1000, balance=300)
    limit = {"payment_limit": {"type": "POINTS_LIMIT", "points_limit": {"max": 100}}, "mode": "TRANSACTION"}
    status, body = pay(stack, w, **limit)
    assert status == 202, body
    stack.drain()
    second = ok(stack, "create_order", "POST", "/v1/orders", {"source_id": "o-2", "status": "CREATED", "amount": 1000,
                                                               "customer": {"id": w["customer"]}})
    canceled = {**w, "order": second["id"]}
    status, body = pay(stack, canceled, **limit)
    assert status == 202, body
    set_status(stack, canceled, "CANCELED")
    stack.drain()
    return w


def card_path(w: dict[str, Any]) -> str:
    return f"{BASE}/programs/{w['program']}/members/{w['member']}/cards/{w['card']}"


def report(stack: Stack, w: dict[str, Any]) -> dict[str, int]:
    """The card's points_locked / points_unlocked summed over every day of a 90-day window up to today."""
    today = date.fromisoformat(now_iso()[:10])
    rows = ok(stack, "get_member_card_daily_report", "GET", f"{card_path(w)}/reports/daily",
              query={"start_date": (today - timedelta(days=89)).isoformat(), "end_date": today.isoformat(),
                     "resolution": "day"})["data"]
    return {name: sum(int(r[name]) for r in rows) for name in ("points_locked", "points_unlocked")}


def recount(stack: Stack, w: dict[str, Any]) -> tuple[dict[str, int], list[str]]:
    """Locked and unlocked counted from the card transactions themselves (every v2 spend is written PENDING: locked; once
    settled, APPROVED or REJECTED, unlocked), with the spends' statuses."""
    txs = ok(stack, "list_card_transactions", "GET", f"{card_path(w)}/transactions", query={"limit": "100"})["data"]
    counts = {"points_locked": 0, "points_unlocked": 0}
    statuses = []
    for tx in txs:
        if tx["type"] not in LOCKING_TYPES:
            continue
        points = abs(int(tx["details"]["points"]["total"]))
        counts["points_locked"] += points
        counts["points_unlocked"] += points if tx["status"] in ("APPROVED", "REJECTED") else 0
        statuses.append(tx["status"])
    return counts, sorted(statuses)


def lifetime(stack: Stack, w: dict[str, Any]) -> dict[str, int]:
    points = card_of(stack, w["program"], w["member"])["lifetime_bucket"]["points"]
    return {"points_locked": points["locked"], "points_unlocked": points["unlocked"]}


def test_points_locked_and_unlocked_equal_the_card_counters_and_a_recount_and_a_replay_changes_nothing(stack: Stack) -> None:
    bought, paid = purchases_world(stack), payments(stack)
    assert recount(stack, bought) == ({"points_locked": 300, "points_unlocked": 300}, ["APPROVED", "APPROVED", "REJECTED"])
    assert recount(stack, paid) == ({"points_locked": 200, "points_unlocked": 200}, ["APPROVED", "REJECTED"])
    before = {}
    for name, w in (("bought", bought), ("paid", paid)):
        counted, _ = recount(stack, w)
        assert report(stack, w) == lifetime(stack, w) == counted, name
        before[name] = ok(stack, "get_member_card_daily_report", "GET", f"{card_path(w)}/reports/daily",
                          query={"start_date": now_iso()[:10], "end_date": now_iso()[:10], "resolution": "day"})
    # each PENDING spend left a lock marker; each settled one a settlement marker
    pks = [i["PK"]["S"] for i in stack.items() if i["SK"]["S"] == "AGG"]
    assert sum(pk.endswith("#LOCK") for pk in pks) == 5
    # Given every stream record delivered again (a fresh position at the stream's start), When drained, Then nothing changes
    replay = support.stream_poller(function=support.CARD_TRANSACTIONS)
    assert support.drain_stream(replay) > 0
    for name, w in (("bought", bought), ("paid", paid)):
        assert report(stack, w) == lifetime(stack, w), name
        assert ok(stack, "get_member_card_daily_report", "GET", f"{card_path(w)}/reports/daily",
                  query={"start_date": now_iso()[:10], "end_date": now_iso()[:10], "resolution": "day"}) == before[name]
    assert sorted(i["PK"]["S"] for i in stack.items() if i["SK"]["S"] == "AGG") == sorted(pks)  # no marker more


def test_a_pending_purchase_shows_locked_points_not_yet_unlocked(stack: Stack) -> None:
    ids = make_components(stack, cost=100)
    program = make_program(stack, ids)["id"]
    member = make_member(stack, program, make_customer(stack, "lock-2"))
    w = {"program": program, "member": member["id"], "card": member["cards"][0]["card"]["id"], "reward": ids["reward"]}
    credit(stack, program, w["member"], w["card"], 500)
    stack.drain()
    purchase(stack, w)
    support.drain_stream(stack.stream)  # the stream only: the worker has not settled the purchase yet
    assert report(stack, w) == lifetime(stack, w) == {"points_locked": 100, "points_unlocked": 0}
    stack.drain()
    assert report(stack, w) == lifetime(stack, w) == {"points_locked": 100, "points_unlocked": 100}


@pytest.fixture
def days(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The API's "now", moved a day at a time."""
    return Clock(monkeypatch)


def test_points_are_unlocked_on_the_day_of_the_settlement(stack: Stack, days: Clock) -> None:
    """A purchase accepted one day and settled by the worker the next (approved), and another accepted that next day and
    rejected the day after: each day's row holds what was locked and what was settled on it."""
    ids = make_components(stack, cost=100)
    program = make_program(stack, ids, stock=10)["id"]
    member = make_member(stack, program, make_customer(stack, "lock-3"))
    w = {"program": program, "member": member["id"], "card": member["cards"][0]["card"]["id"], "reward": ids["reward"]}
    credit(stack, program, w["member"], w["card"], 500)
    stack.drain()
    first = days.today()
    purchase(stack, w)
    support.drain_stream(stack.stream)  # the lock counted today; the worker has not run
    days.advance(1)
    stack.drain()  # approved the next day
    purchase(stack, w)
    ok(stack, "deactivate_reward", "POST", f"{BASE}/rewards/{w['reward']}/deactivate")
    support.drain_stream(stack.stream)
    days.advance(1)
    stack.drain()  # rejected the day after
    rows = ok(stack, "get_member_card_daily_report", "GET", f"{card_path(w)}/reports/daily",
              query={"start_date": first, "end_date": days.today(), "resolution": "day"})["data"]
    got = [(r["date"], r["points_locked"], r["points_unlocked"], r["points_spent"]) for r in rows]
    day = [(date.fromisoformat(first) + timedelta(days=n)).isoformat() for n in range(3)]
    # the approved spend counts its points_spent on the day it was made (its created_at), as every counter does
    assert got == [(day[0], 100, 0, 100), (day[1], 100, 100, 0), (day[2], 0, 100, 0)]
    assert report(stack, w) == lifetime(stack, w) == recount(stack, w)[0] == {"points_locked": 200, "points_unlocked": 200}
