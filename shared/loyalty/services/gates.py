"""Runtime gates shared by the v2 operations: program active and in its validity window, member active."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from loyalty.clock import now_iso
from loyalty.errors import LoyaltyError, locked, not_found


def require_program(found: tuple[dict[str, Any], list[dict[str, Any]]] | None, program_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The program and its assignments, or 404."""
    if found is None or found[0].get("status") == "DELETED":
        raise not_found("program", program_id)
    return found


def in_validity_window(obj: dict[str, Any], at: datetime | None = None) -> bool:
    """True when `at` lies inside the object's start/end dates and its validity hours."""
    now = now_iso()
    if obj.get("start_date") and now < obj["start_date"]:
        return False
    if obj.get("end_date") and now > obj["end_date"]:
        return False
    hours = obj.get("validity_hours") or {}
    if hours.get("type") == "DAILY":
        at = at or datetime.now(UTC)
        day = (at.weekday() + 1) % 7  # the spec counts 0 = Sunday
        hhmm = at.strftime("%H:%M")
        return any(
            day in window["days_of_week"] and window["start_time"] <= hhmm < window["end_time"]
            for window in hours.get("daily") or []
        )
    return True


def require_active_program(program: dict[str, Any], message: str) -> None:
    """423 unless the program is ACTIVE and inside its validity window."""
    if program["status"] != "ACTIVE":
        raise locked("non_active_program", "Invalid program status", message, resource_type="program", resource_id=program["id"])
    if not in_validity_window(program):
        raise locked("program_outside_validity_window", "Program is not available at this time",
                     "The program is outside its validity window", resource_type="program", resource_id=program["id"])


def require_member(
    found: tuple[dict[str, Any], list[dict[str, Any]]] | None, program_id: str, member_id: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The member of this program with its cards, or 404 (a member of another program is not found)."""
    if found is None or found[0]["program_id"] != program_id or found[0]["status"] == "DELETED":
        raise not_found("member", member_id)
    return found


def require_active_member(member: dict[str, Any], message: str) -> None:
    """423 unless the member is ACTIVE."""
    if member["status"] != "ACTIVE":
        raise locked("non_active_member", "Invalid member status", message, resource_type="member", resource_id=member["id"])


def require_card(cards: list[dict[str, Any]], card_id: str) -> dict[str, Any]:
    """The member's card with this id, or 404."""
    card = next((c for c in cards if c["id"] == card_id), None)
    if card is None:
        raise not_found("card", card_id)
    return card


def conflict(key: str, message: str, details: str) -> LoyaltyError:
    """409 with a key."""
    return LoyaltyError(409, key, message, details)
