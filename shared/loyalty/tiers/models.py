"""Wire models and response builders of tier structure updates and of tiers (the create model of a tier structure lives
in `components.models`)."""

from __future__ import annotations

import copy
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BeforeValidator, Field, StrictFloat, StrictInt, StrictStr, model_validator
from pydantic_core import PydanticCustomError

from loyalty.components.models import Downgrade, NotNull, PointBalance, PointEarned, TierExpiration
from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.fields import Metadata, Name, Strict, Variants, invalid_at, only_matching

MAX_THRESHOLD = 1_000_000_000
MAX_TIERS = 10  # per tier structure (spec-map A10)


def _number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("value_error", "must be number")
    return value


def _integral(value: int | float) -> int | float:
    """An integral float (`100.0`) is stored and returned as the integer it equals."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Threshold = Annotated[StrictInt | StrictFloat, BeforeValidator(_number), Field(ge=0, le=MAX_THRESHOLD, allow_inf_nan=False),
                      AfterValidator(_integral)]
"""A points threshold of a tier: a JSON number from 0 to 1,000,000,000."""


# ---------------------------------------------------------------------------------------------------- tier structures
class TierStructureUpdate(Strict):
    """Body of `PUT /v2/loyalties/tier-structures/{id}` (TierStructureUpdateRequest): every property optional; the ones
    given replace the stored ones (null resets a setting to its default)."""

    name: NotNull[Name] = None
    type: NotNull[Literal["POINT_BALANCE", "POINT_EARNED"]] = None
    point_balance: PointBalance | None = None
    point_earned: PointEarned | None = None
    expiration: TierExpiration | None = None
    downgrade: Downgrade | None = None
    metadata: Metadata | None = None

    @model_validator(mode="after")
    def _tracking_matches_type(self) -> Self:
        if self.type is not None:
            only_matching(self, "type", {"POINT_BALANCE": ("point_balance",), "POINT_EARNED": ("point_earned",)})
        return self


# ---------------------------------------------------------------------------------------------------- tiers
class TierPoints(Strict):
    """The points range of a tier: `min_value` up to an optional `max_value` (both included)."""

    min_value: Threshold
    max_value: NotNull[Threshold] = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.max_value is not None and self.max_value < self.min_value:
            raise invalid_at("max_value", "must be greater than or equal to min_value", self.max_value)
        return self


class TierSegment(Strict):
    """The customer segment a POINTS_AND_SEGMENT tier also requires."""

    id: Annotated[StrictStr, Field(min_length=1)]


class QualificationRules(Variants):
    """Who qualifies for a tier: points (both types), and a segment for POINTS_AND_SEGMENT only."""

    type: Literal["POINTS", "POINTS_AND_SEGMENT"]
    points: TierPoints | None = None
    segment: TierSegment | None = None
    VARIANTS = {"POINTS": ("points",), "POINTS_AND_SEGMENT": ("points", "segment")}


class TierDowngrade(Strict):
    """A tier's own downgrade behaviour: INHERIT the structure's, or NO_DOWNGRADE from this tier."""

    type: Literal["INHERIT", "NO_DOWNGRADE"]


class TierCreate(Strict):
    """Body of `POST /v2/loyalties/tier-structures/{id}/tiers` (TierCreateRequest)."""

    name: Name
    qualification_rules: QualificationRules
    downgrade: TierDowngrade | None = None
    metadata: Metadata | None = None


class TierUpdate(Strict):
    """Body of `PUT /v2/loyalties/tier-structures/{id}/tiers/{tierId}` (TierUpdateRequest): every property optional."""

    name: NotNull[Name] = None
    qualification_rules: QualificationRules | None = None
    downgrade: TierDowngrade | None = None
    metadata: Metadata | None = None


def tier_object(body: TierCreate, tier_structure_id: str) -> dict[str, Any]:
    """The stored and returned tier (Tier) for a validated create request."""
    return {
        "id": ids.TIER.new(),
        "tier_structure_id": tier_structure_id,
        "name": body.name,
        "qualification_rules": body.qualification_rules.model_dump(exclude_none=True),
        "downgrade": body.downgrade.model_dump() if body.downgrade else {"type": "INHERIT"},
        "metadata": copy.deepcopy(body.metadata) if body.metadata else {},
        "created_at": now_iso(),
        "updated_at": None,
        "object": "tier",
    }
