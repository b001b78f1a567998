"""A card's points buckets through the API on moto: v2 pending points listed, activated and canceled by hand, expiring
points listed and expired by hand, v1 pending points and points expiration of a loyalty card; the card's counters, its
next activation and next expiration after each step, and the spec's 404/423 (v1: 400) answers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from bench.buckets import card_ref, seed_expiring, seed_pending
from loyalty.core import clock
from loyalty.points import service as points
from tests.integration.conftest import Stack
from tests.integration.test_points_lifecycle import PENDING_7D, ROLLING_6M, card, order, setup_program, transactions
from tests.integration.test_v2_journey import BASE

DAY_MS = 86_400_000
PENDING_VIEW = {"id", "card_id", "card_definition_id", "program_id", "card_type", "member_id", "points", "date", "type", "status",
                "created_at", "updated_at", "object"}
EXPIRING_VIEW = {"id", "card_id", "customer_id", "card_definition_id", "program_id", "card_type", "member_id", "points",
                 "expiration_date", "expiration_type", "status", "created_at", "updated_at", "object"}


class Clock:
    """The API's "now" (loyalty.core.clock), moved by the test a day at a time."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = 0
        real = clock.now_ms
        monkeypatch.setattr(clock, "now_ms", lambda: real() + self.offset)

    def advance(self, days: int) -> None:
        self.offset += days * DAY_MS

    def today(self) -> str:
        return points.local_day(clock.now_iso())


@pytest.fixture
def days(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    yield Clock(monkeypatch)


def card_path(world: dict[str, Any]) -> str:
    return f"{BASE}/programs/{world['program']['id']}/members/{world['member']['id']}/cards/{world['card_id']}"


def ok(stack: Stack, name: str, method: str, path: str, body: Any = None, *, status: int = 200, **kw: Any) -> Any:
    got, resp = stack.call(name, method, path, body, **kw)
    assert got == status, resp
    return resp


def refused(stack: Stack, status: int, key: str, name: str, method: str, path: str, body: Any = None, **kw: Any) -> dict[str, Any]:
    got, resp = stack.call(name, method, path, body, **kw)
    assert (got, resp.get("key")) == (status, key), resp
    assert resp["code"] == status and {"message", "details", "request_id"} <= set(resp)
    return dict(resp)


def pending_list(stack: Stack, world: dict[str, Any], **query: str) -> dict[str, Any]:
    return dict(ok(stack, "list_card_pending_points", "GET", f"{card_path(world)}/pending-points", query=query or None))


def expiring_list(stack: Stack, world: dict[str, Any], **query: str) -> dict[str, Any]:
    return dict(ok(stack, "list_card_expiring_points", "GET", f"{card_path(world)}/expiring-points", query=query or None))


def activate(stack: Stack, world: dict[str, Any], bucket_id: str) -> tuple[int, Any]:
    return stack.call("activate_card_pending_points_bucket", "POST", f"{card_path(world)}/pending-points/{bucket_id}/activate")


def cancel(stack: Stack, world: dict[str, Any], bucket_id: str) -> tuple[int, Any]:
    return stack.call("cancel_card_pending_points_bucket", "POST", f"{card_path(world)}/pending-points/{bucket_id}/cancel")


def expire(stack: Stack, world: dict[str, Any], bucket_id: str) -> tuple[int, Any]:
    return stack.call("expire_card_points_bucket", "POST", f"{card_path(world)}/expiring-points/{bucket_id}/expire")


COUNTER_OF = {"POINTS_EARNED": ("earned", "total"), "PENDING_POINTS_ACTIVATED": ("earned", "total", "pending_activated"),
              "PENDING_POINTS_ADDED": ("pending_total",), "PENDING_POINTS_CANCELED": ("pending_canceled",),
              "ADMIN_POINTS_EXPIRATION": ("expired",), "POINTS_EXPIRED": ("expired",), "ADMIN_CREDIT": ("added", "total")}


def assert_ledger_explains_the_card(stack: Stack, world: dict[str, Any]) -> dict[str, Any]:
    """The card's counters are the sum of its APPROVED transactions, and its balances follow the spec's formula."""
    got = card(stack, world)
    sums: Counter[str] = Counter()
    for ctx in transactions(stack, world):
        if ctx["status"] == "APPROVED":
            for counter in COUNTER_OF[ctx["type"]]:
                sums[counter] += abs(int(ctx["details"]["points"]["total"]))
    lifetime, pending = got["lifetime_bucket"]["points"], got["lifetime_bucket"]["pending_points"]
    assert (lifetime["earned"], lifetime["total"], lifetime["expired"]) == (sums["earned"], sums["total"], sums["expired"])
    assert pending == {"total": sums["pending_total"], "activated": sums["pending_activated"], "canceled": sums["pending_canceled"]}
    assert got["balance"] == {"points": lifetime["total"] - lifetime["expired"],
                              "pending_points": pending["total"] - pending["activated"] - pending["canceled"]}
    return got


# ---------------------------------------------------------------------------------------------- v2 pending points
@pytest.fixture
def pending_world(stack: Stack, days: Clock) -> dict[str, Any]:
    """Given a 7-day pending wallet whose points roll over 6 months, and three orders: 30 points earned today (D+7),
    then 50 and 20 earned tomorrow (D+8)."""
    world = setup_program(stack, pending=PENDING_7D, expiration=ROLLING_6M)
    db = stack.db()
    first = days.today()
    points.earn(db, world["customer_id"], "ord_0001", order=order("ord_0001", 3000))
    days.advance(1)
    points.earn(db, world["customer_id"], "ord_0002", order=order("ord_0002", 5000))
    points.earn(db, world["customer_id"], "ord_0003", order=order("ord_0003", 2000))
    world["dates"] = (_shift(first, 7), _shift(first, 8))
    return world


def _shift(day: str, n: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=n)).isoformat()


