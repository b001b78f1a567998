"""Date rules of pending and expiring points, and the bucket arithmetic the daily job and spending use (no I/O, no clock).

Follows earning-map §3 (pending points), §4 (points expiration and buckets), §13 (the daily job at 00:00 project time zone)
and the resolutions E2, E7 and E8 of §14. Every function takes "now" (or "today") and the project's time zone as parameters;
policies are the stored shapes written by `loyalty.components.models` (`pending_points`, `points_expiration`, and an effect's
`points_expiration` override as carried by `loyalty.earning.records.Earning.points_expiration`). Dates are calendar days in the
project time zone, as `date` objects; stored ISO `YYYY-MM-DD` strings are accepted wherever a bucket date is read.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, Literal, NotRequired, TypedDict
from zoneinfo import ZoneInfo

# ---------------------------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------------------------


class UnsupportedRule(ValueError):
    """A policy shape the spec allows (or that is malformed) whose dates this module cannot compute."""

    def __init__(self, feature: str, detail: str) -> None:
        super().__init__(f"{feature}: {detail}")
        self.feature = feature
        self.detail = detail


class InsufficientPoints(ValueError):
    """Spending asked for more points than the buckets hold (earning-map §4: debits never take more than a bucket holds)."""

    def __init__(self, requested: int, available: int) -> None:
        super().__init__(f"cannot take {requested} points: the buckets hold {available}")
        self.requested = requested
        self.available = available


# ---------------------------------------------------------------------------------------------------------------------
# Calendar arithmetic in the project time zone
# ---------------------------------------------------------------------------------------------------------------------


def local_day(at: datetime | str, tz: str | tzinfo) -> date:
    """The calendar day of an instant in the project time zone (a naive datetime is UTC; ISO strings may end in `Z`)."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at.replace("Z", "+00:00"))
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return at.astimezone(zone).date()


