"""Strict building blocks of every wire model: no silent coercion of wrong JSON types, variant checks, id field types."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from loyalty.core import ids
from loyalty.core.clock import normalize_iso

MAX_SAFE_INT = 9007199254740991


def storable(value: Any) -> Any:
    """Refuse what DynamoDB cannot store: NaN, infinities, numbers outside 1e-130..9.99e125, empty object keys."""
    if isinstance(value, float):
        if not math.isfinite(value) or (value != 0 and not 1e-130 <= abs(value) < 9.99e125):
            raise ValueError("numbers must be finite and between 1e-130 and 9.99e125 in magnitude")
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**38:
        raise ValueError("integers must have at most 38 digits")
    elif isinstance(value, dict):
        if "" in value:
            raise ValueError("object keys must not be empty (the table cannot store an empty attribute name)")
        for item in value.values():
            storable(item)
    elif isinstance(value, list):
        for item in value:
            storable(item)
    return value


class Strict(BaseModel):
    """Base of every request model: unknown fields are refused (the spec's additionalProperties: false)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        return storable(data)


def _iso(value: str) -> str:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("must be an ISO 8601 date-time") from None
    return normalize_iso(parsed)


def _hhmm(value: str) -> str:
    parts = value.split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() and len(p) == 2 for p in parts):
        raise ValueError("must be a time HH:mm")
    h, m = int(parts[0]), int(parts[1])
    if h > 23 or m > 59:
        raise ValueError("must be a time HH:mm")
    return f"{h:02d}:{m:02d}"


DateTime = Annotated[StrictStr, AfterValidator(_iso)]
"""An ISO 8601 date-time (with or without milliseconds), normalised to `YYYY-MM-DDTHH:MM:SS.sssZ`."""
TimeOfDay = Annotated[StrictStr, AfterValidator(_hhmm)]
Name = Annotated[StrictStr, Field(min_length=1, max_length=200)]
Int = StrictInt
Bool = StrictBool
Str = StrictStr
Number = StrictInt | StrictFloat
PositiveInt = Annotated[StrictInt, Field(ge=1, le=MAX_SAFE_INT)]
NonNegativeInt = Annotated[StrictInt, Field(ge=0, le=MAX_SAFE_INT)]
Metadata = dict[str, Any]


def hex_id(prefix: str) -> Any:
    """The constraint of a v2 id (`^<prefix>[a-f0-9]+$`, at most 64 characters), as Annotated metadata."""
    return ids.IdKind(prefix, "").constraint


CardDefinitionId = Annotated[StrictStr, ids.CARD_DEFINITION.constraint]
EarningRuleId = Annotated[StrictStr, ids.EARNING_RULE.constraint]
RewardId = Annotated[StrictStr, ids.REWARD.constraint]
TierStructureId = Annotated[StrictStr, ids.TIER_STRUCTURE.constraint]
SpendingId = Annotated[StrictStr, ids.COST_SPENDING.constraint]
CustomerId = Annotated[StrictStr, Field(pattern=r"^cust_[A-Za-z0-9]+$", max_length=64)]


# ---------------------------------------------------------------------------------------------- variant checks
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
