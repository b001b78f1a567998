"""Webhooks' published event catalogue, request bodies, limits, and the signature a receiver verifies."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

EVENT_TYPES: tuple[str, ...] = (
    "customer.rewarded.loyalty_points",
    "customer.voucher.loyalty_card.points_added",
    "customer.voucher.loyalty_card.points_transferred",
    "customer.voucher.loyalty_card.points_expired",
    "customer.voucher.loyalty_card.pending_points.added",
    "customer.voucher.loyalty_card.pending_points.activated",
    "customer.voucher.loyalty_card.pending_points.canceled",
    "customer.reward_redemptions.completed",
    "customer.redemption.succceeded",  # sic: the spec's activity enum spells it so
    "customer.redemption.rollback.succceeded",
    "customer.loyalty.tier.joined",
    "customer.loyalty.tier.left",
    "customer.loyalty.tier.upgraded",
    "customer.loyalty.tier.downgraded",
    "customer.loyalty.tier.prolonged",
)
"""The event types a webhook may subscribe to: the v1 member activity types of card transactions (v1/cards.py
ACTIVITY_TYPES) and the tier events (v1/models.py TIER_EVENTS); `*` subscribes to every one."""
ALL_EVENTS = "*"
MAX_WEBHOOKS = 20  # per project, enforced on create
MAX_URL_LENGTH = 2000
MAX_DESCRIPTION_LENGTH = 500
MAX_ATTEMPTS = 8  # POSTs of one delivery before it is FAILED
KEPT_ATTEMPTS = 10  # attempts a delivery item keeps (the latest)
TIMEOUT_SECONDS = 5.0  # one POST
LEASE_MS = 30_000  # how long one delivery's POST is reserved to one receiver of its message
SIGNATURE_HEADER = "X-Loyalty-Signature"
_LABEL = b"loyalty-webhook-v1\x00"

EventTypes = Annotated[list[Annotated[StrictStr, Field(max_length=100)]], Field(min_length=1, max_length=len(EVENT_TYPES) + 1)]


class WebhookCreate(BaseModel):
    """POST /v1/webhooks."""

    model_config = ConfigDict(extra="forbid", defer_build=True)  # built on first use

    url: Annotated[StrictStr, Field(min_length=1, max_length=MAX_URL_LENGTH)]
    events: EventTypes
    active: StrictBool = True
    description: Annotated[StrictStr, Field(max_length=MAX_DESCRIPTION_LENGTH)] | None = None


class WebhookUpdate(BaseModel):
    """PUT /v1/webhooks/{webhookId}: the fields given replace the stored ones."""

    model_config = ConfigDict(extra="forbid", defer_build=True)  # built on first use

    url: Annotated[StrictStr, Field(min_length=1, max_length=MAX_URL_LENGTH)] | None = None
    events: EventTypes | None = None
    active: StrictBool | None = None
    description: Annotated[StrictStr, Field(max_length=MAX_DESCRIPTION_LENGTH)] | None = None


@lru_cache(maxsize=4)
def _key(server_secret: str) -> bytes:
    return hashlib.sha256(_LABEL + server_secret.encode()).digest()


def webhook_secret(server_secret: str, project_id: str, webhook_id: str) -> str:
    """A webhook's signing secret: an HMAC-SHA256, under a key derived from the stack's secret (CursorSecret, under
    this module's own label), of the project and webhook ids. Derived on demand, never stored."""
    mac = hmac.new(_key(server_secret), f"{project_id}\x00{webhook_id}".encode(), hashlib.sha256).hexdigest()
    return f"whsec_{mac}"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Loyalty-Signature` value of a body sent at `timestamp` (unix seconds): `t=<t>,v1=<hex HMAC-SHA256 of
    "<t>.<body>" under the secret>`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"