def as_date(value: date | str) -> date:
    """A `date` from a `date` or a stored `YYYY-MM-DD` string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value[:10])


def end_of_month(year: int, month: int) -> date:
    """The last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: date, months: int) -> date:
    """`day` plus whole months, clamped to the target month's end ("31 January + 1 month … end of 28 February", D-L1P, §4)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_period(day: date, period: Mapping[str, Any]) -> date:
    """`day` plus a stored `{value, unit}` period (DAY, MONTH or YEAR; months and years clamp to the month end)."""
    unit, value = period.get("unit"), period.get("value")
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise UnsupportedRule("period", f"value must be a non-negative integer, got {value!r}")
    if unit == "DAY":
        return day + timedelta(days=value)
    if unit == "MONTH":
        return add_months(day, value)
    if unit == "YEAR":
        return add_months(day, 12 * value)
    raise UnsupportedRule("period", f"unit {unit!r} is not DAY, MONTH or YEAR")


def _calendar_date(year: int, spec: Mapping[str, Any]) -> date:
    """A configured `{day, month}` in a year; 29 February becomes 28 February in a common year (ours: clamp like §4's months)."""
    month, wanted = int(spec["month"]), int(spec["day"])
    return date(year, month, min(wanted, calendar.monthrange(year, month)[1]))


def next_calendar_date(dates: Sequence[Mapping[str, Any]], day: date, *, strictly_after: bool) -> date:
    """The first configured `{day, month}` on/after (or strictly after) `day` (earning-map §14 E7)."""
    if not dates:
        raise UnsupportedRule("dates", "at least one {day, month} is needed")
    candidates = [_calendar_date(year, spec) for year in (day.year, day.year + 1, day.year + 2) for spec in dates]
    return min(c for c in candidates if (c > day if strictly_after else c >= day))


# ---------------------------------------------------------------------------------------------------------------------
# Pending points (earning-map §3)
# ---------------------------------------------------------------------------------------------------------------------

PendingType = Literal["PERIOD_BASED", "FIXED_DATES", "EVENT_BASED"]


@dataclass(frozen=True)
class PendingSchedule:
    """What a new pending bucket gets: its `type`, its `date` (`v2:CardPendingPointsBucket.date`) and what the daily job
    does on that date: ACTIVATE (PERIOD_BASED, FIXED_DATES) or CANCEL (the EVENT_BASED deadline, §14 E2)."""

    type: PendingType
    date: date
    on_date: Literal["ACTIVATE", "CANCEL"]


def _pending_type(policy: Mapping[str, Any] | None) -> str:
    return str((policy or {}).get("type") or "IMMEDIATE")


def _sub(policy: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = policy.get(key)
    if not isinstance(value, Mapping):
        raise UnsupportedRule(str(policy.get("type")), f"the `{key}` object is missing")
    return value


def pending_schedule(card_definition_pending: Mapping[str, Any] | None, earned_at: datetime | str,
                     tz: str | tzinfo) -> PendingSchedule | None:
    """The pending bucket an earning at `earned_at` creates under a card definition's `pending_points` (earning-map §3).

    None for IMMEDIATE (or no policy): the points are credited at once (CTX `POINTS_EARNED`). PERIOD_BASED: the earn day plus
    the period; FIXED_DATES: the first configured date strictly after the earn day (§14 E7); EVENT_BASED: the earn day plus
    `cancel_period`, the cancel deadline (§14 E2). Days are read in the project time zone `tz`."""
    kind = _pending_type(card_definition_pending)
    if kind == "IMMEDIATE" or card_definition_pending is None:
        return None
    day = local_day(earned_at, tz)
    if kind == "PERIOD_BASED":
        period = _sub(_sub(card_definition_pending, "period_based"), "period")
        return PendingSchedule("PERIOD_BASED", add_period(day, period), "ACTIVATE")
    if kind == "FIXED_DATES":
        dates = _sub(card_definition_pending, "fixed_dates").get("dates") or []
        return PendingSchedule("FIXED_DATES", next_calendar_date(dates, day, strictly_after=True), "ACTIVATE")
    if kind == "EVENT_BASED":
        period = _sub(_sub(card_definition_pending, "event_based"), "cancel_period")
        return PendingSchedule("EVENT_BASED", add_period(day, period), "CANCEL")
    raise UnsupportedRule("pending_points", f"type {kind!r} is not IMMEDIATE, PERIOD_BASED, FIXED_DATES or EVENT_BASED")


def pending_activation(card_definition_pending: Mapping[str, Any] | None, earned_at: datetime | str,
                       tz: str | tzinfo) -> date | None:
    """The day (00:00 project time zone) the daily job activates points earned at `earned_at` (earning-map §3, §13).

    None when activation is not date-based: IMMEDIATE (no pending bucket) and EVENT_BASED (activated by one of its
    `event_types`, see `activates_on_event`; its bucket date is the cancel deadline, `pending_cancel_deadline`, §14 E2)."""
    schedule = pending_schedule(card_definition_pending, earned_at, tz)
    return schedule.date if schedule is not None and schedule.on_date == "ACTIVATE" else None


def pending_cancel_deadline(card_definition_pending: Mapping[str, Any] | None, earned_at: datetime | str,
                            tz: str | tzinfo) -> date | None:
    """For EVENT_BASED pending points, the day the daily job cancels them if no activating event came (§3, §14 E2); else None."""
    schedule = pending_schedule(card_definition_pending, earned_at, tz)
    return schedule.date if schedule is not None and schedule.on_date == "CANCEL" else None


def activates_on_event(card_definition_pending: Mapping[str, Any] | None, schema_id: str | None) -> bool:
    """Whether a tracked custom event (its `ms_` schema id, §14 E18) activates the card's EVENT_BASED pending buckets (§3)."""
    if schema_id is None or _pending_type(card_definition_pending) != "EVENT_BASED" or card_definition_pending is None:
        return False
    return schema_id in (_sub(card_definition_pending, "event_based").get("event_types") or [])


# ---------------------------------------------------------------------------------------------------------------------
# Points expiration (earning-map §4)
# ---------------------------------------------------------------------------------------------------------------------

_QUARTER_END = {1: 3, 2: 3, 3: 3, 4: 6, 5: 6, 6: 6, 7: 9, 8: 9, 9: 9, 10: 12, 11: 12, 12: 12}


def round_expiration(day: date, rounding: Mapping[str, Any] | None) -> date:
    """A rolling expiration date rounded up (D-L1P "Round up expiration date", earning-map §4): END_OF_MONTH, END_OF_QUARTER,
    END_OF_HALF_YEAR (30 Jun / 31 Dec), END_OF_YEAR, or END_OF_PARTICULAR_MONTH `value` (end of the next such month on/after)."""
    if not rounding:
        return day
    kind = rounding.get("type")
    if kind == "END_OF_MONTH":
        return end_of_month(day.year, day.month)
    if kind == "END_OF_QUARTER":
        return end_of_month(day.year, _QUARTER_END[day.month])
    if kind == "END_OF_HALF_YEAR":
        return end_of_month(day.year, 6 if day.month <= 6 else 12)
    if kind == "END_OF_YEAR":
        return date(day.year, 12, 31)
    if kind == "END_OF_PARTICULAR_MONTH":
        month = rounding.get("value")
        if not isinstance(month, int) or isinstance(month, bool) or not 1 <= month <= 12:
            raise UnsupportedRule("rounding", f"END_OF_PARTICULAR_MONTH needs a month 1-12 in `value`, got {month!r}")
        return end_of_month(day.year if day.month <= month else day.year + 1, month)
    raise UnsupportedRule("rounding", f"type {kind!r} is not a documented rounding")


def effective_expiration(card_definition_expiration: Mapping[str, Any] | None,
                         effect_override: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The policy that applies: the effect's `points_expiration` when it has one, else the card definition's, else
    NO_EXPIRATION (earning-map §4 "Override precedence: effect `points_expiration` > card definition")."""
    if effect_override:
        return effect_override
    if card_definition_expiration:
        return card_definition_expiration
    return {"type": "NO_EXPIRATION"}


def expiration_date(card_definition_expiration: Mapping[str, Any] | None, effect_override: Mapping[str, Any] | None,
                    earned_at: datetime | str, tz: str | tzinfo, *, last_activity_at: datetime | str | None = None) -> date | None:
    """The last valid day of points that become active at `earned_at` (earning-map §4); None means they never expire.

    `earned_at` is when the points become active: the earning for immediate points, the activation for pending ones ("point
    expiration starts when the points become active", §3). The effect override wins over the card definition. ROLLING: day +
    period clamped to the month end, then rounded; CALENDAR: the first configured date on/after the day (§14 E7); SLIDING: the
    last qualifying activity + period — the earning itself when `earning_activity` is on, else `last_activity_at`, without
    which the date cannot be computed (`UnsupportedRule`). Points are removed at the next 00:00 (see `due_expiring`)."""
    policy = effective_expiration(card_definition_expiration, effect_override)
    kind = policy.get("type")
    if kind == "NO_EXPIRATION":
        return None
    day = local_day(earned_at, tz)
    if kind == "ROLLING_EXPIRATION":
        rolling = _sub(policy, "rolling_expiration")
        return round_expiration(add_period(day, _sub(rolling, "period")), rolling.get("rounding"))
    if kind == "CALENDAR_EXPIRATION":
        dates = _sub(policy, "calendar_expiration").get("expiration_dates") or []
        return next_calendar_date(dates, day, strictly_after=False)
    if kind == "SLIDING_EXPIRATION":
        sliding = _sub(policy, "sliding_expiration")
        if sliding.get("earning_activity"):
            return add_period(day, _sub(sliding, "period"))
        if last_activity_at is None:
            raise UnsupportedRule("SLIDING_EXPIRATION",
                                  "earning is not a qualifying activity and the card's last qualifying activity was not given")
        return add_period(local_day(last_activity_at, tz), _sub(sliding, "period"))
    raise UnsupportedRule("points_expiration", f"type {kind!r} is not a documented expiration type")


def expiration_type(card_definition_expiration: Mapping[str, Any] | None, effect_override: Mapping[str, Any] | None) -> str:
    """The `expiration_type` of the bucket the points land in (the effective policy's type, earning-map §4)."""
    return str(effective_expiration(card_definition_expiration, effect_override).get("type"))


SlidingActivity = Literal["EARNING", "SPENDING", "CUSTOM"]


def resets_sliding(policy: Mapping[str, Any] | None, activity: SlidingActivity, custom_event: Iterable[str] = ()) -> bool:
    """Whether an activity restarts a SLIDING_EXPIRATION timer ("Only the selected activities reset the inactivity timer",
    D-W, §4); a CUSTOM activity counts when one of `custom_event` (its `ms_` id and/or name, §14 E9) is listed."""
    if not policy or policy.get("type") != "SLIDING_EXPIRATION":
        return False
    sliding = _sub(policy, "sliding_expiration")
    if activity == "EARNING":
        return bool(sliding.get("earning_activity"))
    if activity == "SPENDING":
        return bool(sliding.get("spending_activity"))
    listed = set(sliding.get("custom_activity_types") or [])
    return bool(sliding.get("custom_activity")) and any(name in listed for name in custom_event)


# ---------------------------------------------------------------------------------------------------------------------
# Buckets: what the daily job does (earning-map §13) and how spending consumes (§4, §14 E8)
# ---------------------------------------------------------------------------------------------------------------------


class PointsTotal(TypedDict):
    """A bucket's `points` object as the spec returns it."""

    total: int


class PendingBucket(TypedDict):
    """A pending bucket as `v2:CardPendingPointsBucket` stores it (extra keys are ignored)."""

    id: str
    points: int | PointsTotal
    date: date | str
    type: str
    status: str


class ExpiringBucket(TypedDict):
    """An expiring-points bucket as `v2:CardPointsBucket` stores it; `expiration_date` None: never expires (§14 E8)."""

    id: str
    points: int | PointsTotal
    expiration_date: date | str | None
    status: str
    created_at: NotRequired[str]


def held(bucket: Mapping[str, Any]) -> int:
    """The points a bucket holds: `points` as an int or `{total}`."""
    points = bucket.get("points")
    return int(points["total"] if isinstance(points, Mapping) else points or 0)


@dataclass(frozen=True)
class DuePending:
    """The pending buckets the daily job settles on a day: ACTIVATE these, CANCEL those (EVENT_BASED deadlines, §14 E2)."""

    activate: tuple[str, ...]
    cancel: tuple[str, ...]


def due_pending(buckets: Iterable[Mapping[str, Any]], today: date | str) -> DuePending:
    """The PENDING buckets whose `date` has come (`date` ≤ today: a missed run catches up), sorted by date then id
    (earning-map §13 step 1). Only status PENDING is ever due, so a bucket once activated or canceled is never due again."""
    day = as_date(today)
    due = sorted((as_date(b["date"]), str(b["id"]), str(b.get("type"))) for b in buckets
                 if b.get("status") == "PENDING" and as_date(b["date"]) <= day)
    return DuePending(
        activate=tuple(bucket_id for _, bucket_id, kind in due if kind != "EVENT_BASED"),
        cancel=tuple(bucket_id for _, bucket_id, kind in due if kind == "EVENT_BASED"),
    )


def expires_on(expiration: date | str) -> date:
    """The day whose 00:00 removes points with this last valid day ("2025-12-31 … deducted on 2026-01-01 00:00", §4)."""
    return as_date(expiration) + timedelta(days=1)


def due_expiring(buckets: Iterable[Mapping[str, Any]], today: date | str) -> tuple[str, ...]:
    """The ACTIVE buckets holding points whose last valid day is before `today` (earning-map §4, §13 step 4), soonest
    first. Only status ACTIVE is ever due, so a bucket once expired is never due again; never-expiring buckets never are."""
    day = as_date(today)
    due = sorted((as_date(b["expiration_date"]), str(b["id"])) for b in buckets
                 if b.get("status") == "ACTIVE" and b.get("expiration_date") and held(b) > 0
                 and expires_on(b["expiration_date"]) <= day)
    return tuple(bucket_id for _, bucket_id in due)


def consume(buckets: Sequence[Mapping[str, Any]], amount: int) -> list[tuple[str, int]]:
    """Which buckets a debit of `amount` points takes from, as `(bucket_id, taken)`: ACTIVE buckets soonest-expiring first
    ("Redemptions use the points that have the shortest expiration date", D-L1P, §4), never-expiring last (§14 E8), ties
    by `created_at` then the given order; never more than a bucket holds. Raises `InsufficientPoints` when they hold less."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise ValueError(f"amount must be a non-negative integer, got {amount!r}")
    usable = [(index, b) for index, b in enumerate(buckets) if b.get("status", "ACTIVE") == "ACTIVE" and held(b) > 0]
    available = sum(held(b) for _, b in usable)
    if available < amount:
        raise InsufficientPoints(amount, available)

    def order(entry: tuple[int, Mapping[str, Any]]) -> tuple[bool, date, str, int]:
        index, bucket = entry
        expiration = bucket.get("expiration_date")
        return (expiration is None, as_date(expiration) if expiration else date.max, str(bucket.get("created_at") or ""), index)

    taken: list[tuple[str, int]] = []
    left = amount
    for _, bucket in sorted(usable, key=order):
        if left == 0:
            break
        take = min(left, held(bucket))
        taken.append((str(bucket["id"]), take))
        left -= take
    return taken
