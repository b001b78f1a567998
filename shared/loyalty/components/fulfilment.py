"""What a reward delivers when a purchase is approved, and which rewards this server cannot deliver."""

from __future__ import annotations

from typing import Any

# DIGITAL rewards that publish a voucher from a discount or gift campaign: this server runs no campaigns, so it could
# only take the points and deliver nothing. They are refused wherever they would be stored, assigned or purchased.
UNFULFILLABLE = ("DISCOUNT_COUPONS", "GIFT_VOUCHERS")


def unfulfillable_reason(reward: dict[str, Any]) -> str | None:
    """Why a reward cannot be delivered by this server (a coupon or gift voucher reward), or None."""
    digital = reward.get("digital") or {}
    if reward.get("type") != "DIGITAL" or digital.get("type") not in UNFULFILLABLE:
        return None
    return (f"DIGITAL rewards of type {digital['type']} are not supported by this server: they publish a voucher from a "
            "campaign, and this server has no campaigns to publish it from; use a MATERIAL reward or a DIGITAL "
            "LOYALTY_CARD_POINTS reward")


def points_target(reward: dict[str, Any]) -> dict[str, Any] | None:
    """A LOYALTY_CARD_POINTS reward's `{points, card_definition_id}`, or None for other rewards."""
    digital = reward.get("digital") or {}
    if reward.get("type") != "DIGITAL" or digital.get("type") != "LOYALTY_CARD_POINTS":
        return None
    target = digital.get("loyalty_card_points") or {}
    return {"points": int(target["points"]), "card_definition_id": str(target["card_definition_id"])}
