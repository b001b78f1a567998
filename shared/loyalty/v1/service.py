"""v1 loyalty campaigns: create/get a campaign, publish a card to a customer (add member), read a card, move its balance;
the campaign earning-rule endpoints (loyalty.v1.earning) are served from here too."""

from __future__ import annotations

import calendar
import random
import time
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from loyalty.cards import buckets, ledger
from loyalty.cards import store as cards
from loyalty.components.updates import given_fields
from loyalty.core import ids
from loyalty.core.clock import normalize_iso, now_iso
from loyalty.core.codes import UnusableCodeConfig
from loyalty.core.errors import LoyaltyError, invalid_payload, not_found
from loyalty.core.ids import new_alnum_id
from loyalty.customers import service as customers
from loyalty.db.table import ConditionFailed, Table
from loyalty.db.transact import TransactionConflict
from loyalty.jobs.models import DeleteCampaign
from loyalty.jobs.queue import enqueue
from loyalty.members import store as members
from loyalty.members.codes import generate_code
from loyalty.members.records import Card, Member
from loyalty.members.service import enqueued_async_action, new_card
from loyalty.members.store import get_cards as get_cards
from loyalty.v1 import store
from loyalty.v1.assets import CACHE_CONTROL as ASSET_CACHE_CONTROL  # noqa: F401 - the asset function sets it
from loyalty.v1.assets import card_asset as card_asset
from loyalty.v1.cards import list_campaign_transactions as list_campaign_transactions
from loyalty.v1.cards import list_card_transactions as list_card_transactions
from loyalty.v1.cards import list_member_activity as list_member_activity
from loyalty.v1.cards import list_members as list_members
from loyalty.v1.customer_batch import import_customers_csv as import_customers_csv
from loyalty.v1.customer_batch import update_customers_in_bulk as update_customers_in_bulk
from loyalty.v1.customer_batch import update_customers_metadata_in_bulk as update_customers_metadata_in_bulk
from loyalty.v1.earning import create_earning_rules as create_earning_rules
from loyalty.v1.earning import delete_earning_rule as delete_earning_rule
from loyalty.v1.earning import get_earning_rule as get_earning_rule
from loyalty.v1.earning import list_earning_rules as list_earning_rules
from loyalty.v1.earning import set_earning_rule_active as set_earning_rule_active
from loyalty.v1.earning import update_earning_rule as update_earning_rule
from loyalty.v1.holders import list_customer_activities as list_customer_activities
from loyalty.v1.holders import list_customer_activity as list_customer_activity
from loyalty.v1.holders import list_customer_redeemables as list_customer_redeemables
from loyalty.v1.lookup import card_by_code as card_by_code
from loyalty.v1.lookup import held_card as _held_card
from loyalty.v1.lookup import require_campaign as _require_campaign
from loyalty.v1.lookup import require_campaign as require_campaign
from loyalty.v1.lookup import voucher_not_found as _voucher_not_found
from loyalty.v1.lookup import voucher_view as voucher_view
from loyalty.v1.models import (
    BalanceUpdate,
    CodeConfig,
    LoyaltyCampaignCreate,
    LoyaltyCampaignUpdate,
    MemberAdd,
    duration_parts,
)
from loyalty.v1.transfers import transfer_points as transfer_points

CAMPAIGN_ID = store.CAMPAIGN_ID
CODE_ATTEMPTS = 5


# ---------------------------------------------------------------------------------------------- errors
def _duplicate_campaign(name: str) -> LoyaltyError:
    return LoyaltyError(409, "duplicate_found", "Duplicated resource found", f"Duplicated campaign exists with name {name}",
                        resource_type="campaign", resource_id=name)


def _already_published(voucher_id: str) -> LoyaltyError:
    return LoyaltyError(400, "voucher_already_published", "Voucher already published",
                        f"Voucher '{voucher_id}' has already been published")


def _no_voucher(details: str) -> LoyaltyError:
    return LoyaltyError(400, "no_voucher_suitable_for_publication", "Couldn't find any voucher suitable for publication", details)