def test_pending_buckets_are_listed_by_date_in_the_spec_shape_and_paged_by_cursor(stack: Stack, pending_world: dict[str, Any]) -> None:
    soon, later = pending_world["dates"]
    page = pending_list(stack, pending_world)
    assert page["object"] == "list" and page["cursor"] is None
    assert [(b["points"]["total"], b["date"]) for b in page["data"]][:1] == [(30, soon)]
    assert sorted((b["points"]["total"], b["date"]) for b in page["data"][1:]) == [(20, later), (50, later)]
    for bucket in page["data"]:
        assert set(bucket) == PENDING_VIEW, "internal keys (source, transaction, reason, metadata, ...) must not leak"
        assert bucket["id"].startswith("lcppb_") and bucket["status"] == "PENDING" and bucket["type"] == "PERIOD_BASED"
        assert bucket["object"] == "card_pending_points_bucket" and bucket["updated_at"] is None
    assert [b["date"] for b in pending_list(stack, pending_world, order="-date")["data"]] == [later, later, soon]
    seen, cursor = [], None
    while True:
        query = {"limit": "1", **({"cursor": cursor} if cursor else {})}
        got = pending_list(stack, pending_world, **query)
        seen += [b["id"] for b in got["data"]]
        if got["cursor"] is None:
            break
        cursor = got["cursor"]["next"]
        assert cursor.startswith("lcrscppb_")
    assert seen == [b["id"] for b in page["data"]]


