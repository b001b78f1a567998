"""Response shapes of members and their cards (lifetime buckets, balances)."""

from __future__ import annotations

from typing import Any, cast

from loyalty.members.records import Card, Member

POINT_COUNTERS = ("total", "earned", "added", "purchased", "purchased_reversed", "subtracted", "expired", "spent",
                  "refunded", "returned", "locked", "unlocked")


def card_view(record: Card) -> dict[str, Any]:
    """A loyalty card as the API returns it (lifetime bucket, balance, next expiration/activation)."""
    card = cast(dict[str, Any], record)
    pending_total = card.get("pending_total", 0)
    pending_balance = max(pending_total - card.get("pending_activated", 0) - card.get("pending_canceled", 0), 0)
    return {
        "id": card["id"],
        "card_definition_id": card["card_definition_id"],
        "card_type": card.get("card_type", "INDIVIDUAL"),
        "code": card.get("code"),
        "lifetime_bucket": {
            "points": {name: card.get(name, 0) for name in POINT_COUNTERS},
            "pending_points": {
                "total": pending_total,
                "activated": card.get("pending_activated", 0),
                "canceled": card.get("pending_canceled", 0),
            },
        },
        "balance": {"points": card.get("balance", 0), "pending_points": pending_balance},
        "next_expiration": None,
        "next_activation": None,
        "object": "card",
    }


def member_view(member: Member, cards: list[Card] | None) -> dict[str, Any]:
    """A member, with its cards when `cards` is given."""
    out: dict[str, Any] = {
        "id": member["id"],
        "customer_id": member["customer_id"],
        "program_id": member["program_id"],
        "status": member["status"],
        "metadata": member.get("metadata") or {},
        "created_at": member["created_at"],
        "updated_at": member.get("updated_at"),
        "object": "member",
    }
    if cards is not None:
        out["cards"] = [
            {"member_role": "OWNER", "created_at": c["created_at"], "card": card_view(c), "object": "member_card"}
            for c in sorted(cards, key=lambda c: c["id"])
        ]
    return out
