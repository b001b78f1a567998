"""The pure rules of tiers (earning-map §8, §14 E10, E15, E29): which tier a value ranks in, the tracking period of a
POINT_EARNED structure, when a reached tier expires, and what a new value or an expiry does to a member's tier. No I/O:
the caller gives the structure, its tiers, the member's state and the time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from loyalty.earning.buckets import add_period, end_of_month, next_calendar_date

Change = Literal["JOINED", "UPGRADED", "DOWNGRADED", "PROLONGED", "LEFT"]


@dataclass(frozen=True)
class TierState:
    """Where a member stands in a tier structure: its current tier (None: none), since when and until when (None: no
    expiry); `grace_until` is the last day of a grace period started by a disqualification (None: none running)."""

    tier_id: str | None
    start_at: date | None = None
    expires_at: date | None = None
    grace_until: date | None = None


@dataclass(frozen=True)
class Decision:
    """What a tier evaluation decided: a change (None: none) and the state after it."""

    change: Change | None
    state: TierState
    tier_from: str | None = None


def _points(tier: Mapping[str, Any]) -> Mapping[str, Any]:
    return (tier.get("qualification_rules") or {}).get("points") or {}


def ranked(tiers: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The tiers a value can reach, lowest first: POINTS tiers (POINTS_AND_SEGMENT tiers also need a segment, and no
    segments exist: they are never reached)."""
    usable = [t for t in tiers if (t.get("qualification_rules") or {}).get("type", "POINTS") == "POINTS"]
    return sorted(usable, key=lambda t: (int(_points(t).get("min_value", 0)), str(t["id"])))


def rank(tiers: Sequence[Mapping[str, Any]], value: int) -> Mapping[str, Any] | None:
    """The tier `value` qualifies for (E29): the highest tier whose `min_value` ≤ value. A gap between tiers belongs to the
    tier below; above the top tier's `max_value` the top tier is kept; below every minimum, none."""
    found = None
    for tier in ranked(tiers):
        if int(_points(tier).get("min_value", 0)) <= value:
            found = tier
    return found


def _level(tiers: Sequence[Mapping[str, Any]], tier_id: str | None) -> int:
    """The position of a tier among the reachable ones (-1: none, or not reachable)."""
    for i, tier in enumerate(ranked(tiers)):
        if tier["id"] == tier_id:
            return i
    return -1


