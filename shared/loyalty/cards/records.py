"""Stored card transaction records."""

from __future__ import annotations

from typing import Any, TypedDict


class CardTransaction(TypedDict):
    """A card transaction (spec §2.8): `details.points.total` is negative for debits."""

    id: str
    card_id: str
    program_id: str
    member_id: str
    card_definition_id: str
    card_type: str
    type: str
    details: dict[str, Any]
    status: str
    created_at: str
    updated_at: str | None
    object: str