def _not_active(campaign: dict[str, Any], details: str) -> LoyaltyError:
    return LoyaltyError(400, "campaign_not_active", f"Loyalty campaign '{campaign['id']}' is not active", details,
                        resource_type="campaign", resource_id=campaign["id"])


# ---------------------------------------------------------------------------------------------- campaigns
def _list(data: list[Any] | None = None) -> dict[str, Any]:
    return {"object": "list", "data_ref": "data", "data": data or [], "total": len(data or [])}


def create_campaign(db: Table, body: LoyaltyCampaignCreate) -> dict[str, Any]:
    """POST /v1/loyalties: an AUTO_UPDATE loyalty campaign whose cards get codes when they are published."""
    if body.type in ("STATIC", "STANDALONE"):
        raise invalid_payload(
            f"Campaign type {body.type} is not supported: this server has no pre-generated code pool or code import. "
            "Use type AUTO_UPDATE; a card's code is generated from voucher.code_config (or given in add member's 'voucher')."
            if body.type == "STATIC" else "Campaign type STANDALONE is not available for loyalty campaigns; use AUTO_UPDATE")
    settings = body.access_settings
    if settings is not None and not all(part is None or part.empty() for part in (settings.assign, settings.unassign)):
        raise invalid_payload("access_settings with areas or stores are not supported by this server")
    card = body.voucher.loyalty_card
    validity: dict[str, Any] = {
        "validity_timeframe": body.validity_timeframe.model_dump() if body.validity_timeframe else None,
        "validity_day_of_week": body.validity_day_of_week,
        "validity_hours": body.validity_hours.model_dump() if body.validity_hours else None,
    }
    voucher: dict[str, Any] = {
        "type": "LOYALTY_CARD",
        "loyalty_card": {"points": card.points,
                         **({"expiration_rules": card.expiration_rules.model_dump(exclude_none=True)} if card.expiration_rules else {})},
        "redemption": {"quantity": body.voucher.redemption.quantity if body.voucher.redemption else None},
        "code_config": (body.voucher.code_config or CodeConfig()).normalized(),
        "is_referral_code": False,
        **{k: v for k, v in {"start_date": body.start_date, "expiration_date": body.expiration_date, **validity}.items()
           if v is not None},
    }
    now = now_iso()
    campaign: dict[str, Any] = {
        "id": new_alnum_id("camp_"),
        "name": body.name,
        **({"description": body.description} if body.description is not None else {}),
        "campaign_type": "LOYALTY_PROGRAM",
        "type": "AUTO_UPDATE",
        "voucher": voucher,
        "auto_join": True if body.auto_join is None else body.auto_join,
        "join_once": True,  # forced for loyalty campaigns, whatever the request says
        "use_voucher_metadata_schema": bool(body.use_voucher_metadata_schema),
        **{k: v for k, v in validity.items() if v is not None},
        **({"activity_duration_after_publishing": body.activity_duration_after_publishing}
           if body.activity_duration_after_publishing else {}),
        "vouchers_count": 0,
        "start_date": body.start_date,
        "expiration_date": body.expiration_date,
        "active": True,
        "metadata": body.metadata or {},
        "created_at": now,
        "updated_at": None,
        "category": body.category,
        "category_id": body.category_id,
        "categories": [],
        "creation_status": "DONE",
        "vouchers_generation_status": "DONE",
        "readonly": False,
        "protected": False,
        **({"loyalty_tiers_expiration": body.loyalty_tiers_expiration.model_dump(exclude_none=True)}
           if body.loyalty_tiers_expiration else {}),
        "validation_rules_assignments": _list(),
        "access_settings_assignments": _list(),
        "object": "campaign",
    }
    try:
        store.create_campaign(db, campaign)
    except TransactionConflict as conflict:
        if conflict.failed("name"):
            raise _duplicate_campaign(body.name) from None
        raise
    return campaign


def get_campaign(db: Table, campaign_ref: str) -> dict[str, Any]:
    """GET /v1/loyalties/{campaignId}: by id or name; 404 `campaign`."""
    return _require_campaign(db, campaign_ref)


