"""v1 loyalty tiers mapped onto the tier model.

A v1 campaign's tiers (`ltr_`, points {from, to}) form one tier structure of that campaign: ranked by the card's balance
and re-ranked on every balance change (`v1.models.tier_structure_of`). The stream consumer and the daily job compute
each member's standing in it (`tiering`), and the member-tiers read answers that stored standing. What the tier model
cannot enforce is refused with 400 rather than stored and ignored: tier mappings (`earning_rules`, `rewards`), ranges
that overlap or are not in ascending order, and campaign tier settings other than BALANCE / IMMEDIATE / BALANCE_DROP."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import unquote

from loyalty.core import ids
from loyalty.core.errors import LoyaltyError, invalid_payload, not_found
from loyalty.db.table import Table
from loyalty.db.transact import TransactionConflict
from loyalty.tiering import store as standings
from loyalty.tiers.models import MAX_TIERS
from loyalty.v1 import lookup
from loyalty.v1 import store as campaigns
from loyalty.v1.models import TIER_EVENTS
from loyalty.v1rewards import store as rewards
from loyalty.v1rewards.service import check_query
from loyalty.v1tiers.models import LoyaltyTierCreate, tier_object

DEFAULT_LIMIT = 10
ENFORCED_SETTINGS = {"qualification_type": "BALANCE", "start_date": "IMMEDIATE", "expiration_date": "BALANCE_DROP"}


def _campaign_with_tiers(db: Table, campaign_ref: str) -> tuple[dict[str, Any], int, list[dict[str, Any]]]:
    """A live v1 loyalty campaign (by id or name), its tier count and its tiers; 404 `campaign`."""
    ref = unquote(campaign_ref)
    campaign_id = ref if campaigns.CAMPAIGN_ID.fullmatch(ref) else None
    if campaign_id is None:
        found = lookup.find_campaign(db, campaign_ref)
        campaign_id = found["id"] if found else None
    campaign, count, tiers = campaigns.campaign_with_tiers(db, campaign_id) if campaign_id else (None, 0, [])
    if campaign is None or campaign.get("campaign_type") != "LOYALTY_PROGRAM":
        raise not_found("campaign", ref)
    return campaign, count, tiers


def _tier(tiers: Sequence[dict[str, Any]], tier_ref: str) -> dict[str, Any]:
    tier_id = unquote(tier_ref)
    tier = next((t for t in tiers if t["id"] == tier_id), None) if ids.LOYALTY_TIER.matches(tier_id) else None
    if tier is None:
        raise not_found("loyalty_tier", tier_id)
    return tier


def _bounds(tier: dict[str, Any]) -> tuple[int, float]:
    points = tier["points"]
    return int(points["from"]), float("inf") if points.get("to") is None else float(points["to"])


def _check_settings(campaign: dict[str, Any]) -> None:
    """400 unless the campaign's `loyalty_tiers_expiration` (absent: the defaults) is what the tier model enforces."""
    settings = campaign.get("loyalty_tiers_expiration") or {}
    given = {"qualification_type": settings.get("qualification_type"),
             "start_date": (settings.get("start_date") or {}).get("type"),
             "expiration_date": (settings.get("expiration_date") or {}).get("type")}
    for name, value in given.items():
        if value is not None and value != ENFORCED_SETTINGS[name]:
            raise invalid_payload(f"Campaign {campaign['id']} has loyalty_tiers_expiration.{name} {value}: this server ranks "
                                  f"v1 tiers only by the card's balance, re-ranked on every change ({ENFORCED_SETTINGS[name]})")


def _check_ranges(new: list[dict[str, Any]], existing: list[dict[str, Any]]) -> None:
    """The new tiers in ascending order of points, each starting above the previous one's `to` (only the last may have
    none), and none overlapping an existing tier: 400 `invalid_payload` otherwise."""
    previous: dict[str, Any] | None = None
    for index, tier in enumerate(new):
        low, high = _bounds(tier)
        if previous is not None and low <= _bounds(previous)[1]:
            raise invalid_payload(f"Tier [{index}] '{tier['name']}': tiers must be given in ascending order of points without "
                                  f"overlap; its points.from {low} is not above the previous tier's points.to")
        for other in existing:
            other_low, other_high = _bounds(other)
            if low <= other_high and other_low <= high:
                raise invalid_payload(f"Tier [{index}] '{tier['name']}' overlaps the points range of tier '{other['name']}' "
                                      f"({other['id']}): the tiers of a campaign must not overlap")
        previous = tier


def create_tiers(db: Table, campaign_ref: str, body: Sequence[LoyaltyTierCreate]) -> list[dict[str, Any]]:
    """POST /v1/loyalties/{campaignId}/tiers: add tiers to the campaign's tier structure, all or nothing, in one
    conditional transaction (400 for what the tier model cannot enforce; at most 10 tiers per campaign)."""
    if not body:
        raise invalid_payload("The request body must be an array of at least one tier")
    for index, item in enumerate(body):
        for mapping in ("earning_rules", "rewards"):
            if getattr(item, mapping):
                raise invalid_payload(f"Property [{index}].{mapping}: tier mappings (points multiplied or replaced for a tier) "
                                      "are not enforced by this server; send an empty object or leave it out")
    campaign, count, existing = _campaign_with_tiers(db, campaign_ref)
    _check_settings(campaign)
    if len(existing) + len(body) > MAX_TIERS:
        raise LoyaltyError(400, "tiers_limit_exceeded", "Tiers limit exceeded",
                           f"Campaign {campaign['id']} has {len(existing)} tiers; adding {len(body)} would pass the limit of "
                           f"{MAX_TIERS} tiers per campaign", resource_type="campaign", resource_id=campaign["id"])
    tiers = [tier_object(item, campaign["id"]) for item in body]
    _check_ranges(tiers, existing)
    try:
        campaigns.create_tiers(db, campaign["id"], tiers, max(count, len(existing)))
    except TransactionConflict as conflict:
        if conflict.failed("campaign"):
            raise LoyaltyError(409, "concurrent_modification", "Concurrent modification",
                               f"The tiers of campaign {campaign['id']} changed (or it was deleted) while this request was "
                               "adding tiers; retry the request") from None
        raise
    return tiers


