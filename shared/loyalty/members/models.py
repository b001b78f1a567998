"""Member request bodies: create (the seed's `customer_id` or the newer `customer_identification`), update (metadata)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from loyalty.core.fields import CustomerId, Metadata, Str, Strict


class CustomerIdentification(Strict):
    """Newer member-create form of naming the customer."""

    type: Literal["customer_id", "customer_source_id"]
    customer_id: CustomerId | None = None
    customer_source_id: Annotated[Str, Field(min_length=1, max_length=255)] | None = None

    @model_validator(mode="after")
    def _matches_type(self) -> CustomerIdentification:
        if self.type == "customer_id" and self.customer_id is None:
            raise ValueError("'customer_identification.customer_id' is required when type is customer_id")
        if self.type == "customer_source_id" and self.customer_source_id is None:
            raise ValueError("'customer_identification.customer_source_id' is required when type is customer_source_id")
        return self


class MemberCreate(Strict):
    """POST /v2/loyalties/programs/{programId}/members: seed `customer_id` or newer `customer_identification`."""

    customer_id: CustomerId | None = None
    customer_identification: CustomerIdentification | None = None
    status: Literal["ACTIVE", "INACTIVE"] | None = None
    metadata: Metadata | None = None

    @model_validator(mode="after")
    def _exactly_one_customer(self) -> MemberCreate:
        if (self.customer_id is None) == (self.customer_identification is None):
            raise ValueError("exactly one of 'customer_id' and 'customer_identification' is required")
        return self


class MemberUpdate(Strict):
    """PUT /v2/loyalties/programs/{programId}/members/{memberId}: `metadata` (required) merged key by key; null clears it."""

    metadata: Metadata | None


IdentificationType = Literal["customer_id", "customer_source_id", "member_id", "card_code"]
"""How a memberships path's `customerId` is read (`identification_type`): Voucherify's three, and our `card_code` (the code
of a v2 program card, read as its member's id)."""
IDENTIFICATION_TYPE_DESCRIPTION = ("How `customerId` is read: customer_id (the default), customer_source_id, member_id, or card_code "
                                   "(ours, not Voucherify's: the code of a v2 program card, answered as its member's id would be).")
