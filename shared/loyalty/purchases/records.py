"""Stored reward purchase records."""

from __future__ import annotations

from typing import Any, TypedDict


class RewardTransaction(TypedDict):
    """A reward transaction (spec §2.9): a PURCHASE, linked to the card transaction that spends its points."""

    id: str
    card_id: str
    card_transaction_id: str | None
    program_id: str
    member_id: str
    reward_id: str
    status: str
    type: str
    details: dict[str, Any]
    created_at: str
    updated_at: str | None
    object: str
