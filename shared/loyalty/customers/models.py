"""Customer request bodies (v1 customers API and the `customer` of v1 add member) and the v1 scalar field types."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StrictStr, model_validator

from loyalty.core.fields import Metadata, Strict


# ---------------------------------------------------------------------------------------------- scalars
def iso_date(value: str) -> str:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError("must be a date YYYY-MM-DD") from None


Date = Annotated[StrictStr, AfterValidator(iso_date)]
Short = Annotated[StrictStr, Field(max_length=255)]
Text = Annotated[StrictStr, Field(max_length=2000)]
SourceId = Annotated[StrictStr, Field(min_length=1, max_length=255)]


# ---------------------------------------------------------------------------------------------- customers
class Address(Strict):
    """A customer's postal address."""

    city: Short | None = None
    state: Short | None = None
    line_1: Short | None = None
    line_2: Short | None = None
    country: Short | None = None
    postal_code: Short | None = None


class CustomerFields(Strict):
    """CustomerBase: the editable fields of a customer (null clears a field on update)."""

    name: Short | None = None
    description: Text | None = None
    email: Short | None = None
    phone: Short | None = None
    birthday: Date | None = None
    birthdate: Date | None = None
    address: Address | None = None
    metadata: Metadata | None = None

    def patch(self) -> dict[str, Any]:
        """The fields the request named (also when null), ready to merge into a stored customer."""
        names = [n for n in CustomerFields.model_fields if n in self.model_fields_set]
        out: dict[str, Any] = {}
        for name in names:
            value = getattr(self, name)
            if name == "address" and value is not None:
                value = value.model_dump()
            elif name == "metadata":
                value = value or {}
            out[name] = value
        return out


class CustomerUpdate(CustomerFields):
    """PUT /v1/customers/{customerId}: CustomerBase, plus the `source_id` the official JS SDK repeats in the body when it
    names the customer by source id (`customers.update({source_id, ...})`); it must be the customer's, it changes nothing."""

    source_id: SourceId | None = None


class CustomerCreate(CustomerFields):
    """POST /v1/customers: create, or update the customer that already has this `id` / `source_id`."""

    id: Short | None = None
    source_id: SourceId | None = None


class MemberCustomer(CustomerFields):
    """add-member `customer`: an object naming the customer by `id` or `source_id` (a string is read as one of them)."""

    id: Short | None = None
    source_id: SourceId | None = None

    @model_validator(mode="after")
    def _named(self) -> MemberCustomer:
        if self.id is None and self.source_id is None:
            raise ValueError("'customer' must have property 'id' or 'source_id'")
        return self


class CustomerBulkEntry(CustomerFields):
    """One entry of POST /v1/customers/bulk/async: the customer to update (or create) by `source_id`, and its fields."""

    source_id: SourceId


class CustomersMetadataBulk(Strict):
    """POST /v1/customers/metadata/async: the metadata to merge into each named customer's."""

    source_ids: Annotated[list[SourceId], Field(min_length=1)]
    metadata: Metadata | None  # required; null is refused below (the union keeps the Metadata policy visible)

    @model_validator(mode="after")
    def _metadata_given(self) -> CustomersMetadataBulk:
        if self.metadata is None:
            raise ValueError("Property 'metadata' must be an object")
        return self