DEFAULT_LIMIT = 10


def list_campaigns(db: Table, limit: int | None = None, page: int | None = None, order: str | None = None) -> dict[str, Any]:
    """GET /v1/loyalties: a page (`limit` 1-100, default 10; `page` from 1) of the project's loyalty campaigns, the most
    recent first unless `order` says otherwise; `total` counts them all (deleted campaigns have left the list)."""
    order = order or "-created_at"
    found, total = store.list_campaigns(db, page=page or 1, limit=limit or DEFAULT_LIMIT, field=order.lstrip("-"),
                                        descending=order.startswith("-"))
    return {"object": "list", "data_ref": "campaigns", "campaigns": found, "total": total}


def _campaign_changed() -> LoyaltyError:
    return LoyaltyError(409, "concurrent_modification", "Concurrent modification",
                        "The campaign was changed by another request since it was read; retry the request")


def _require_campaign_item(db: Table, campaign_ref: str) -> tuple[dict[str, Any], int]:
    """A live loyalty campaign by id or name and the version it was read at; 404 `campaign`."""
    item = store.find_campaign_item(db, campaign_ref)
    if item is None or item["data"].get("campaign_type") != "LOYALTY_PROGRAM":
        raise not_found("campaign", unquote(campaign_ref))
    return dict(item["data"]), int(item.get("version", 0))


UPDATED_AS_GIVEN = ("description", "auto_join", "start_date", "expiration_date", "validity_day_of_week",
                    "activity_duration_after_publishing", "category_id", "category")
"""Campaign fields a PUT replaces with the value given (null clears them)."""


def update_campaign(db: Table, campaign_ref: str, body: LoyaltyCampaignUpdate) -> dict[str, Any]:
    """PUT /v1/loyalties/{campaignId}: the given fields replace the campaign's (metadata merges, `unset_metadata_fields`
    removes keys; `join_once` stays true for loyalty campaigns); the card template (`loyalty_card`, dates, validity)
    applies to cards published from now on. 409 `concurrent_modification` when it changed meanwhile."""
    if body.type == "STATIC":
        raise invalid_payload("Campaign type STATIC is not supported: this server has no pre-generated code pool; keep AUTO_UPDATE")
    settings = body.access_settings
    if settings is not None and not all(part is None or part.empty() for part in (settings.assign, settings.unassign)):
        raise invalid_payload("access_settings with areas or stores are not supported by this server")
    campaign, version = _require_campaign_item(db, campaign_ref)
    given = set(given_fields(body))
    voucher = dict(campaign["voucher"])
    for name in UPDATED_AS_GIVEN:
        if name in given:
            value = getattr(body, name)
            if name == "auto_join" and value is None:
                value = True
            campaign[name] = value
            if name in ("start_date", "expiration_date"):
                voucher[name] = value
    for name in ("validity_timeframe", "validity_hours"):
        if name in given:
            value = getattr(body, name)
            campaign[name] = voucher[name] = value.model_dump() if value is not None else None
    if "validity_day_of_week" in given:
        voucher["validity_day_of_week"] = body.validity_day_of_week
    if body.loyalty_card is not None:
        card = body.loyalty_card
        voucher["loyalty_card"] = {"points": card.points, **({"expiration_rules": card.expiration_rules.model_dump(exclude_none=True)}
                                                            if card.expiration_rules else {})}
    if "loyalty_tiers_expiration" in given:
        tiers = body.loyalty_tiers_expiration
        if tiers is None:
            campaign.pop("loyalty_tiers_expiration", None)
        else:
            campaign["loyalty_tiers_expiration"] = tiers.model_dump(exclude_none=True)
    metadata = dict(campaign.get("metadata") or {})
    if "metadata" in given:
        metadata.update(body.metadata or {})
    for key in body.unset_metadata_fields or ():
        metadata.pop(key, None)
    campaign["metadata"] = metadata
    if campaign.get("start_date") and campaign.get("expiration_date") and campaign["expiration_date"] <= campaign["start_date"]:
        raise invalid_payload("'expiration_date' must be after 'start_date'")
    if campaign.get("validity_timeframe") and not campaign.get("start_date"):
        raise invalid_payload("'start_date' is required when 'validity_timeframe' is given")
    for name in ("start_date", "expiration_date", "validity_timeframe", "validity_day_of_week", "validity_hours"):
        if voucher.get(name) is None:
            voucher.pop(name, None)
    for name in ("validity_timeframe", "validity_day_of_week", "validity_hours", "activity_duration_after_publishing"):
        if campaign.get(name) is None:
            campaign.pop(name, None)
    campaign["voucher"] = voucher
    campaign["updated_at"] = now_iso()
    try:
        store.save_campaign(db, campaign, version)
    except ConditionFailed:
        raise _campaign_changed() from None
    return campaign