def test_activate_then_cancel_move_the_counters_once_and_a_second_try_is_423(stack: Stack, pending_world: dict[str, Any]) -> None:
    soon, later = pending_world["dates"]
    got = assert_ledger_explains_the_card(stack, pending_world)
    assert got["balance"] == {"points": 0, "pending_points": 100}
    assert got["next_activation"] == {"points": 30, "type": "PERIOD_BASED", "date": soon} and got["next_expiration"] is None
    first, second, third = (b["id"] for b in pending_list(stack, pending_world)["data"])

    # When the soonest bucket is activated by hand
    status, body = activate(stack, pending_world, first)
    assert status == 200, body
    assert (body["status"], body["message"]) == ("TRANSACTION_CREATED", "Points activation transaction created")
    ctx = body["transaction"]
    assert ctx["type"] == "PENDING_POINTS_ACTIVATED" and ctx["details"]["reason"] == "Manual points activation"
    assert ctx["details"]["points"]["total"] == 30 and ctx["details"]["points"]["date"] == soon
    # Then its points are active, expire in a bucket of their own, and the next activation is the next date's
    got = assert_ledger_explains_the_card(stack, pending_world)
    assert got["balance"] == {"points": 30, "pending_points": 70}
    assert got["lifetime_bucket"]["pending_points"] == {"total": 100, "activated": 30, "canceled": 0}
    assert got["next_activation"] == {"points": 70, "type": "PERIOD_BASED", "date": later}
    [active] = expiring_list(stack, pending_world)["data"]
    assert active["points"] == {"total": 30} and got["next_expiration"] == {"points": 30, "date": active["expiration_date"]}

    # A second activation, or a cancellation of what is active, is refused and moves nothing
    for again in (activate, cancel):
        status, body = again(stack, pending_world, first)
        assert (status, body["key"]) == (423, "invalid_pending_points_bucket_status"), body
    assert assert_ledger_explains_the_card(stack, pending_world) == got

    # Cancel then activate: the points are never active
    held = {b["id"]: b["points"]["total"] for b in pending_list(stack, pending_world)["data"]}[second]
    status, body = cancel(stack, pending_world, second)
    assert status == 200 and body["transaction"]["type"] == "PENDING_POINTS_CANCELED", body
    assert body["message"] == "Points cancellation transaction created" and body["transaction"]["details"]["points"]["total"] == -held
    status, body = activate(stack, pending_world, second)
    assert (status, body["key"]) == (423, "invalid_pending_points_bucket_status"), body
    got = assert_ledger_explains_the_card(stack, pending_world)
    assert got["balance"] == {"points": 30, "pending_points": 70 - held}
    assert got["lifetime_bucket"]["pending_points"] == {"total": 100, "activated": 30, "canceled": held}
    assert got["next_activation"] == {"points": 70 - held, "type": "PERIOD_BASED", "date": later}
    assert [b["id"] for b in pending_list(stack, pending_world)["data"]] == [third]

    # An unknown (or malformed) bucket is 404
    for unknown in ("lcppb_00000000000000000a", "lcpeb_00000000000000000a"):
        status, body = activate(stack, pending_world, unknown)
        assert (status, body["key"], body["resource_type"]) == (404, "not_found", "card_pending_points_bucket"), body


def test_a_bucket_due_today_or_a_wallet_without_pending_points_is_423(stack: Stack, pending_world: dict[str, Any], days: Clock) -> None:
    soon, _ = pending_world["dates"]
    first = pending_list(stack, pending_world)["data"][0]["id"]
    days.advance(6)  # the soonest bucket's date is today: the daily job settles it, not a person
    assert days.today() == soon
    refused(stack, 423, "invalid_pending_points_bucket_status", "activate_card_pending_points_bucket", "POST",
            f"{card_path(pending_world)}/pending-points/{first}/activate")
    # A bucket on a card whose card definition does not delay points (the wallet of another program)
    other = setup_program(stack)
    ref = card_ref(other["card_id"], other["member"]["id"], other["program"]["id"], other["cdef"]["id"], other["customer_id"])
    bucket = seed_pending(stack.db(), ref, 10, _shift(days.today(), 3))
    refused(stack, 423, "pending_points_not_enabled", "cancel_card_pending_points_bucket", "POST",
            f"{card_path(other)}/pending-points/{bucket['id']}/cancel")


def test_an_inactive_member_or_program_cannot_settle_pending_points(stack: Stack, pending_world: dict[str, Any]) -> None:
    first = pending_list(stack, pending_world)["data"][0]["id"]
    program, member = pending_world["program"]["id"], pending_world["member"]["id"]
    ok(stack, "deactivate_program_member", "POST", f"{BASE}/programs/{program}/members/{member}/deactivate")
    refused(stack, 423, "non_active_member", "activate_card_pending_points_bucket", "POST",
            f"{card_path(pending_world)}/pending-points/{first}/activate")
    ok(stack, "activate_program_member", "POST", f"{BASE}/programs/{program}/members/{member}/activate")
    ok(stack, "deactivate_program", "POST", f"{BASE}/programs/{program}/deactivate")
    refused(stack, 423, "non_active_program", "cancel_card_pending_points_bucket", "POST",
            f"{card_path(pending_world)}/pending-points/{first}/cancel")
    assert card(stack, pending_world)["balance"] == {"points": 0, "pending_points": 100}


