"""Finding v1 campaigns and loyalty cards (by id or name; a card by its code, the v1 memberId), and a card as the v1
voucher object: what the campaign, member, transaction and transfer endpoints share."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

from loyalty.core.errors import LoyaltyError, not_found
from loyalty.db.table import Table
from loyalty.members import store as members
from loyalty.members.records import Card, CodeClaim
from loyalty.v1 import assets, store
from loyalty.v1.models import MAX_CODE_LENGTH

CAMPAIGN_ID = store.CAMPAIGN_ID


def voucher_not_found(code: str) -> LoyaltyError:
    """404 `not_found` for a v1 card (resource_type `voucher`)."""
    return not_found("voucher", code)


def find_campaign(db: Table, campaign_ref: str) -> dict[str, Any] | None:
    """A campaign by id, else by name (the v1 path accepts either)."""
    return store.find_campaign(db, campaign_ref)


def require_campaign(db: Table, campaign_ref: str) -> dict[str, Any]:
    """A live v1 loyalty campaign by id or name; 404 `campaign`."""
    campaign = find_campaign(db, campaign_ref)
    if campaign is None or campaign.get("campaign_type") != "LOYALTY_PROGRAM":
        raise not_found("campaign", unquote(campaign_ref))
    return campaign


def held_card(db: Table, claim: CodeClaim) -> Card | None:
    """The card a code claim names (None when it is gone)."""
    return members.get_card(db, claim["member_id"], claim["card_id"])


def _card_by_code(db: Table, campaign_ref: str | None, member_ref: str) -> Card:
    """A v1 card by its code (the v1 memberId), optionally only within one campaign (id or name); 404 `voucher`."""
    code = unquote(member_ref)
    if not code or len(code) > MAX_CODE_LENGTH:
        raise voucher_not_found(code)
    claim = members.get_card_by_code(db, code)
    card = held_card(db, claim) if claim else None
    if card is None or "voucher_id" not in card:  # a v2 program card is not a v1 voucher
        raise voucher_not_found(code)
    if campaign_ref is not None:
        ref = unquote(campaign_ref)
        if ref != card["campaign_id"]:
            campaign = None if CAMPAIGN_ID.fullmatch(ref) else find_campaign(db, ref)
            if campaign is None or campaign["id"] != card["campaign_id"]:
                raise voucher_not_found(code)
    return card


def card_by_code(db: Table, campaign_ref: str | None, member_ref: str) -> Card:
    """A v1 card by its code (the v1 memberId), optionally only within one campaign (id or name); 404 `voucher`."""
    return _card_by_code(db, campaign_ref, member_ref)


def _assets(db: Table, code: str, base: str) -> dict[str, dict[str, str]]:
    """The card's `assets`: the signed URLs of its QR code and barcode (GET /v1/assets/{kind}/{assetId}); a code that a
    barcode cannot hold (not ASCII) has no `barcode`."""
    links = {kind: assets.asset_link(kind, db.project_id, code, db.secret, base) for kind in assets.KINDS}
    return {kind: link for kind, link in links.items() if link is not None}


def voucher_view(card: Card, base: str, db: Table) -> dict[str, Any]:
    """A v1 loyalty card as the LoyaltyMember voucher object of the seeds (`db` names the project its asset ids carry)."""
    code = card.get("code") or ""
    path = f"/v1/vouchers/{quote(code, safe='')}"
    pending = max(card.get("pending_total", 0) - card.get("pending_activated", 0) - card.get("pending_canceled", 0), 0)
    out: dict[str, Any] = {
        "id": card["voucher_id"],
        "code": code,
        "campaign": card["campaign"],
        "campaign_id": card["campaign_id"],
        "category": None,
        "category_id": None,
        "categories": [],
        "type": "LOYALTY_CARD",
        "discount": None,
        "gift": None,
        "loyalty_card": {
            "points": card.get("total", 0),
            "balance": card.get("balance", 0),
            "next_expiration_date": (card.get("next_expiration") or {}).get("date"),
            "next_expiration_points": (card.get("next_expiration") or {}).get("points", 0),
            "pending_points": pending,
            "expired_points": card.get("expired", 0),
            "subtracted_points": card.get("subtracted", 0),
        },
        "start_date": card.get("start_date"),
        "expiration_date": card.get("expiration_date"),
        "validity_timeframe": card.get("validity_timeframe"),
        "validity_day_of_week": card.get("validity_day_of_week"),
    }
    if card.get("validity_hours"):
        out["validity_hours"] = card["validity_hours"]
    out.update({
        "active": True,
        "additional_info": None,
        "metadata": {},
        "assets": _assets(db, code, base),
        "is_referral_code": False,
        "created_at": card["created_at"],
        "updated_at": card.get("updated_at"),
        "holder_id": card["holder_id"],
        "redemption": {
            "quantity": card.get("redemption_quantity"),
            "redeemed_quantity": 0,
            "redeemed_points": card.get("spent", 0),
            "object": "list",
            "url": f"{path}/redemptions?page=1&limit=10",
        },
        "publish": {"object": "list", "count": 1, "url": f"{path}/publications?page=1&limit=10"},
        "object": "voucher",
    })
    return out