CAMPAIGN_DELETE_TYPE = "CAMPAIGN.DELETE"


def delete_campaign(db: Table, campaign_ref: str, force: bool | None, request_id: str) -> dict[str, Any]:
    """DELETE /v1/loyalties/{campaignId}: at once the campaign leaves every read and list and its name is free again;
    an async action (answered as `{async_action_id}`) then deletes its cards in the worker, as a member delete does
    (each card with its code claim, its member out of the campaign's list, the customer free to join a new campaign),
    keeping the cards' transactions as history. `force` also deletes the campaign record and its earning rules for
    good; without it the record stays in the bin."""
    campaign, version = _require_campaign_item(db, campaign_ref)
    action = enqueued_async_action(CAMPAIGN_DELETE_TYPE, request_id)
    job = DeleteCampaign(project_id=db.project_id, async_action_id=action["id"])
    try:
        store.start_campaign_delete(db, campaign, version, action, bool(force), job.to_json())
    except TransactionConflict as conflict:
        if conflict.failed("campaign"):
            raise _campaign_changed() from None
        raise
    enqueue(job)
    return {"async_action_id": action["id"]}


# ---------------------------------------------------------------------------------------------- vouchers (cards)
def _plus_duration(start_iso: str, duration: str) -> str:
    """`start_iso` moved forward by an ISO 8601 duration, in the API's timestamp format."""
    start = datetime.fromisoformat(start_iso.replace("Z", "+00:00"))
    years, months, rest = duration_parts(duration)
    total = start.month - 1 + months + 12 * years
    year, month = start.year + total // 12, total % 12 + 1
    moved = start.replace(year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1])) + rest
    return normalize_iso(moved)


def _new_card(campaign: dict[str, Any], member_id: str, customer_id: str, code: str, now: str) -> Card:
    """A card of this campaign, its counters already holding the campaign's initial points."""
    template = campaign["voucher"]
    card = new_card(member_id, campaign["id"], campaign["id"], now, code=code, code_config=template["code_config"])
    expiration = campaign.get("expiration_date")
    if campaign.get("activity_duration_after_publishing"):
        after = _plus_duration(now, campaign["activity_duration_after_publishing"])
        expiration = min(expiration, after) if expiration else after
    card.update({
        "voucher_id": new_alnum_id("v_"),
        "campaign": campaign["name"],
        "campaign_id": campaign["id"],
        "holder_id": customer_id,
        "start_date": campaign.get("start_date"),
        "expiration_date": expiration,
        "validity_timeframe": campaign.get("validity_timeframe"),
        "validity_day_of_week": campaign.get("validity_day_of_week"),
        "validity_hours": campaign.get("validity_hours"),
        "redemption_quantity": (template.get("redemption") or {}).get("quantity"),
        "updated_at": now,
    })
    points = int(template["loyalty_card"]["points"])
    if points > 0:
        card.update({"added": points, "total": points, "balance": points})
    return card