def list_tiers(db: Table, campaign_ref: str, parameters: Iterable[tuple[str, str]], limit: int | None,
               order: str | None) -> dict[str, Any]:
    """GET /v1/loyalties/{campaignId}/tiers: the campaign's tiers in creation order (or by ±created_at / ±updated_at)."""
    check_query(parameters, ("limit", "order"))
    _, _, tiers = _campaign_with_tiers(db, campaign_ref)
    if order:
        field = order.lstrip("-")
        position = {t["id"]: n for n, t in enumerate(tiers)}  # creation order breaks ties (one request: one created_at)
        tiers = sorted(tiers, key=lambda t: (t.get(field) or t["created_at"], position[t["id"]]), reverse=order.startswith("-"))
    return {"object": "list", "data_ref": "data", "data": tiers[: limit or DEFAULT_LIMIT], "total": len(tiers)}


def get_tier(db: Table, campaign_ref: str, tier_ref: str) -> dict[str, Any]:
    """GET /v1/loyalties/{campaignId}/tiers/{loyaltyTierId}; 404 `campaign` / `loyalty_tier`."""
    _, _, tiers = _campaign_with_tiers(db, campaign_ref)
    return _tier(tiers, tier_ref)


def list_member_tiers(db: Table, member_ref: str, parameters: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """GET /v1/loyalties/members/{memberId}/tiers: the tier the card's member is in, as its stored standing says (the
    stream consumer re-ranks it on every balance change), with the standing's dates; empty when in none; 404 `voucher`."""
    check_query(parameters, ())
    card = lookup.card_by_code(db, None, member_ref)
    _, _, stored, _ = standings.get_member_standing(db, card["member_id"])
    tiers = campaigns.campaign_tiers(db, card["campaign_id"])
    standing: dict[str, Any] = dict(stored) if stored and stored.get("card_id") == card["id"] else {}
    if not stored:
        # never ranked yet (its points came before the campaign's tiers): v1 tiers follow the balance at once, so the
        # balance names the tier the stream consumer will store at the card's next change
        balance = int(card.get("balance", 0))
        ranked = next((t for t in tiers if _bounds(t)[0] <= balance <= _bounds(t)[1]), None)
        standing = {"tier_id": ranked["id"], "updated_at": card["created_at"]} if ranked else {}
    tier = next((t for t in tiers if t["id"] == standing.get("tier_id")), None)
    if tier is None:
        return {"object": "list", "data_ref": "data", "data": [], "total": 0}
    expiration: dict[str, Any] = {"customer_id": card["holder_id"], "campaign_id": card["campaign_id"], "tier_id": tier["id"],
                                  "created_at": standing["updated_at"],
                                  "updated_at": standing["updated_at"]}
    if standing.get("start_at"):  # a card never ranked yet has no start: its points came before the tiers
        expiration["start_date"] = standing["start_at"]
    if standing.get("expires_at"):
        expiration["expiration_date"] = standing["expires_at"]
    return {"object": "list", "data_ref": "data", "data": [{**tier, "expiration": expiration}], "total": 1}


def _applies(rule: dict[str, Any], tier_id: str) -> bool:
    """Whether a member in the tier earns by the rule: every rule but a tier-change rule naming another tier."""
    if rule.get("event") not in TIER_EVENTS:
        return True
    return (rule.get("loyalty_tier") or {}).get("id") in (tier_id, "__ANY__")


def list_tier_earning_rules(db: Table, campaign_ref: str, tier_ref: str, parameters: Iterable[tuple[str, str]],
                            limit: int | None, page: int | None) -> dict[str, Any]:
    """GET .../tiers/{loyaltyTierId}/earning-rules: the campaign's earning rules a member in this tier earns by, in
    creation order (no tier mapping: their points as the rules give them)."""
    check_query(parameters, ("limit", "page"))
    campaign, _, tiers = _campaign_with_tiers(db, campaign_ref)
    tier = _tier(tiers, tier_ref)
    rules = [item["data"] for item in campaigns.campaign_rules(db, campaign["id"]) if _applies(item["data"], tier["id"])]
    size, number = limit or DEFAULT_LIMIT, page or 1
    return {"object": "list", "data_ref": "data", "data": rules[(number - 1) * size: number * size], "total": len(rules)}


def list_tier_rewards(db: Table, campaign_ref: str, tier_ref: str, parameters: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """GET .../tiers/{loyaltyTierId}/rewards: the campaign's reward assignments (every tier may redeem them: tiers carry
    no reward mapping), each with its reward, as `loyalty_tier_reward` objects."""
    check_query(parameters, ())
    campaign, _, tiers = _campaign_with_tiers(db, campaign_ref)
    _tier(tiers, tier_ref)
    _, stored = rewards.campaign_with_assignments(db, campaign["id"])
    assignments = [item["data"] for item in stored]
    found = rewards.get_rewards(db, sorted({a["reward_id"] for a in assignments}))
    data = [{"reward": found[a["reward_id"]], "assignment": a, "object": "loyalty_tier_reward"}
            for a in assignments if a["reward_id"] in found]
    return {"object": "list", "data_ref": "data", "data": data, "total": len(data)}
