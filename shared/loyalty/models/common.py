"""Strict building blocks shared by the wire models: no silent coercion of wrong JSON types."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

from loyalty.clock import normalize_iso

MAX_SAFE_INT = 9007199254740991


class Strict(BaseModel):
    """Base of every request model: unknown fields are refused (the spec's additionalProperties: false)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Lenient(BaseModel):
    """Base of request parts the spec leaves open (additional properties allowed)."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)


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


def id_pattern(prefix: str) -> Any:
    """A strict string that must look like `<prefix><hex>`."""
    return Annotated[StrictStr, Field(pattern=f"^{prefix}[a-f0-9]+$", max_length=64)]


CardDefinitionId = Annotated[StrictStr, Field(pattern=r"^lcdef_[a-f0-9]+$", max_length=64)]
EarningRuleId = Annotated[StrictStr, Field(pattern=r"^lern_[a-f0-9]+$", max_length=64)]
RewardId = Annotated[StrictStr, Field(pattern=r"^lrew_[a-f0-9]+$", max_length=64)]
TierStructureId = Annotated[StrictStr, Field(pattern=r"^lts_[a-f0-9]+$", max_length=64)]
SpendingId = Annotated[StrictStr, Field(pattern=r"^lrspn_[a-f0-9]+$", max_length=64)]
CustomerId = Annotated[StrictStr, Field(pattern=r"^cust_[A-Za-z0-9]+$", max_length=64)]