def require_active_campaign(campaign: dict[str, Any]) -> None:
    """400 `campaign_not_active` for a disabled campaign, one still being created, or one outside its start/expiration
    dates (publishing a card, estimating points)."""
    if not campaign.get("active", True) or campaign.get("creation_status", "DONE") != "DONE":
        raise _not_active(campaign, "Given campaign is not active")
    now = now_iso()
    if campaign.get("start_date") and now < campaign["start_date"]:
        raise _not_active(campaign, f"Given campaign starts at {campaign['start_date']}")
    if campaign.get("expiration_date") and now > campaign["expiration_date"]:
        raise _not_active(campaign, f"Given campaign expired at {campaign['expiration_date']}")


def _existing_card(db: Table, campaign: dict[str, Any], customer_id: str, wanted: str | None) -> Card | None:
    """The card this customer already holds in the campaign (join_once), or None; 400 if a different code was asked for."""
    membership = members.get_membership(db, campaign["id"], customer_id)
    if membership is None:
        return None
    card = members.get_card(db, membership["member_id"], membership["card_ids"][0])
    if card is None:
        return None
    if wanted is not None and wanted != card["code"]:
        claim = members.get_card_by_code(db, wanted)
        held = _held_card(db, claim) if claim else None
        if held is not None:
            raise _already_published(held.get("voucher_id") or wanted)
        raise _no_voucher(f"Customer '{customer_id}' already holds loyalty card '{card['code']}' in campaign "
                          f"'{campaign['id']}' (join_once)")
    return card


def add_member(db: Table, campaign_ref: str, body: MemberAdd, base: str) -> dict[str, Any]:
    """POST /v1/loyalties/{campaignId}/members: publish this campaign's card to a customer (the same card on a repeat)."""
    campaign = _require_campaign(db, campaign_ref)
    require_active_campaign(campaign)
    known = customers.find(db, body.customer)

    # An explicit code must name a card of this campaign (cards exist only once published, so it is this customer's card
    # published again: 404 for a code that names none, as for an unknown voucher); one held by someone else is refused.
    if body.voucher is not None:
        claim = members.get_card_by_code(db, body.voucher)
        if claim is None:
            raise _voucher_not_found(body.voucher)
        held = _held_card(db, claim) if claim else None
        if claim is not None and not (held and known and held.get("holder_id") == known["id"]
                                      and held.get("campaign_id") == campaign["id"]):
            raise _already_published((held.get("voucher_id") if held else None) or body.voucher)

    customer = customers.save(db, known, body.customer.source_id, body.customer.patch())
    existing = _existing_card(db, campaign, customer["id"], body.voucher)
    if existing is not None:
        return voucher_view(existing, base, db)

    now = now_iso()
    member: Member = {
        "id": ids.MEMBER.new(),
        "customer_id": customer["id"],
        "program_id": campaign["id"],
        "status": "ACTIVE",
        "metadata": {},
        "publication": {"metadata": body.metadata or {}, "channel": body.channel, "source_id": body.source_id},
        "created_at": now,
        "updated_at": None,
        "object": "member",
    }
    config = campaign["voucher"]["code_config"]
    for _ in range(CODE_ATTEMPTS):
        code = body.voucher or _generated_code(config)
        card = _new_card(campaign, member["id"], customer["id"], code, now)
        initial = int(campaign["voucher"]["loyalty_card"]["points"])
        tx = db.transaction()
        members.add_member(tx, db, member, [card], scope_id=campaign["id"], codes=[code],
                           card_list=db.keys.campaign_cards_list(campaign["id"]))
        if initial > 0:
            cards.add_transaction(tx, db, ledger.card_transaction(card, "ADMIN_CREDIT", initial, "Initial points", "APPROVED"))
        try:
            tx.commit()
            return voucher_view(card, base, db)
        except TransactionConflict as conflict:
            if conflict.failed("membership"):
                # A concurrent request enrolled this customer first: answer with that card.
                raced = _existing_card(db, campaign, customer["id"], body.voucher)
                if raced is None:
                    raise
                return voucher_view(raced, base, db)
            if not conflict.failed("code"):
                raise
            if body.voucher is not None:
                claim = members.get_card_by_code(db, body.voucher)
                held = _held_card(db, claim) if claim else None
                raise _already_published((held.get("voucher_id") if held else None) or body.voucher) from None
    raise _no_voucher("Couldn't create new vouchers for publication")


