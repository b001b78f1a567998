"""Request bodies of the points-bucket endpoints (the v2 ones take none)."""

from __future__ import annotations

from pydantic import model_validator

from loyalty.core.fields import Strict
from loyalty.v1.models import Points


class PendingPointsBalance(Strict):
    """POST /v1/loyalties/members/{memberId}/pending-points/{pendingPointsId}/balance: add (+) or take (-) pending points."""

    points: Points

    @model_validator(mode="after")
    def _not_zero(self) -> PendingPointsBalance:
        if self.points == 0:
            raise ValueError("'points' must not be 0")
        return self
