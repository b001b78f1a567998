"""Stored member records: the member and its cards (the counters the ledger moves live on the card)."""

from __future__ import annotations

from typing import Any, NotRequired, Required, TypedDict


class Member(TypedDict):
    """A member of a program (or the holder of a v1 campaign card)."""

    id: str
    customer_id: str
    program_id: str
    status: str
    metadata: dict[str, Any]
    created_at: str
    updated_at: str | None
    object: str
    publication: NotRequired[dict[str, Any]]


class Card(TypedDict, total=False):
    """A loyalty card: its identity, its code, the lifetime counters and the materialised balance; v1 campaign cards
    also carry their voucher fields."""

    id: Required[str]
    member_id: Required[str]
    program_id: Required[str]
    card_definition_id: Required[str]
    created_at: Required[str]
    card_type: str
    allow_negative: bool
    code: str | None
    code_config: dict[str, Any]
    balance: int
    total: int
    earned: int
    added: int
    purchased: int
    purchased_reversed: int
    subtracted: int
    expired: int
    spent: int
    refunded: int
    returned: int
    locked: int
    unlocked: int
    pending_total: int
    pending_activated: int
    pending_canceled: int
    # read from the card's bucket mirrors (never stored in `data`)
    next_activation: dict[str, Any] | None
    next_expiration: dict[str, Any] | None
    # v1 campaign cards (vouchers)
    voucher_id: str
    campaign: str
    campaign_id: str
    holder_id: str
    start_date: str | None
    expiration_date: str | None
    validity_timeframe: dict[str, Any] | None
    validity_day_of_week: list[int] | None
    validity_hours: dict[str, Any] | None
    redemption_quantity: int | None
    updated_at: str | None


class Membership(TypedDict):
    """The one-member-per-customer claim of a program or campaign (a batch enrolment also records which of its entries
    made the claim, so that a redelivered chunk recognises its own members)."""

    member_id: str
    card_ids: list[str]
    async_action_id: NotRequired[str]
    entry: NotRequired[int]


class AsyncAction(TypedDict):
    """A v1 async action as answered (`GET /v1/async-actions/{id}`)."""

    id: str
    type: str
    status: str
    operation_status: NotRequired[str]
    result: dict[str, Any] | None
    created_at: str
    updated_at: str | None
    request_id: NotRequired[str]
    processing_time: NotRequired[int]
    progress: int
    object: str


class CodeClaim(TypedDict):
    """Which card holds a code."""

    member_id: str
    card_id: str