def _generated_code(config: dict[str, Any]) -> str:
    """A random code of the campaign's config; 400 `no_voucher_suitable_for_publication` when it can never give one."""
    try:
        return generate_code(config)
    except UnusableCodeConfig as unusable:
        raise _no_voucher(f"The campaign's {unusable}") from None


def get_member(db: Table, campaign_ref: str | None, member_ref: str, base: str) -> dict[str, Any]:
    """GET /v1/loyalties[/{campaignId}]/members/{memberId}: the card with this code."""
    return voucher_view(card_by_code(db, campaign_ref, member_ref), base, db)


BALANCE_WRITE_ATTEMPTS = 32
"""How often a v1 balance change re-reads a card that other writes keep moving before it answers 409."""


def update_balance(db: Table, campaign_ref: str | None, member_ref: str, body: BalanceUpdate) -> dict[str, Any]:
    """POST .../members/{memberId}/balance: add or remove points at once (an APPROVED transaction and the counters together).

    The write is conditioned on the card's `balance` and `total` as read, so the answer is exactly the state this write
    made; when another write moved the card in between, the card is read again and the write retried."""
    if body.expiration_date is not None and body.expiration_date < now_iso()[:10]:
        raise LoyaltyError(400, "invalid_expiration_date", "Invalid Expiration Date", "Expiration date cannot be set in the past")
    amount = abs(body.points)
    tx_type = "ADMIN_CREDIT" if body.points > 0 else "ADMIN_DEBIT"
    details: dict[str, Any] = {"source_id": body.source_id}
    if tx_type == "ADMIN_CREDIT":
        expiration_type = {"CUSTOM_DATE": "CUSTOM_DATE", "PROGRAM_RULES": "PROGRAM_RULES"}.get(
            body.expiration_type or ("CUSTOM_DATE" if body.expiration_date else ""), "NO_EXPIRATION")
        details["points"] = {"total": body.points, "expiration_date": body.expiration_date, "expiration_type": expiration_type}
    deltas = ledger.deltas_for(tx_type, amount)
    card = card_by_code(db, campaign_ref, member_ref)
    for attempt in range(BALANCE_WRITE_ATTEMPTS):
        read = {"balance": card.get("balance", 0), "total": card.get("total", 0)}
        if tx_type == "ADMIN_DEBIT" and read["balance"] < amount:
            raise ledger.insufficient_balance()
        balance_after = {"total": read["total"] + deltas.get("total", 0), "balance": read["balance"] + ledger.balance_delta(deltas)}
        ctx = ledger.card_transaction(card, tx_type, body.points, body.reason, "APPROVED", **details, balance_after=balance_after)
        if tx_type == "ADMIN_DEBIT":
            moves = buckets.consumption_moves(db, card["id"], card["member_id"], amount)
        else:
            moves = buckets.credit_moves(db, dict(card), body.expiration_date, details["points"]["expiration_type"], amount)
        try:
            cards.record_settled_balance_change(db, ctx, deltas, amount if tx_type == "ADMIN_DEBIT" else None, read, moves.items,
                                                moves.marks)
            break
        except TransactionConflict as conflict:
            if not conflict.failed("card") and not buckets.failed_labels(conflict, "consume:"):
                raise
        fresh = members.get_card(db, card["member_id"], card["id"])
        if fresh is None:
            raise _voucher_not_found(card.get("code") or member_ref)
        card = fresh
        time.sleep(random.uniform(0.002, 0.01) * min(attempt + 1, 5))
    else:
        raise LoyaltyError(409, "concurrent_modification", "Concurrent modification",
                           "The card is being changed by many requests at once; retry the request")
    after = {"total": read["total"] + deltas.get("total", 0), "balance": read["balance"] + ledger.balance_delta(deltas)}
    return {
        "points": body.points,
        "total": after.get("total", 0),
        "balance": after.get("balance", 0),
        "type": "loyalty_card",
        "object": "balance",
        "related_object": {"type": "voucher", "id": card["voucher_id"]},
        "operation_type": "MANUAL",
    }
