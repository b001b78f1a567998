"""The pure tier rules (tiers/engine.py): ranking with gaps and a bounded top (E29), POINT_EARNED tracking periods (E15),
expiry of a reached tier, grace periods, and what a value change or a day does to a member's tier (earning-map §8)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from loyalty.tiers.engine import TierState, expires_at, grace_end, on_day, on_value, rank, tracking_period


def tier(tier_id: str, low: int, high: int | None = None, **extra: Any) -> dict[str, Any]:
    points: dict[str, Any] = {"min_value": low} if high is None else {"min_value": low, "max_value": high}
    return {"id": tier_id, "qualification_rules": {"type": "POINTS", "points": points}, **extra}


TIERS = [tier("lt_gold", 500), tier("lt_bronze", 0, 99), tier("lt_silver", 200, 499)]  # a gap 100-199, unordered
SEGMENTED = {"id": "lt_vip", "qualification_rules": {"type": "POINTS_AND_SEGMENT", "points": {"min_value": 50}, "segment": {"id": "seg_1"}}}


@pytest.mark.parametrize(("value", "expected"), [
    (0, "lt_bronze"), (99, "lt_bronze"), (150, "lt_bronze"), (200, "lt_silver"), (499, "lt_silver"), (500, "lt_gold"),
    (10**9, "lt_gold"), (-5, None),
])
def test_rank_takes_the_highest_tier_whose_minimum_is_reached(value: int, expected: str | None) -> None:
    found = rank([*TIERS, SEGMENTED], value)
    assert (found["id"] if found else None) == expected


def test_a_tier_that_needs_a_segment_is_never_reached() -> None:
    assert rank([SEGMENTED], 10**6) is None


@pytest.mark.parametrize(("period", "day", "first_year", "window"), [
    ({"unit": "MONTH", "value": 1}, date(2026, 11, 26), None, (date(2026, 11, 1), date(2026, 12, 1))),
    ({"unit": "MONTH", "value": 3}, date(2026, 11, 26), None, (date(2026, 10, 1), date(2027, 1, 1))),
    ({"unit": "MONTH", "value": 12}, date(2026, 2, 1), None, (date(2026, 1, 1), date(2027, 1, 1))),
    ({"unit": "DAY", "value": 7}, date(2026, 1, 9), None, (date(2026, 1, 8), date(2026, 1, 15))),
    ({"unit": "DAY", "value": 7}, date(2026, 12, 31), None, (date(2026, 12, 31), date(2027, 1, 1))),
    ({"unit": "WEEK", "value": 1}, date(2026, 11, 26), None, (date(2026, 11, 23), date(2026, 11, 30))),
    ({"unit": "WEEK", "value": 2}, date(2026, 11, 26), None, (date(2026, 11, 16), date(2026, 11, 30))),  # ISO weeks 47-48
    ({"unit": "YEAR", "value": 2}, date(2027, 6, 1), 2026, (date(2026, 1, 1), date(2028, 1, 1))),
    ({"unit": "YEAR", "value": 2}, date(2028, 6, 1), 2026, (date(2028, 1, 1), date(2030, 1, 1))),
])
def test_tracking_periods_are_calendar_aligned(period: dict[str, Any], day: date, first_year: int | None,
                                               window: tuple[date, date]) -> None:
    start, end = tracking_period(period, day, first_year)
    assert (start, end) == window and start <= day < end


def test_unknown_tracking_units_are_refused() -> None:
    with pytest.raises(ValueError):
        tracking_period({"unit": "DECADE", "value": 1}, date(2026, 1, 1))


@pytest.mark.parametrize(("expiration", "reached", "expected"), [
    (None, date(2026, 7, 20), None),
    ({"type": "NO_RETENTION"}, date(2026, 7, 20), None),
    ({"type": "FIXED_DURATION", "fixed_duration": {"period": {"unit": "DAY", "value": 31}}}, date(2026, 7, 20), date(2026, 8, 20)),
    ({"type": "FIXED_DURATION", "fixed_duration": {"period": {"unit": "MONTH", "value": 1}}}, date(2026, 1, 31), date(2026, 2, 28)),
    ({"type": "CALENDAR_EXPIRATION", "calendar_expiration": {"calendar_dates": [{"day": 1, "month": 1}, {"day": 1, "month": 7}]}},
     date(2026, 7, 1), date(2027, 1, 1)),
])
def test_a_reached_tier_expires_as_the_structure_says(expiration: Any, reached: date, expected: date | None) -> None:
    assert expires_at(expiration, reached) == expected


@pytest.mark.parametrize(("grace", "day", "expected"), [
    (None, date(2026, 7, 19), None),
    ({"unit": "MONTH", "value": 1, "round_up": False}, date(2026, 7, 19), date(2026, 8, 19)),
    ({"unit": "MONTH", "value": 1, "round_up": True}, date(2026, 7, 19), date(2026, 8, 31)),
    ({"unit": "DAY", "value": 10, "round_up": True}, date(2026, 7, 19), date(2026, 7, 29)),
    ({"unit": "YEAR", "value": 1, "round_up": True}, date(2026, 7, 19), date(2027, 12, 31)),
])
def test_grace_periods_end_as_documented(grace: Any, day: date, expected: date | None) -> None:
    assert grace_end(grace, day) == expected


MULTI = {"downgrade": {"type": "MULTI_LEVEL"}}
SINGLE = {"downgrade": {"type": "SINGLE_LEVEL"}}
KEEP = {"downgrade": {"type": "NO_DOWNGRADE"}}
DAY = date(2026, 7, 20)


def test_a_member_joins_then_upgrades_at_once() -> None:
    joined = on_value(MULTI, TIERS, TierState(None), 0, DAY)
    assert joined.change == "JOINED" and joined.state == TierState("lt_bronze", DAY, None)
    up = on_value(MULTI, TIERS, joined.state, 740, DAY)
    assert (up.change, up.state.tier_id, up.tier_from) == ("UPGRADED", "lt_gold", "lt_bronze")
    assert on_value(MULTI, TIERS, up.state, 900, DAY).change is None


@pytest.mark.parametrize(("structure", "value", "change", "to"), [
    (MULTI, 50, "DOWNGRADED", "lt_bronze"),       # Gold -> Bronze at once (MULTI_LEVEL)
    (SINGLE, 50, "DOWNGRADED", "lt_silver"),      # one tier at a time
    (SINGLE, 300, "DOWNGRADED", "lt_silver"),
    (KEEP, 50, None, "lt_gold"),                  # NO_DOWNGRADE keeps the tier
    (MULTI, -1, "LEFT", None),                    # below every tier
])
def test_a_drop_downgrades_as_the_structure_says(structure: dict[str, Any], value: int, change: str | None, to: str | None) -> None:
    gold = TierState("lt_gold", DAY)
    got = on_value(structure, TIERS, gold, value, DAY)
    assert (got.change, got.state.tier_id) == (change, to)


def test_a_tier_marked_no_downgrade_is_kept() -> None:
    tiers = [tier("lt_bronze", 0, 99), tier("lt_vip", 100, downgrade={"type": "NO_DOWNGRADE"})]
    assert on_value(MULTI, tiers, TierState("lt_vip", DAY), 10, DAY).change is None


def test_a_grace_period_delays_the_downgrade_and_qualifying_again_ends_it() -> None:
    structure = {"downgrade": {"type": "MULTI_LEVEL", "grace_period": {"unit": "DAY", "value": 10, "round_up": False}}}
    gold = TierState("lt_gold", DAY)
    started = on_value(structure, TIERS, gold, 50, DAY)
    assert started.change is None and started.state.grace_until == date(2026, 7, 30)
    assert on_day(structure, TIERS, started.state, 50, date(2026, 7, 30)).change is None
    assert on_day(structure, TIERS, started.state, 50, date(2026, 7, 31)).state.tier_id == "lt_bronze"
    recovered = on_value(structure, TIERS, started.state, 600, date(2026, 7, 25))
    assert recovered.change is None and recovered.state.grace_until is None


def test_a_fixed_duration_tier_holds_until_it_expires_then_is_prolonged_or_downgraded() -> None:
    structure = {**MULTI, "expiration": {"type": "FIXED_DURATION", "fixed_duration": {"period": {"unit": "DAY", "value": 30}}}}
    silver = on_value(structure, TIERS, TierState(None), 300, DAY).state
    assert silver.tier_id == "lt_silver" and silver.expires_at == date(2026, 8, 19)
    # a drop on 25 July keeps Silver until it expires (D-TS example)
    assert on_value(structure, TIERS, silver, 50, date(2026, 7, 25)).change is None
    assert on_day(structure, TIERS, silver, 50, date(2026, 8, 18)).change is None
    down = on_day(structure, TIERS, silver, 50, date(2026, 8, 19))
    assert (down.change, down.state.tier_id, down.state.expires_at) == ("DOWNGRADED", "lt_bronze", date(2026, 9, 18))
    again = on_day(structure, TIERS, silver, 350, date(2026, 8, 19))
    assert (again.change, again.state.tier_id, again.state.expires_at) == ("PROLONGED", "lt_silver", date(2026, 9, 18))
    kept = on_day({**structure, **KEEP}, TIERS, silver, 50, date(2026, 8, 19))
    assert (kept.change, kept.state.tier_id) == ("PROLONGED", "lt_silver")
