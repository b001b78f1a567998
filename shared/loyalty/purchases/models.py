"""Reward purchase request bodies."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from loyalty.core.fields import Str, Strict


class RewardPurchaseCreate(Strict):
    """POST .../members/{memberId}/rewards/purchases."""

    reward_id: Annotated[Str, Field(min_length=1, max_length=64)]
    mode: Literal["TRANSACTION", "DRY_RUN"] | None = None
