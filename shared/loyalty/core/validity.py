"""Validity windows: the `validity_hours` wire model and the check that a program or reward is available now."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import Field, StrictInt, model_validator

from loyalty.core.clock import now_iso
from loyalty.core.fields import Strict, TimeOfDay, Variants, unique_items

DayOfWeek = Annotated[StrictInt, Field(ge=0, le=6)]


class DailyHours(Strict):
    """One daily window: unique days of the week (0 = Sunday) and `HH:mm` start and end."""

    days_of_week: Annotated[list[DayOfWeek], Field(min_length=1, max_length=7)]
    start_time: TimeOfDay
    end_time: TimeOfDay

    @model_validator(mode="after")
    def _unique_days(self) -> Self:
        unique_items(self.days_of_week, "days_of_week")
        return self


class ValidityHours(Variants):
    """When a component applies: `ANY_TIME`, or `DAILY` windows."""

    type: Literal["DAILY", "ANY_TIME"]
    daily: Annotated[list[DailyHours], Field(min_length=1)] | None = None
    VARIANTS = {"DAILY": ("daily",)}


def in_validity_window(obj: Mapping[str, Any], at: datetime | None = None) -> bool:
    """True when `at` (default now) lies inside the object's start/end dates and its validity hours."""
    now = now_iso()
    if obj.get("start_date") and now < obj["start_date"]:
        return False
    if obj.get("end_date") and now > obj["end_date"]:
        return False
    hours = obj.get("validity_hours") or {}
    if hours.get("type") == "DAILY":
        at = at or datetime.now(UTC)
        day = (at.weekday() + 1) % 7  # the spec counts 0 = Sunday
        hhmm = at.strftime("%H:%M")
        return any(
            day in window["days_of_week"] and window["start_time"] <= hhmm < window["end_time"]
            for window in hours.get("daily") or []
        )
    return True
