"""Stored order payment records."""

from __future__ import annotations

from typing import Any, TypedDict


class OrderTransaction(TypedDict):
    """An order transaction (`v2:OrderPaymentTransaction`): a PAY_WITH_POINTS payment, linked to the card transaction
    that spends its points."""

    id: str
    program_id: str
    member_id: str
    card_id: str
    card_definition_id: str
    card_transaction_id: str | None
    order_id: str
    status: str
    type: str
    details: dict[str, Any]
    created_at: str
    updated_at: str | None
    object: str
