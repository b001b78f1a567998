"""The request body of `POST /v1/events` (`evt:EventsCreateRequestBody`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictStr

from loyalty.core.fields import Metadata, Strict
from loyalty.customers.models import MemberCustomer, Short

EventName = Annotated[StrictStr, Field(min_length=1, max_length=300)]


class EventReferral(Strict):
    """`referral` of a custom event: the referral code that converts (stored; no referral programs here)."""

    code: Short
    referrer_id: Short | None = None


class EventLoyalty(Strict):
    """`loyalty` of a custom event: the loyalty card the event is attributed to (v1 earning; v2 ignores it, earning-map §1.3)."""

    code: Short


class EventCreate(Strict):
    """POST /v1/events: a named custom event of a customer (upserted by `id` / `source_id`)."""

    event: EventName
    customer: MemberCustomer
    referral: EventReferral | None = None
    loyalty: EventLoyalty | None = None
    metadata: Metadata | None = None
