"""Request models of v1 loyalty tiers (LoyaltiesTiersCreateInBulkRequestBody) and the tier object (LoyaltyTier)."""

from __future__ import annotations

import copy
from typing import Annotated, Any, Literal, Self

from pydantic import Field, StrictFloat, StrictInt, model_validator

from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.fields import Metadata, Name, Strict, invalid_at

MAX_POINTS = 1_000_000_000
Points = Annotated[StrictInt, Field(ge=0, le=MAX_POINTS)]


class TierPoints(Strict):
    """A tier's points range: `from` up to `to` (both included); without `to` the tier has no top."""

    from_: Points = Field(alias="from")
    to: Points | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.to is not None and self.to < self.from_:
            raise invalid_at("to", "must be greater than or equal to from", self.to)
        return self


class MappingMultiply(Strict):
    """MappingMultiply: the earned points multiplied."""

    type: Literal["MULTIPLY"]
    multiplier: StrictInt | StrictFloat


class MappingFixed(Strict):
    """MappingFixed (type CUSTOM): a fixed number of points instead."""

    type: Literal["CUSTOM"]
    points: StrictInt


Mapping = Annotated[MappingMultiply | MappingFixed, Field(discriminator="type")]


class LoyaltyTierCreate(Strict):
    """One item of `POST /v1/loyalties/{campaignId}/tiers` (LoyaltyTierBase + metadata)."""

    name: Name
    points: TierPoints
    earning_rules: dict[str, Mapping] | None = None
    rewards: dict[str, Mapping] | None = None
    metadata: Metadata | None = None


def points_view(points: TierPoints) -> dict[str, Any]:
    """`{from, to}` as stored and returned (`to` left out when the tier has no top)."""
    out: dict[str, Any] = {"from": points.from_}
    if points.to is not None:
        out["to"] = points.to
    return out


def tier_object(body: LoyaltyTierCreate, campaign_id: str) -> dict[str, Any]:
    """The stored and returned v1 tier (LoyaltyTier) for a validated create item."""
    points = points_view(body.points)
    return {
        "id": ids.LOYALTY_TIER.new(),
        "name": body.name,
        "campaign_id": campaign_id,
        "metadata": copy.deepcopy(body.metadata) if body.metadata else {},
        "created_at": now_iso(),
        "updated_at": None,
        "earning_rules": {},
        "rewards": {},
        "points": points,
        "config": {"points": dict(points)},
        "object": "loyalty_tier",
    }
