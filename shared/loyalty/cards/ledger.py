"""Ledger rules: which counters each settled transaction type moves, how they make the balance, and the transaction record."""

from __future__ import annotations

from typing import Any

from loyalty.cards.records import CardTransaction
from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.errors import LoyaltyError, locked
from loyalty.members.records import Card

# The sign each lifetime counter carries in balance.points (spec §2.7):
# balance = total - subtracted - expired - spent - refunded + returned - locked + unlocked - purchased_reversed.
BALANCE_SIGNS: dict[str, int] = {
    "total": 1,
    "subtracted": -1,
    "expired": -1,
    "spent": -1,
    "refunded": -1,
    "returned": 1,
    "locked": -1,
    "unlocked": 1,
    "purchased_reversed": -1,
}

MESSAGES = {
    "ADMIN_CREDIT": "Points addition transaction created",
    "ADMIN_DEBIT": "Points subtraction transaction created",
    "NO_CHANGE": "Provided amount is zero, transaction was not created",
}


def balance_delta(deltas: dict[str, int]) -> int:
    """How much `balance.points` moves when the given counters move."""
    return sum(BALANCE_SIGNS.get(name, 0) * amount for name, amount in deltas.items())


def deltas_for(tx_type: str, points: int) -> dict[str, int]:
    """The lifetime counters a settled transaction of this type moves (points as a positive amount)."""
    if tx_type == "ADMIN_CREDIT":
        return {"added": points, "total": points}
    if tx_type == "ADMIN_DEBIT":
        return {"subtracted": points}
    raise ValueError(f"no ledger rule for {tx_type}")


def insufficient_balance() -> LoyaltyError:
    """423 `insufficient_card_balance`."""
    return locked("insufficient_card_balance", "Insufficient card balance", "Operation exceeds the available card balance")


def card_transaction(card: Card, tx_type: str, points_total: int, reason: str | None, status: str,
                     **details: Any) -> CardTransaction:
    """A card transaction record (`points_total` is negative for debits)."""
    now = now_iso()
    return {
        "id": ids.CARD_TRANSACTION.new(),
        "card_id": card["id"],
        "program_id": card["program_id"],
        "member_id": card["member_id"],
        "card_definition_id": card["card_definition_id"],
        "card_type": card.get("card_type", "INDIVIDUAL"),
        "type": tx_type,
        "details": {
            "reason": reason,
            "metadata": {},
            "rejection": None,
            "points": {"total": points_total, "expiration_date": None, "expiration_type": "NO_EXPIRATION"}
            if tx_type == "ADMIN_CREDIT" else {"total": points_total},
            **details,
        },
        "status": status,
        "created_at": now,
        "updated_at": now if status != "PENDING" else None,
        "object": "card_transaction",
    }
