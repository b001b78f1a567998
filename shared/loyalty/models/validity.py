"""Validity hours and the variant-checking helpers shared by every v2 request model (kept small: it loads in every function)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BaseModel, Field, StrictInt, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from loyalty.models.common import Strict, TimeOfDay

Loc = tuple[str | int, ...]

def invalid_at(loc: str | Loc, message: str, value: Any = None) -> ValidationError:
    """A validation error at `loc` (relative to the model being validated) whose msg is exactly `message`."""
    where = (loc,) if isinstance(loc, str) else loc
    return ValidationError.from_exception_data(
        "invalid_payload", [InitErrorDetails(type=PydanticCustomError("value_error", message), loc=where, input=value)]
    )


def only_matching(model: BaseModel, selector: str, variants: Mapping[str, Sequence[str]]) -> None:
    """Require the sub-objects of the variant chosen by `selector` and refuse those of every other variant."""
    chosen = str(getattr(model, selector))
    wanted = tuple(variants.get(chosen, ()))
    for name in wanted:
        if getattr(model, name) is None:
            raise invalid_at(name, f"is required when {selector} is {chosen}")
    for names in variants.values():
        for name in names:
            if name not in wanted and getattr(model, name) is not None:
                raise invalid_at(name, f"is not allowed when {selector} is {chosen}")


def unique_items(items: Sequence[Any] | None, field: str) -> None:
    """Refuse duplicates (the spec's `uniqueItems: true`)."""
    if items is not None and len(set(items)) != len(items):
        raise invalid_at(field, "must NOT have duplicate items")


class Variants(Strict):
    """Base of objects where exactly the sub-objects matching a selector (usually `type`) are present."""

    SELECTOR: ClassVar[str] = "type"
    VARIANTS: ClassVar[Mapping[str, tuple[str, ...]]] = {}

    @model_validator(mode="after")
    def _variant_fields(self) -> Self:
        only_matching(self, self.SELECTOR, self.VARIANTS)
        return self



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
