"""Calendar periods and cooldowns of the earning limits (points/limits.py), in the project time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from loyalty.points.limits import cooldown_start, period_key


@pytest.mark.parametrize(("unit", "at", "tz", "key", "ends"), [
    ("DAY", "2026-11-26T23:30:00.000Z", "UTC", "2026-11-26", "2026-11-27T00:00:00+00:00"),
    ("DAY", "2026-11-26T23:30:00.000Z", "Europe/Warsaw", "2026-11-27", "2026-11-27T23:00:00+00:00"),
    ("WEEK", "2026-11-26T12:00:00.000Z", "UTC", "2026-W48", "2026-11-30T00:00:00+00:00"),
    ("WEEK", "2027-01-01T12:00:00.000Z", "UTC", "2026-W53", "2027-01-04T00:00:00+00:00"),
    ("MONTH", "2026-12-31T12:00:00.000Z", "UTC", "2026-12", "2027-01-01T00:00:00+00:00"),
    ("QUARTER", "2026-11-26T12:00:00.000Z", "UTC", "2026-Q4", "2027-01-01T00:00:00+00:00"),
    ("QUARTER", "2026-02-28T12:00:00.000Z", "UTC", "2026-Q1", "2026-04-01T00:00:00+00:00"),
    ("YEAR", "2026-11-26T12:00:00.000Z", "UTC", "2026", "2027-01-01T00:00:00+00:00"),
])
def test_period_key(unit: str, at: str, tz: str, key: str, ends: str) -> None:
    got_key, got_end = period_key(unit, at, tz)
    assert (got_key, got_end.isoformat()) == (key, ends)


@pytest.mark.parametrize(("period", "at", "start"), [
    ({"unit": "HOUR", "value": 2}, "2026-11-26T01:00:00Z", datetime(2026, 11, 25, 23, tzinfo=UTC)),
    ({"unit": "DAY", "value": 1}, "2026-11-26T01:00:00Z", datetime(2026, 11, 25, 1, tzinfo=UTC)),
    ({"unit": "WEEK", "value": 1}, "2026-11-26T01:00:00Z", datetime(2026, 11, 19, 1, tzinfo=UTC)),
    ({"unit": "MONTH", "value": 1}, "2026-03-31T01:00:00Z", datetime(2026, 2, 28, 1, tzinfo=UTC)),
    ({"unit": "YEAR", "value": 1}, "2028-02-29T01:00:00Z", datetime(2027, 2, 28, 1, tzinfo=UTC)),
])
def test_cooldown_start(period: dict[str, object], at: str, start: datetime) -> None:
    assert cooldown_start(period, at) == start


def test_unknown_units_are_refused() -> None:
    with pytest.raises(ValueError):
        period_key("DECADE", "2026-11-26T00:00:00Z", "UTC")
    with pytest.raises(ValueError):
        cooldown_start({"unit": "DECADE", "value": 1}, "2026-11-26T00:00:00Z")