def test_the_daily_job_keeps_the_card_s_next_activation_and_expiration(stack: Stack, pending_world: dict[str, Any]) -> None:
    soon, later = pending_world["dates"]
    db = stack.db()
    points.run_daily(db, soon)
    got = assert_ledger_explains_the_card(stack, pending_world)
    assert got["next_activation"] == {"points": 70, "type": "PERIOD_BASED", "date": later}
    [active] = expiring_list(stack, pending_world)["data"]
    assert got["next_expiration"] == {"points": 30, "date": active["expiration_date"]}
    points.run_daily(db, later)
    got = assert_ledger_explains_the_card(stack, pending_world)
    assert got["next_activation"] is None and got["balance"] == {"points": 100, "pending_points": 0}
    last = max(b["expiration_date"] for b in expiring_list(stack, pending_world)["data"])
    points.run_daily(db, _shift(last, 1))
    got = assert_ledger_explains_the_card(stack, pending_world)
    assert (got["next_expiration"], got["balance"]["points"]) == (None, 0)


# ---------------------------------------------------------------------------------------------- v2 expiring points
@pytest.fixture
def expiring_world(stack: Stack, days: Clock) -> dict[str, Any]:
    """Given a wallet whose points roll over 6 months to the month end: 120 points earned today, 80 two months later."""
    world = setup_program(stack, expiration=ROLLING_6M)
    db = stack.db()
    points.earn(db, world["customer_id"], "ord_0001", order=order("ord_0001", 12000))
    days.advance(62)
    points.earn(db, world["customer_id"], "ord_0002", order=order("ord_0002", 8000))
    return world


def test_expiring_buckets_are_listed_by_expiration_date_and_expired_by_hand_once(stack: Stack, expiring_world: dict[str, Any]) -> None:
    page = expiring_list(stack, expiring_world)
    soon, later = page["data"]
    assert (soon["points"], later["points"]) == ({"total": 120}, {"total": 80}) and soon["expiration_date"] < later["expiration_date"]
    for bucket in page["data"]:
        assert set(bucket) == EXPIRING_VIEW and bucket["id"].startswith("lcpeb_") and bucket["status"] == "ACTIVE"
        assert bucket["expiration_type"] == "ROLLING_EXPIRATION" and bucket["customer_id"] == expiring_world["customer_id"]
    assert [b["id"] for b in expiring_list(stack, expiring_world, order="-expiration_date")["data"]] == [later["id"], soon["id"]]
    first = expiring_list(stack, expiring_world, limit="1")
    assert [b["id"] for b in first["data"]] == [soon["id"]] and first["cursor"]["next"].startswith("lcrspeb_")
    rest = expiring_list(stack, expiring_world, limit="1", cursor=first["cursor"]["next"])
    assert [b["id"] for b in rest["data"]] == [later["id"]] and rest["cursor"] is None
    got = assert_ledger_explains_the_card(stack, expiring_world)
    assert got["next_expiration"] == {"points": 120, "date": soon["expiration_date"]} and got["next_activation"] is None

    status, body = expire(stack, expiring_world, soon["id"])
    assert status == 200, body
    assert (body["status"], body["message"]) == ("TRANSACTION_CREATED", "Points expiration transaction created")
    ctx = body["transaction"]
    assert ctx["type"] == "ADMIN_POINTS_EXPIRATION" and ctx["details"]["points"]["total"] == -120
    assert ctx["details"]["bucket"] == {"id": soon["id"], "points": {"total": 120}, "expiration_date": soon["expiration_date"],
                                        "expiration_type": "ROLLING_EXPIRATION"}
    got = assert_ledger_explains_the_card(stack, expiring_world)
    assert got["balance"]["points"] == 80 and got["lifetime_bucket"]["points"]["expired"] == 120
    assert got["next_expiration"] == {"points": 80, "date": later["expiration_date"]}
    assert [b["id"] for b in expiring_list(stack, expiring_world)["data"]] == [later["id"]]

    status, body = expire(stack, expiring_world, soon["id"])
    assert (status, body["key"]) == (423, "invalid_points_bucket_status"), body
    status, body = expire(stack, expiring_world, "lcpeb_00000000000000000a")
    assert (status, body["key"], body["resource_type"]) == (404, "not_found", "card_points_bucket"), body
    assert assert_ledger_explains_the_card(stack, expiring_world) == got


