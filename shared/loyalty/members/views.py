"""Response shapes of members and their cards (lifetime buckets, balances), memberships and async actions."""

from __future__ import annotations

from collections.abc import Mapping
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
        "next_expiration": card.get("next_expiration"),
        "next_activation": card.get("next_activation"),
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
        out["cards"] = [member_card_view(c) for c in sorted(cards, key=lambda c: c["id"])]
    return out


def member_card_view(card: Card) -> dict[str, Any]:
    """A member's card (MemberCard): the member's role on it and the card."""
    return {"member_role": "OWNER", "created_at": card["created_at"], "card": card_view(card), "object": "member_card"}


def program_simple_view(program: Mapping[str, Any]) -> dict[str, Any]:
    """A program as memberships embed it (ProgramSimple)."""
    return {"id": program["id"], "name": program["name"], "status": program["status"], "metadata": program.get("metadata") or {},
            "object": "program"}


def membership_view(member: Member, program: Mapping[str, Any], cards: list[Card],
                    progress: Mapping[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """A membership: the member (without cards), its program and its cards. The cards in `progress` (by card id: the
    cards of the card definition the program's tier structure tracks) carry their `tier_progress` (spec-map A29)."""
    entries = []
    for card in sorted(cards, key=lambda c: c["id"]):
        entry = member_card_view(card)
        if progress is not None and card["id"] in progress:
            entry["tier_progress"] = progress[card["id"]]
        entries.append(entry)
    return {"member": member_view(member, None), "program": program_simple_view(program), "cards": entries, "object": "membership"}
