"""Reward purchase request bodies."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from loyalty.core.fields import Str, Strict


class RewardPurchaseCreate(Strict):
    """POST .../members/{memberId}/rewards/purchases."""

    reward_id: Annotated[Str, Field(min_length=1, max_length=64)]
    mode: Literal["TRANSACTION", "DRY_RUN"] | None = None


class RefundPolicies(Strict):
    """`policies` of a refund: `refund` ALLOW refunds a reward whose `refunds.type` is NONE; `stock` WRITE_OFF keeps
    the purchased unit out of the reward's stock."""

    refund: Literal["DEFAULT", "ALLOW"] | None = None
    stock: Literal["DEFAULT", "WRITE_OFF"] | None = None


class RewardPurchaseRefund(Strict):
    """POST .../rewards/purchases/{rewardTransactionId}/refund (the body is optional)."""

    policies: RefundPolicies | None = None