def test_a_bucket_past_its_last_day_or_a_wallet_that_never_expires_is_423(stack: Stack, expiring_world: dict[str, Any],
                                                                            days: Clock) -> None:
    soon = expiring_list(stack, expiring_world)["data"][0]
    days.advance((date.fromisoformat(soon["expiration_date"]) - date.fromisoformat(days.today())).days + 1)
    refused(stack, 423, "invalid_points_bucket_status", "expire_card_points_bucket", "POST",
            f"{card_path(expiring_world)}/expiring-points/{soon['id']}/expire")
    other = setup_program(stack)
    ref = card_ref(other["card_id"], other["member"]["id"], other["program"]["id"], other["cdef"]["id"], other["customer_id"])
    seed_expiring(stack.db(), ref, 10, _shift(days.today(), 30))
    [bucket] = expiring_list(stack, other)["data"]
    refused(stack, 423, "points_expiration_not_enabled", "expire_card_points_bucket", "POST",
            f"{card_path(other)}/expiring-points/{bucket['id']}/expire")


# ---------------------------------------------------------------------------------------------- v1
@pytest.fixture
def v1_world(stack: Stack) -> dict[str, Any]:
    """Given a v1 campaign card (code L-…) with 25 points and, as v1 earning leaves them, three pending entries (10, 20,
    30 points) and two expiring buckets (40 and 15 points)."""
    campaign = ok(stack, "create_loyalty_program_v1", "POST", "/v1/loyalties", {
        "name": "V1 Club", "type": "AUTO_UPDATE",
        "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 25}, "code_config": {"pattern": "L-######"}}})
    voucher = ok(stack, "add_member_v1", "POST", f"/v1/loyalties/{campaign['id']}/members", {"customer": {"source_id": "v1-alice"}})
    claim = stack.db().get(stack.db().keys.card_code(voucher["code"]))
    assert claim is not None
    ref = card_ref(claim["card_id"], claim["member_id"], campaign["id"], campaign["id"], voucher["holder_id"])
    today = points.local_day(clock.now_iso())
    entries = [seed_pending(stack.db(), ref, p, _shift(today, 3), source_id=f"ord_{i:04x}") for i, p in enumerate((10, 20, 30))]
    seed_expiring(stack.db(), ref, 40, _shift(today, 90))
    seed_expiring(stack.db(), ref, 15, _shift(today, 30))
    return {"campaign": campaign, "voucher": voucher, "code": voucher["code"], "entries": entries}


def v1_pending(stack: Stack, world: dict[str, Any], *, by_campaign: bool = False, **query: str) -> dict[str, Any]:
    if by_campaign:
        return dict(ok(stack, "list_member_pending_points_v1", "GET",
                       f"/v1/loyalties/{world['campaign']['id']}/members/{world['code']}/pending-points", query=query or None))
    return dict(ok(stack, "list_member_pending_points_by_code_v1", "GET", f"/v1/loyalties/members/{world['code']}/pending-points",
                   query=query or None))


def v1_member(stack: Stack, world: dict[str, Any]) -> dict[str, Any]:
    return dict(ok(stack, "get_member_by_code_v1", "GET", f"/v1/loyalties/members/{world['code']}")["loyalty_card"])


def test_v1_pending_points_are_listed_by_id_with_v1_ids_and_paged(stack: Stack, v1_world: dict[str, Any]) -> None:
    listed = v1_pending(stack, v1_world)
    assert (listed["object"], listed["data_ref"], listed["has_more"]) == ("list", "data", False) and "more_starting_after" not in listed
    expected = ["lopp_" + e["id"].removeprefix("lcppb_") for e in v1_world["entries"]]
    assert [e["id"] for e in listed["data"]] == sorted(expected)
    entry = listed["data"][0]
    assert entry["voucher_id"] == v1_world["voucher"]["id"] and entry["campaign_id"] == v1_world["campaign"]["id"]
    assert entry["customer_id"] == v1_world["voucher"]["holder_id"] and entry["order_id"].startswith("ord_")
    assert entry["points"] == 10 and entry["activates_at"] == v1_world["entries"][0]["date"]
    assert entry["details"]["earning_rule"]["id"] == "lern_5eed" and entry["details"]["order"]["id"] == entry["order_id"]
    assert v1_pending(stack, v1_world, by_campaign=True) == listed
    assert [e["id"] for e in v1_pending(stack, v1_world, order="-id")["data"]] == sorted(expected, reverse=True)
    first = v1_pending(stack, v1_world, limit="2")
    assert first["has_more"] is True and first["more_starting_after"] == sorted(expected)[1]
    rest = v1_pending(stack, v1_world, limit="2", starting_after_id=first["more_starting_after"])
    assert [e["id"] for e in rest["data"]] == sorted(expected)[2:] and rest["has_more"] is False
    loyalty_card = v1_member(stack, v1_world)
    assert (loyalty_card["pending_points"], loyalty_card["balance"]) == (60, 25 + 40 + 15)
    assert (loyalty_card["next_expiration_points"], loyalty_card["next_expiration_date"]) == (15, _shift(points.local_day(clock.now_iso()), 30))


def test_v1_pending_points_are_adjusted_activated_and_canceled_once(stack: Stack, v1_world: dict[str, Any]) -> None:
    ten, twenty, thirty = ("lopp_" + e["id"].removeprefix("lcppb_") for e in v1_world["entries"])
    base = f"/v1/loyalties/members/{v1_world['code']}/pending-points"
    adjusted = ok(stack, "adjust_member_pending_points_v1", "POST", f"{base}/{ten}/balance", {"points": 5})
    assert adjusted == {"points": 5, "total": 65, "object": "balance", "related_object": {"type": "voucher", "id": v1_world["voucher"]["id"]},
                        "operation_type": "MANUAL"}
    taken = ok(stack, "adjust_member_pending_points_v1", "POST", f"{base}/{ten}/balance", {"points": -3})
    assert (taken["points"], taken["total"]) == (-3, 62)
    refused(stack, 400, "invalid_amount", "adjust_member_pending_points_v1", "POST", f"{base}/{ten}/balance", {"points": -12})
    assert v1_pending(stack, v1_world)["data"][0]["points"] == 12

    activated = ok(stack, "activate_member_pending_points_v1", "POST", f"{base}/{ten}/activate")
    assert activated == {"points": 12, "total": 92, "balance": 92, "type": "loyalty_card", "object": "balance",
                         "related_object": {"type": "voucher", "id": v1_world["voucher"]["id"]}, "operation_type": "MANUAL"}
    body = refused(stack, 400, "invalid_pending_points_state", "activate_member_pending_points_v1", "POST", f"{base}/{ten}/activate")
    assert "Current status: 'ACTIVATED'" in body["details"]
    refused(stack, 400, "invalid_pending_points_state", "cancel_member_pending_points_v1", "POST", f"{base}/{ten}/cancel")
    refused(stack, 400, "invalid_pending_points_state", "adjust_member_pending_points_v1", "POST", f"{base}/{ten}/balance", {"points": 1})

    got, empty = stack.call("cancel_member_pending_points_v1", "POST", f"{base}/{twenty}/cancel")
    assert (got, empty) == (204, None)
    body = refused(stack, 400, "invalid_pending_points_state", "activate_member_pending_points_v1", "POST", f"{base}/{twenty}/activate")
    assert "Current status: 'CANCELED'" in body["details"]
    assert [e["id"] for e in v1_pending(stack, v1_world)["data"]] == [thirty]
    loyalty_card = v1_member(stack, v1_world)
    assert (loyalty_card["points"], loyalty_card["balance"], loyalty_card["pending_points"]) == (92, 92, 30)

    missing = refused(stack, 404, "not_found", "activate_member_pending_points_v1", "POST", f"{base}/lopp_00000000000000000a/activate")
    assert missing["resource_type"] == "pending_points"
    refused(stack, 404, "not_found", "cancel_member_pending_points_v1", "POST", f"{base}/nonsense/cancel")
    missing = refused(stack, 404, "not_found", "cancel_member_pending_points_v1", "POST",
                      f"/v1/loyalties/members/NO-SUCH/pending-points/{thirty}/cancel")
    assert missing["resource_type"] == "voucher"


def test_v1_points_expiration_lists_the_active_buckets_soonest_first(stack: Stack, v1_world: dict[str, Any]) -> None:
    path = f"/v1/loyalties/{v1_world['campaign']['id']}/members/{v1_world['code']}/points-expiration"
    listed = ok(stack, "list_points_expiration_v1", "GET", path)
    assert (listed["object"], listed["data_ref"], listed["total"]) == ("list", "data", 2)
    assert [b["bucket"]["total_points"] for b in listed["data"]] == [15, 40]
    for bucket in listed["data"]:
        assert bucket["id"].startswith("lopb_") and bucket["status"] == "ACTIVE" and bucket["object"] == "loyalty_points_bucket"
        assert bucket["voucher_id"] == v1_world["voucher"]["id"] and bucket["campaign_id"] == v1_world["campaign"]["id"]
    second = ok(stack, "list_points_expiration_v1", "GET", path, query={"limit": "1", "page": "2"})
    assert [b["bucket"]["total_points"] for b in second["data"]] == [40] and second["total"] == 2
    by_name = ok(stack, "list_points_expiration_v1", "GET", f"/v1/loyalties/V1%20Club/members/{v1_world['code']}/points-expiration")
    assert by_name == listed
    refused(stack, 404, "not_found", "list_points_expiration_v1", "GET", f"/v1/loyalties/camp_other/members/{v1_world['code']}/points-expiration")


@pytest.mark.filterwarnings("ignore:.*is deprecated:DeprecationWarning")
def test_the_official_sdk_reads_and_settles_v1_pending_points_unchanged(stack: Stack, v1_world: dict[str, Any]) -> None:
    from voucherify.models import LoyaltiesMembersPendingPointsBalanceRequestBody

    from tests.integration.test_v1_sdk import sdk

    loyalties, _, gateway = sdk(stack)
    code, campaign = v1_world["code"], v1_world["campaign"]["id"]
    listed = loyalties.list_member_pending_points(code)
    assert listed.has_more is False and [e.points for e in listed.data or []] == [10, 20, 30]
    first, second = (e.id for e in (listed.data or [])[:2])
    assert first is not None and second is not None
    by_campaign = loyalties.list_member_pending_points1(campaign, code)
    assert by_campaign.to_dict() == listed.to_dict()
    adjusted = loyalties.adjust_member_pending_points(code, first, LoyaltiesMembersPendingPointsBalanceRequestBody(points=2))
    assert (adjusted.points, adjusted.total) == (2, 62)
    activated = loyalties.activate_member_pending_points(code, first)
    assert (activated.points, activated.balance, activated.type) == (12, 25 + 40 + 15 + 12, "loyalty_card")
    assert loyalties.cancel_member_pending_points(code, second) is None
    buckets = loyalties.list_points_expiration(campaign, code)
    assert buckets.total == 2 and [b.bucket.total_points for b in buckets.data or [] if b.bucket] == [15, 40]
    assert [name for _, _, name in gateway.calls] == [
        "list_member_pending_points_by_code_v1", "list_member_pending_points_v1", "adjust_member_pending_points_v1",
        "activate_member_pending_points_v1", "cancel_member_pending_points_v1", "list_points_expiration_v1"]
