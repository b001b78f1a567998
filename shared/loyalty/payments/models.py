"""Order payment request bodies (`OrderPaymentCreateRequest`)."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, StrictInt, model_validator

from loyalty.core.fields import Str, Strict


class OrderReference(Strict):
    """The order paid: its Voucherify `id` or its `source_id` (at least one)."""

    id: Annotated[Str, Field(pattern="^ord_[a-f0-9]+$", max_length=64)] | None = None
    source_id: Annotated[Str, Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _one_given(self) -> Self:
        if self.id is None and self.source_id is None:
            raise ValueError("order needs an id or a source_id")
        return self


class LimitMax(Strict):
    """`{max}`: the most points (POINTS_LIMIT) or amount (AMOUNT_LIMIT) a payment may take."""

    max: Annotated[StrictInt, Field(ge=1, le=9007199254740991)]


class PaymentLimit(Strict):
    """`payment_limit`: CARD_BALANCE (the default), or POINTS_LIMIT with `points_limit`, or AMOUNT_LIMIT with `amount_limit`."""

    type: Literal["CARD_BALANCE", "POINTS_LIMIT", "AMOUNT_LIMIT"]
    points_limit: LimitMax | None = None
    amount_limit: LimitMax | None = None

    @model_validator(mode="after")
    def _limit_matches_type(self) -> Self:
        wanted = {"CARD_BALANCE": None, "POINTS_LIMIT": "points_limit", "AMOUNT_LIMIT": "amount_limit"}[self.type]
        for name in ("points_limit", "amount_limit"):
            given = getattr(self, name) is not None
            if name == wanted and not given:
                raise ValueError(f"{name} is required when type is {self.type}")
            if name != wanted and given:
                raise ValueError(f"{name} is not allowed when type is {self.type}")
        return self


class OrderPaymentCreate(Strict):
    """POST .../members/{memberId}/orders/payments."""

    card_id: Annotated[Str, Field(min_length=1, max_length=64)]
    order: OrderReference
    payment_limit: PaymentLimit | None = None
    mode: Literal["TRANSACTION", "DRY_RUN"] | None = None
