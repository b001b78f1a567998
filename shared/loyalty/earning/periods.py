"""Calendar periods and cooldowns in the project time zone: the periods that trigger limits, earning caps, reward purchase
limits and card spending limits count in (one copy, shared by every writer that enforces such a limit)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from loyalty.earning.buckets import add_months

TTL_GRACE = timedelta(days=7)  # counters of a finished period are kept this long, then DynamoDB's TTL removes them


def instant(at: str | datetime) -> datetime:
    """An ISO timestamp (or datetime) as an aware datetime (UTC when it names no zone)."""
    value = datetime.fromisoformat(at.replace("Z", "+00:00")) if isinstance(at, str) else at
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _months_back(value: datetime, months: int) -> datetime:
    """`value` whole months earlier, the day clamped to that month's end (the time of day kept)."""
    return datetime.combine(add_months(value.date(), -months), value.timetz())


def period_key(unit: str, at: str | datetime, tz: str) -> tuple[str, datetime]:
    """The calendar period `at` falls in (project time zone), as a key (`2026-11-26`, `2026-W48`, `2026-11`, `2026-Q4`,
    `2026`), and the instant it ends."""
    local = instant(at).astimezone(ZoneInfo(tz))
    day = local.date()
    if unit == "DAY":
        start, key = day, day.isoformat()
        end = start + timedelta(days=1)
    elif unit == "WEEK":
        iso = day.isocalendar()
        start, key = day - timedelta(days=day.weekday()), f"{iso.year}-W{iso.week:02d}"
        end = start + timedelta(days=7)
    elif unit == "MONTH":
        start, key = day.replace(day=1), f"{day.year}-{day.month:02d}"
        end = (start + timedelta(days=32)).replace(day=1)
    elif unit == "QUARTER":
        first = 3 * ((day.month - 1) // 3) + 1
        start, key = day.replace(month=first, day=1), f"{day.year}-Q{(first - 1) // 3 + 1}"
        end = (start + timedelta(days=95)).replace(day=1)
    elif unit == "YEAR":
        start, key = day.replace(month=1, day=1), str(day.year)
        end = start.replace(year=start.year + 1)
    else:
        raise ValueError(f"unknown period unit {unit!r}")
    return key, datetime(end.year, end.month, end.day, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def cooldown_start(period: Mapping[str, Any], at: str | datetime) -> datetime:
    """The instant a cooldown of `period` ending at `at` began: a rule that last gave something before it may give again."""
    now = instant(at)
    value, unit = int(period["value"]), period["unit"]
    if unit == "HOUR":
        return now - timedelta(hours=value)
    if unit == "DAY":
        return now - timedelta(days=value)
    if unit == "WEEK":
        return now - timedelta(weeks=value)
    if unit == "MONTH":
        return _months_back(now, value)
    if unit == "YEAR":
        return _months_back(now, 12 * value)
    raise ValueError(f"unknown cooldown unit {unit!r}")


def millis(value: datetime) -> int:
    """Milliseconds since the epoch."""
    return int(value.timestamp() * 1000)
