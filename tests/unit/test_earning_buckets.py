"""Date rules of pending and expiring points and bucket arithmetic (loyalty.earning.buckets), table-driven.

Policies are built by the validators and builders the API stores card definitions and earning rules with, so the functions
read the real stored shapes; earning-map §3, §4, §13 and §14 (E2, E7, E8) are the source of every expected date."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from loyalty.components.models import CardDefinitionCreate, EarningRuleCreate, card_definition_object, earning_rule_object
from loyalty.earning.buckets import (
    InsufficientPoints,
    UnsupportedRule,
    activates_on_event,
    consume,
    due_expiring,
    due_pending,
    expiration_date,
    expiration_type,
    local_day,
    pending_activation,
    pending_cancel_deadline,
    pending_schedule,
    resets_sliding,
)
from loyalty.earning.engine import evaluate
from loyalty.earning.records import ORDER_PAID, Card, EarningContext, Membership, Order

UTC_ZONE = "UTC"
NEW_YORK = "America/New_York"
BERLIN = "Europe/Berlin"


def card_definition(**body: Any) -> dict[str, Any]:
    """A card definition as the API stores it."""
    return card_definition_object(CardDefinitionCreate.model_validate({"name": "Main", "type": "INDIVIDUAL", **body}))


def pending(policy: dict[str, Any] | None) -> dict[str, Any]:
    """The stored `pending_points` of a card definition created with `policy`."""
    return card_definition(**({"pending_points": policy} if policy else {}))["pending_points"]


def expiring(policy: dict[str, Any] | None) -> dict[str, Any]:
    """The stored `points_expiration` of a card definition created with `policy`."""
    return card_definition(**({"points_expiration": policy} if policy else {}))["points_expiration"]


def effect_override(policy: dict[str, Any] | None) -> dict[str, Any] | None:
    """The `points_expiration` override the engine hands over in `Earning.points_expiration` for a fixed-points effect."""
    points: dict[str, Any] = {"value": 10, "card_definition_id": "lcdef_0a"}
    if policy is not None:
        points["points_expiration"] = policy
    rule = earning_rule_object(EarningRuleCreate.model_validate(
        {"name": "R", "trigger": {"event": ORDER_PAID}, "earnings": [{"effects": [{"type": "POINTS", "points": points}]}]}))
    rule["id"], rule["status"] = "lern_01", "ACTIVE"
    context = EarningContext(trigger=ORDER_PAID, now="2026-03-04T12:00:00Z", customer_id="cust_01", order=Order("ord_01", amount=100),
                             memberships=(Membership("lmbr_01", "lprg_01", "Club", (Card("lcrd_01", "lcdef_0a"),)),))
    (earning,) = evaluate(context, [rule]).earnings
    return dict(earning.points_expiration) if earning.points_expiration is not None else None


def rolling(unit: str, value: int, rounding: dict[str, Any] | None = None) -> dict[str, Any]:
    """A ROLLING_EXPIRATION request body."""
    body: dict[str, Any] = {"period": {"unit": unit, "value": value}}
    if rounding:
        body["rounding"] = rounding
    return {"type": "ROLLING_EXPIRATION", "rolling_expiration": body}


def calendar(*dates: tuple[int, int]) -> dict[str, Any]:
    """A CALENDAR_EXPIRATION request body from (day, month) pairs."""
    return {"type": "CALENDAR_EXPIRATION", "calendar_expiration": {"expiration_dates": [{"day": d, "month": m} for d, m in dates]}}


def at(day: str, clock: str = "12:00:00") -> str:
    """An instant at `clock` UTC on `day`."""
    return f"{day}T{clock}.000Z"


# ---------------------------------------------------------------------------------------------------------------------
# Time zone: the project day of an instant
# ---------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("instant", "zone", "day"), [
    ("2026-03-04T23:30:00Z", UTC_ZONE, date(2026, 3, 4)),
    ("2026-03-04T23:30:00Z", BERLIN, date(2026, 3, 5)),          # 00:30 the next day in Berlin
    ("2026-03-05T03:30:00Z", NEW_YORK, date(2026, 3, 4)),        # 22:30 the previous day in New York
    (datetime(2026, 12, 31, 23, 30), "Asia/Tokyo", date(2027, 1, 1)),  # naive = UTC; the next year in Tokyo
    (datetime(2026, 3, 4, 23, 30, tzinfo=UTC), BERLIN, date(2026, 3, 5)),
])
def test_local_day_reads_the_instant_in_the_project_zone(instant: Any, zone: str, day: date) -> None:
    assert local_day(instant, zone) == day


# ---------------------------------------------------------------------------------------------------------------------
# Pending points (§3)
# ---------------------------------------------------------------------------------------------------------------------


def period_based(unit: str, value: int) -> dict[str, Any]:
    """A PERIOD_BASED pending request body."""
    return {"type": "PERIOD_BASED", "period_based": {"period": {"unit": unit, "value": value}}}


def fixed_dates(*dates: tuple[int, int]) -> dict[str, Any]:
    """A FIXED_DATES pending request body from (day, month) pairs."""
    return {"type": "FIXED_DATES", "fixed_dates": {"dates": [{"day": d, "month": m} for d, m in dates]}}


EVENT_BASED = {"type": "EVENT_BASED", "event_based": {"event_types": ["ms_REVIEW", "ms_SURVEY"], "cancel_period": {"unit": "DAY", "value": 30}}}


@pytest.mark.parametrize(("policy", "earned", "zone", "expected"), [
    (None, at("2026-03-04"), UTC_ZONE, None),                                      # IMMEDIATE by default: no bucket
    ({"type": "IMMEDIATE"}, at("2026-03-04"), UTC_ZONE, None),
    (period_based("DAY", 7), at("2026-03-04"), UTC_ZONE, date(2026, 3, 11)),       # journey step 7: today + 7
    (period_based("DAY", 90), at("2026-12-15"), UTC_ZONE, date(2027, 3, 15)),
    (period_based("MONTH", 1), at("2026-01-31"), UTC_ZONE, date(2026, 2, 28)),     # clamped to the month end
    (period_based("MONTH", 1), at("2028-01-31"), UTC_ZONE, date(2028, 2, 29)),     # leap year
    (period_based("MONTH", 12), at("2026-03-31"), UTC_ZONE, date(2027, 3, 31)),
    (period_based("YEAR", 1), at("2028-02-29"), UTC_ZONE, date(2029, 2, 28)),      # 29 Feb + 1 year
    (period_based("DAY", 7), at("2026-03-04", "23:30:00"), BERLIN, date(2026, 3, 12)),   # already the 5th in Berlin
    (period_based("DAY", 7), at("2026-03-05", "03:30:00"), NEW_YORK, date(2026, 3, 11)),  # still the 4th in New York
    (fixed_dates((1, 1), (1, 7)), at("2026-03-04"), UTC_ZONE, date(2026, 7, 1)),
    (fixed_dates((1, 1), (1, 7)), at("2026-08-04"), UTC_ZONE, date(2027, 1, 1)),   # wraps to next year
    (fixed_dates((1, 7)), at("2026-07-01"), UTC_ZONE, date(2027, 7, 1)),           # E7: strictly after the earn day
    (fixed_dates((1, 7)), at("2026-06-30", "22:30:00"), BERLIN, date(2027, 7, 1)),   # 1 Jul 00:30 in Berlin: strictly after
    (fixed_dates((1, 7)), at("2026-06-30", "21:30:00"), BERLIN, date(2026, 7, 1)),   # 23:30 on 30 Jun in Berlin
    (fixed_dates((29, 2)), at("2027-01-10"), UTC_ZONE, date(2027, 2, 28)),         # 29 Feb in a common year: 28 Feb
    (fixed_dates((29, 2)), at("2027-02-28"), UTC_ZONE, date(2028, 2, 29)),
    (fixed_dates((15, 3), (10, 3)), at("2026-03-01"), UTC_ZONE, date(2026, 3, 10)),  # unordered dates: the nearest
    (EVENT_BASED, at("2026-03-04"), UTC_ZONE, None),                               # activated by an event, not a date
])
def test_pending_activation(policy: dict[str, Any] | None, earned: str, zone: str, expected: date | None) -> None:
    assert pending_activation(pending(policy), earned, zone) == expected


@pytest.mark.parametrize(("policy", "expected"), [
    (EVENT_BASED, ("EVENT_BASED", date(2026, 4, 3), "CANCEL")),              # E2: bucket date = cancel deadline
    (period_based("DAY", 7), ("PERIOD_BASED", date(2026, 3, 11), "ACTIVATE")),
    (fixed_dates((1, 4)), ("FIXED_DATES", date(2026, 4, 1), "ACTIVATE")),
    ({"type": "IMMEDIATE"}, None),
])
def test_pending_schedule_gives_the_bucket_date_and_action(policy: dict[str, Any], expected: tuple[Any, ...] | None) -> None:
    schedule = pending_schedule(pending(policy), at("2026-03-04"), UTC_ZONE)
    assert (None if schedule is None else (schedule.type, schedule.date, schedule.on_date)) == expected


def test_event_based_cancel_deadline_and_activating_events() -> None:
    stored = pending(EVENT_BASED)
    assert pending_cancel_deadline(stored, at("2026-03-04"), UTC_ZONE) == date(2026, 4, 3)
    assert pending_cancel_deadline(pending(period_based("DAY", 7)), at("2026-03-04"), UTC_ZONE) is None
    assert activates_on_event(stored, "ms_SURVEY") is True
    assert activates_on_event(stored, "ms_OTHER") is False
    assert activates_on_event(stored, None) is False
    assert activates_on_event(pending(period_based("DAY", 7)), "ms_REVIEW") is False


@pytest.mark.parametrize("policy", [
    {"type": "SOMEDAY"},
    {"type": "PERIOD_BASED"},
    {"type": "PERIOD_BASED", "period_based": {"period": {"unit": "WEEK", "value": 1}}},
    {"type": "FIXED_DATES", "fixed_dates": {"dates": []}},
])
def test_pending_shapes_that_cannot_be_computed_raise(policy: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedRule):
        pending_activation(policy, at("2026-03-04"), UTC_ZONE)


# ---------------------------------------------------------------------------------------------------------------------
# Points expiration (§4)
# ---------------------------------------------------------------------------------------------------------------------

EOM = {"type": "END_OF_MONTH"}


@pytest.mark.parametrize(("policy", "earned", "zone", "expected"), [
    (None, at("2026-03-04"), UTC_ZONE, None),                                       # NO_EXPIRATION by default
    ({"type": "NO_EXPIRATION"}, at("2026-03-04"), UTC_ZONE, None),
    (rolling("DAY", 30), at("2026-03-04"), UTC_ZONE, date(2026, 4, 3)),
    (rolling("DAY", 90), at("2026-12-01"), UTC_ZONE, date(2027, 3, 1)),
    (rolling("MONTH", 1), at("2026-01-31"), UTC_ZONE, date(2026, 2, 28)),          # D-L1P: 31 Jan + 1 month = 28 Feb
    (rolling("MONTH", 1), at("2028-01-31"), UTC_ZONE, date(2028, 2, 29)),          # leap year
    (rolling("MONTH", 1), at("2026-03-31"), UTC_ZONE, date(2026, 4, 30)),
    (rolling("MONTH", 12), at("2026-05-15"), UTC_ZONE, date(2027, 5, 15)),
    (rolling("YEAR", 1), at("2028-02-29"), UTC_ZONE, date(2029, 2, 28)),
    (rolling("YEAR", 4), at("2028-02-29"), UTC_ZONE, date(2032, 2, 29)),
    (rolling("YEAR", 5), at("2026-03-04"), UTC_ZONE, date(2031, 3, 4)),
    (rolling("MONTH", 6, EOM), at("2026-03-04"), UTC_ZONE, date(2026, 9, 30)),     # journey step 9
    (rolling("MONTH", 1, EOM), at("2027-01-31"), UTC_ZONE, date(2027, 2, 28)),
    (rolling("MONTH", 1, EOM), at("2028-01-15"), UTC_ZONE, date(2028, 2, 29)),
    (rolling("DAY", 1, {"type": "END_OF_QUARTER"}), at("2026-03-30"), UTC_ZONE, date(2026, 3, 31)),
    (rolling("DAY", 2, {"type": "END_OF_QUARTER"}), at("2026-03-30"), UTC_ZONE, date(2026, 6, 30)),
    (rolling("MONTH", 2, {"type": "END_OF_QUARTER"}), at("2026-08-10"), UTC_ZONE, date(2026, 12, 31)),
    (rolling("MONTH", 1, {"type": "END_OF_HALF_YEAR"}), at("2026-05-31"), UTC_ZONE, date(2026, 6, 30)),
    (rolling("MONTH", 1, {"type": "END_OF_HALF_YEAR"}), at("2026-06-01"), UTC_ZONE, date(2026, 12, 31)),
    (rolling("MONTH", 1, {"type": "END_OF_YEAR"}), at("2026-12-15"), UTC_ZONE, date(2027, 12, 31)),
    (rolling("DAY", 1, {"type": "END_OF_PARTICULAR_MONTH", "value": 3}), at("2026-02-10"), UTC_ZONE, date(2026, 3, 31)),
    (rolling("DAY", 1, {"type": "END_OF_PARTICULAR_MONTH", "value": 3}), at("2026-03-30"), UTC_ZONE, date(2026, 3, 31)),
    (rolling("DAY", 1, {"type": "END_OF_PARTICULAR_MONTH", "value": 3}), at("2026-04-10"), UTC_ZONE, date(2027, 3, 31)),
    (rolling("DAY", 1, {"type": "END_OF_PARTICULAR_MONTH", "value": 2}), at("2027-06-01"), UTC_ZONE, date(2028, 2, 29)),
    (rolling("DAY", 30), at("2026-03-04", "23:30:00"), BERLIN, date(2026, 4, 4)),   # already the 5th in Berlin
    (rolling("MONTH", 1, EOM), at("2026-03-31", "23:30:00"), BERLIN, date(2026, 5, 31)),   # 1 Apr in Berlin
    (rolling("MONTH", 1, EOM), at("2026-04-01", "02:00:00"), NEW_YORK, date(2026, 4, 30)),  # still 31 Mar in New York
    (calendar((31, 12)), at("2026-03-04"), UTC_ZONE, date(2026, 12, 31)),
    (calendar((30, 6), (31, 12)), at("2026-07-01"), UTC_ZONE, date(2026, 12, 31)),
    (calendar((30, 6), (31, 12)), at("2026-06-30"), UTC_ZONE, date(2026, 6, 30)),  # E7: on/after the activation day
    (calendar((30, 6)), at("2026-06-30", "22:30:00"), BERLIN, date(2027, 6, 30)),  # 1 Jul in Berlin
    (calendar((29, 2)), at("2027-01-10"), UTC_ZONE, date(2027, 2, 28)),
    (calendar((29, 2)), at("2027-03-01"), UTC_ZONE, date(2028, 2, 29)),
])
def test_card_definition_expiration(policy: dict[str, Any] | None, earned: str, zone: str, expected: date | None) -> None:
    assert expiration_date(expiring(policy), None, earned, zone) == expected


@pytest.mark.parametrize(("card", "override", "expected", "kind"), [
    (rolling("MONTH", 6, EOM), None, date(2026, 9, 30), "ROLLING_EXPIRATION"),              # no override: the card's
    (rolling("MONTH", 6, EOM), rolling("MONTH", 1), date(2026, 4, 4), "ROLLING_EXPIRATION"),  # the effect wins
    (rolling("MONTH", 6, EOM), {"type": "NO_EXPIRATION"}, None, "NO_EXPIRATION"),           # an explicit never wins too
    (None, rolling("DAY", 10), date(2026, 3, 14), "ROLLING_EXPIRATION"),                    # override on a never-card
    (calendar((31, 12)), calendar((30, 6)), date(2026, 6, 30), "CALENDAR_EXPIRATION"),
    (None, None, None, "NO_EXPIRATION"),
])
def test_effect_override_precedence(card: dict[str, Any] | None, override: dict[str, Any] | None, expected: date | None,
                                    kind: str) -> None:
    stored_card, stored_override = expiring(card), effect_override(override)
    assert expiration_date(stored_card, stored_override, at("2026-03-04"), UTC_ZONE) == expected
    assert expiration_type(stored_card, stored_override) == kind


def sliding(*, earning: bool = False, spending: bool = False, custom: list[str] | None = None) -> dict[str, Any]:
    """A SLIDING_EXPIRATION request body with a 3-month period."""
    body: dict[str, Any] = {"earning_activity": earning, "spending_activity": spending, "period": {"unit": "MONTH", "value": 3}}
    if custom:
        body["custom_activity"], body["custom_activity_types"] = True, custom
    return {"type": "SLIDING_EXPIRATION", "sliding_expiration": body}


def test_sliding_expiration_counts_from_the_last_qualifying_activity() -> None:
    by_earning = expiring(sliding(earning=True))
    assert expiration_date(by_earning, None, at("2026-11-30"), UTC_ZONE) == date(2027, 2, 28)
    by_spending = expiring(sliding(spending=True))
    assert expiration_date(by_spending, None, at("2026-03-04"), UTC_ZONE, last_activity_at=at("2026-02-01")) == date(2026, 5, 1)
    with pytest.raises(UnsupportedRule, match="last qualifying activity"):
        expiration_date(by_spending, None, at("2026-03-04"), UTC_ZONE)


def test_sliding_resets_only_on_selected_activities() -> None:
    policy = expiring(sliding(spending=True, custom=["ms_REVIEW"]))
    assert resets_sliding(policy, "SPENDING") is True
    assert resets_sliding(policy, "EARNING") is False
    assert resets_sliding(policy, "CUSTOM", ("ms_REVIEW", "review_written")) is True
    assert resets_sliding(policy, "CUSTOM", ("ms_OTHER",)) is False
    assert resets_sliding(expiring(rolling("DAY", 1)), "EARNING") is False


@pytest.mark.parametrize("policy", [
    {"type": "FOREVER_AND_A_DAY"},
    {"type": "ROLLING_EXPIRATION"},
    {"type": "ROLLING_EXPIRATION", "rolling_expiration": {"period": {"unit": "HOUR", "value": 1}}},
    {"type": "ROLLING_EXPIRATION", "rolling_expiration": {"period": {"unit": "DAY", "value": 1}, "rounding": {"type": "END_OF_WEEK"}}},
    {"type": "ROLLING_EXPIRATION", "rolling_expiration": {"period": {"unit": "DAY", "value": 1},
                                                          "rounding": {"type": "END_OF_PARTICULAR_MONTH"}}},
    {"type": "CALENDAR_EXPIRATION", "calendar_expiration": {"expiration_dates": []}},
])
def test_expiration_shapes_that_cannot_be_computed_raise(policy: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedRule):
        expiration_date(policy, None, at("2026-03-04"), UTC_ZONE)


# ---------------------------------------------------------------------------------------------------------------------
# The daily job (§13): what is due, idempotent by construction
# ---------------------------------------------------------------------------------------------------------------------

PENDING_BUCKETS: list[dict[str, Any]] = [
    {"id": "lcppb_03", "points": {"total": 30}, "date": "2026-03-11", "type": "PERIOD_BASED", "status": "PENDING"},
    {"id": "lcppb_01", "points": {"total": 10}, "date": "2026-03-10", "type": "FIXED_DATES", "status": "PENDING"},
    {"id": "lcppb_02", "points": 20, "date": date(2026, 3, 11), "type": "EVENT_BASED", "status": "PENDING"},
    {"id": "lcppb_04", "points": 40, "date": "2026-03-12", "type": "PERIOD_BASED", "status": "PENDING"},
    {"id": "lcppb_05", "points": 50, "date": "2026-03-01", "type": "PERIOD_BASED", "status": "ACTIVATED"},
    {"id": "lcppb_06", "points": 60, "date": "2026-03-01", "type": "EVENT_BASED", "status": "CANCELED"},
]


@pytest.mark.parametrize(("today", "activate", "cancel"), [
    ("2026-03-09", (), ()),
    ("2026-03-10", ("lcppb_01",), ()),
    (date(2026, 3, 11), ("lcppb_01", "lcppb_03"), ("lcppb_02",)),      # a missed day is caught up, oldest first
    ("2026-03-12", ("lcppb_01", "lcppb_03", "lcppb_04"), ("lcppb_02",)),
])
def test_due_pending(today: Any, activate: tuple[str, ...], cancel: tuple[str, ...]) -> None:
    due = due_pending(PENDING_BUCKETS, today)
    assert (due.activate, due.cancel) == (activate, cancel)


def test_due_pending_is_idempotent_once_settled() -> None:
    buckets = [dict(bucket) for bucket in PENDING_BUCKETS]
    first = due_pending(buckets, "2026-03-11")
    for bucket in buckets:
        if bucket["id"] in first.activate:
            bucket["status"] = "ACTIVATED"
        if bucket["id"] in first.cancel:
            bucket["status"] = "CANCELED"
    again = due_pending(buckets, "2026-03-11")
    assert (again.activate, again.cancel) == ((), ())
    assert due_pending(buckets, "2026-03-12").activate == ("lcppb_04",)


EXPIRING_BUCKETS: list[dict[str, Any]] = [
    {"id": "lcpeb_02", "points": {"total": 20}, "expiration_date": "2026-03-31", "status": "ACTIVE"},
    {"id": "lcpeb_01", "points": 10, "expiration_date": "2026-03-30", "status": "ACTIVE"},
    {"id": "lcpeb_03", "points": 30, "expiration_date": "2026-02-28", "status": "EXPIRED"},
    {"id": "lcpeb_04", "points": 0, "expiration_date": "2026-03-01", "status": "ACTIVE"},          # spent to zero
    {"id": "lcpeb_05", "points": 50, "expiration_date": None, "status": "ACTIVE"},                 # never expires
]


@pytest.mark.parametrize(("today", "expected"), [
    ("2026-03-30", ()),                                   # the last valid day itself: still valid
    ("2026-03-31", ("lcpeb_01",)),                        # removed at 00:00 the day after (D-L1P)
    ("2026-04-01", ("lcpeb_01", "lcpeb_02")),
    ("2030-01-01", ("lcpeb_01", "lcpeb_02")),             # expired, empty and never-expiring buckets are never due
])
def test_due_expiring(today: str, expected: tuple[str, ...]) -> None:
    assert due_expiring(EXPIRING_BUCKETS, today) == expected


def test_due_expiring_is_idempotent_once_expired() -> None:
    buckets = [dict(bucket) for bucket in EXPIRING_BUCKETS]
    for bucket in buckets:
        if bucket["id"] in due_expiring(buckets, "2026-04-01"):
            bucket["status"] = "EXPIRED"
    assert due_expiring(buckets, "2026-04-01") == ()
    assert due_expiring(buckets, "2026-04-02") == ()


# ---------------------------------------------------------------------------------------------------------------------
# Spending: soonest-expiring first (§4, E8)
# ---------------------------------------------------------------------------------------------------------------------

SPEND_BUCKETS: list[dict[str, Any]] = [
    {"id": "never", "points": 100, "expiration_date": None, "status": "ACTIVE", "created_at": "2026-01-01T00:00:00.000Z"},
    {"id": "late", "points": {"total": 40}, "expiration_date": "2026-12-31", "status": "ACTIVE", "created_at": "2026-01-01T00:00:00.000Z"},
    {"id": "tie_b", "points": 5, "expiration_date": "2026-06-30", "status": "ACTIVE", "created_at": "2026-02-02T00:00:00.000Z"},
    {"id": "tie_a", "points": 5, "expiration_date": "2026-06-30", "status": "ACTIVE", "created_at": "2026-02-01T00:00:00.000Z"},
    {"id": "soon", "points": 10, "expiration_date": date(2026, 4, 30), "status": "ACTIVE", "created_at": "2026-03-01T00:00:00.000Z"},
    {"id": "gone", "points": 99, "expiration_date": "2026-01-31", "status": "EXPIRED", "created_at": "2025-12-01T00:00:00.000Z"},
    {"id": "empty", "points": 0, "expiration_date": "2026-02-28", "status": "ACTIVE", "created_at": "2025-12-01T00:00:00.000Z"},
]


@pytest.mark.parametrize(("amount", "expected"), [
    (0, []),
    (7, [("soon", 7)]),
    (10, [("soon", 10)]),
    (12, [("soon", 10), ("tie_a", 2)]),                                   # ties: the older bucket first
    (20, [("soon", 10), ("tie_a", 5), ("tie_b", 5)]),
    (65, [("soon", 10), ("tie_a", 5), ("tie_b", 5), ("late", 40), ("never", 5)]),   # never-expiring last (E8)
    (160, [("soon", 10), ("tie_a", 5), ("tie_b", 5), ("late", 40), ("never", 100)]),
])
def test_consume_takes_the_soonest_expiring_first(amount: int, expected: list[tuple[str, int]]) -> None:
    assert consume(SPEND_BUCKETS, amount) == expected


def test_consume_ties_without_created_at_keep_the_given_order() -> None:
    buckets: list[dict[str, Any]] = [{"id": "x", "points": 3, "expiration_date": "2026-06-30", "status": "ACTIVE"},
               {"id": "y", "points": 3, "expiration_date": "2026-06-30", "status": "ACTIVE"}]
    assert consume(buckets, 4) == [("x", 3), ("y", 1)]
    assert consume(list(reversed(buckets)), 4) == [("y", 3), ("x", 1)]


def test_consume_refuses_a_shortfall() -> None:
    with pytest.raises(InsufficientPoints) as raised:
        consume(SPEND_BUCKETS, 161)
    assert (raised.value.requested, raised.value.available) == (161, 160)
    with pytest.raises(InsufficientPoints):
        consume([], 1)


@pytest.mark.parametrize("amount", [-1, 1.5, True])
def test_consume_rejects_a_bad_amount(amount: Any) -> None:
    with pytest.raises(ValueError, match="non-negative integer"):
        consume(SPEND_BUCKETS, amount)