def tracking_period(period: Mapping[str, Any], day: date, first_year: int | None = None) -> tuple[date, date]:
    """The POINT_EARNED tracking period `day` falls in, calendar-aligned (E15): [start, end) of N days counted from 1
    January, of N ISO weeks counted from the year's first Monday, of N months counted from January, or of N years counted
    from `first_year` (the structure's activation year; default: `day`'s year)."""
    unit, value = str(period["unit"]), int(period["value"])
    if unit == "DAY":
        index = (day - date(day.year, 1, 1)).days // value
        start = date(day.year, 1, 1) + timedelta(days=index * value)
        return start, min(start + timedelta(days=value), date(day.year + 1, 1, 1))
    if unit == "WEEK":
        iso = day.isocalendar()
        start = date.fromisocalendar(iso.year, 1, 1) + timedelta(weeks=(iso.week - 1) // value * value)
        return start, start + timedelta(weeks=value)
    if unit == "MONTH":
        first = (day.month - 1) // value * value + 1
        start = date(day.year, first, 1)
        total = day.year * 12 + first - 1 + value
        return start, date(total // 12, total % 12 + 1, 1)
    if unit == "YEAR":
        base = first_year or day.year
        start_year = base + (day.year - base) // value * value
        return date(start_year, 1, 1), date(start_year + value, 1, 1)
    raise ValueError(f"unknown tracking period unit {unit!r}")


def expires_at(expiration: Mapping[str, Any] | None, reached: date) -> date | None:
    """When a tier reached on `reached` is re-evaluated (its `expires_at`, 00:00 of that day): FIXED_DURATION the period
    later, CALENDAR_EXPIRATION the next configured date after the day, NO_RETENTION never (it re-ranks on every change);
    SLIDING_EXPIRATION is "currently unsupported" (E10) and behaves as FIXED_DURATION from the last qualifying change."""
    kind = (expiration or {}).get("type", "NO_RETENTION")
    if kind in ("FIXED_DURATION", "SLIDING_EXPIRATION"):
        sub = (expiration or {}).get("fixed_duration") or (expiration or {}).get("sliding_expiration") or {}
        period = sub.get("period")
        return add_period(reached, period) if period else None
    if kind == "CALENDAR_EXPIRATION":
        dates = ((expiration or {}).get("calendar_expiration") or {}).get("calendar_dates") or []
        return next_calendar_date(dates, reached, strictly_after=True) if dates else None
    return None


def grace_end(grace: Mapping[str, Any] | None, disqualified: date) -> date | None:
    """The last day of a grace period that starts on `disqualified` (None without one); `round_up` takes it to the end of
    its unit (a month's grace from 19 July ends 19 August, rounded up 31 August)."""
    if not grace:
        return None
    end = add_period(disqualified, {"unit": grace["unit"], "value": grace["value"]})
    if grace.get("round_up"):
        if grace["unit"] == "MONTH":
            end = end_of_month(end.year, end.month)
        elif grace["unit"] == "YEAR":
            end = date(end.year, 12, 31)
    return end


def downgrade_allowed(structure: Mapping[str, Any], tier: Mapping[str, Any] | None) -> bool:
    """Whether a member may drop from `tier`: not from a NO_DOWNGRADE tier, nor under a NO_DOWNGRADE structure (the default)."""
    if tier is not None and (tier.get("downgrade") or {}).get("type") == "NO_DOWNGRADE":
        return False
    return ((structure.get("downgrade") or {}).get("type") or "NO_DOWNGRADE") != "NO_DOWNGRADE"


def lower(structure: Mapping[str, Any], tiers: Sequence[Mapping[str, Any]], current: str | None, qualified: Mapping[str, Any] | None,
           ) -> Mapping[str, Any] | None:
    """Where a downgrade takes a member: MULTI_LEVEL to the tier it qualifies for, SINGLE_LEVEL one tier down (not below
    the qualified one)."""
    if ((structure.get("downgrade") or {}).get("type")) != "SINGLE_LEVEL":
        return qualified
    order = ranked(tiers)
    level = _level(tiers, current)
    one_down = order[level - 1] if level > 0 else None
    if qualified is not None and (one_down is None or _level(tiers, str(qualified["id"])) > _level(tiers, str(one_down["id"]))):
        return qualified
    return one_down


def _moved(state: TierState, target: Mapping[str, Any] | None, day: date, expiration: Mapping[str, Any] | None) -> TierState:
    if target is None:
        return TierState(None)
    return TierState(str(target["id"]), day, expires_at(expiration, day))


def on_value(structure: Mapping[str, Any], tiers: Sequence[Mapping[str, Any]], state: TierState, value: int, day: date) -> Decision:
    """A member's tiered value changed on `day` (a points change): upgrades apply at once (JOINED from none, UPGRADED);
    a drop below the current tier's minimum is a downgrade only under NO_RETENTION and when the structure (and the tier)
    allow one, after the grace period if any (the grace end is kept in the state); otherwise the tier holds until it expires."""
    by_id = {str(t["id"]): t for t in tiers}
    qualified = rank(tiers, value)
    expiration = structure.get("expiration")
    q_level = _level(tiers, str(qualified["id"])) if qualified is not None else -1
    c_level = _level(tiers, state.tier_id)
    if q_level > c_level:
        return Decision("JOINED" if state.tier_id is None else "UPGRADED", _moved(state, qualified, day, expiration), state.tier_id)
    if q_level == c_level:
        return Decision(None, TierState(state.tier_id, state.start_at, state.expires_at))  # qualifying again ends a grace
    current = by_id.get(state.tier_id or "")
    if (expiration or {}).get("type", "NO_RETENTION") != "NO_RETENTION" or not downgrade_allowed(structure, current):
        return Decision(None, state)
    grace = (structure.get("downgrade") or {}).get("grace_period")
    if grace and state.grace_until is None:
        return Decision(None, TierState(state.tier_id, state.start_at, state.expires_at, grace_end(grace, day)))
    if state.grace_until is not None and day <= state.grace_until:
        return Decision(None, state)
    target = lower(structure, tiers, state.tier_id, qualified)
    return Decision("LEFT" if target is None else "DOWNGRADED", _moved(state, target, day, expiration), state.tier_id)


def on_day(structure: Mapping[str, Any], tiers: Sequence[Mapping[str, Any]], state: TierState, value: int, day: date) -> Decision:
    """The daily evaluation on `day`: a tier whose `expires_at` has come is re-evaluated (the same tier again: PROLONGED
    with a new expiry; lower: DOWNGRADED as the downgrade type says, or kept when downgrades are not allowed; none: LEFT);
    a grace period that ended applies its downgrade; otherwise as a value change."""
    if state.tier_id is not None and state.expires_at is not None and state.expires_at <= day:
        by_id = {str(t["id"]): t for t in tiers}
        qualified = rank(tiers, value)
        expiration = structure.get("expiration")
        if qualified is not None and _level(tiers, str(qualified["id"])) >= _level(tiers, state.tier_id):
            change: Change = "PROLONGED" if qualified["id"] == state.tier_id else "UPGRADED"
            return Decision(change, _moved(state, qualified, day, expiration), state.tier_id)
        if not downgrade_allowed(structure, by_id.get(state.tier_id)):
            return Decision("PROLONGED", TierState(state.tier_id, state.start_at, expires_at(expiration, day)), state.tier_id)
        target = lower(structure, tiers, state.tier_id, qualified)
        return Decision("LEFT" if target is None else "DOWNGRADED", _moved(state, target, day, expiration), state.tier_id)
    return on_value(structure, tiers, state, value, day)
