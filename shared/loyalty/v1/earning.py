"""v1 loyalty campaign earning rules: create (an array), list, get, update, delete, enable and disable them, and turn a
stored rule into the rule dict the earning engine evaluates (`engine_rule`, `engine_rules`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from loyalty.components.updates import given_fields, validate
from loyalty.core.clock import now_iso
from loyalty.core.errors import LoyaltyError, invalid_payload, not_found
from loyalty.core.ids import new_alnum_id
from loyalty.core.listing import only_parameters
from loyalty.core.logs import logger
from loyalty.db.table import ConditionFailed, Table
from loyalty.db.transact import TransactionConflict
from loyalty.earning import engine
from loyalty.v1 import store
from loyalty.v1.models import (
    ANY_TIER,
    PROPORTIONAL_SOURCES,
    TIER_EVENTS,
    CampaignEarningRuleCreate,
    CampaignEarningRuleUpdate,
    ItemsRatio,
    MetadataRatio,
    duration_parts,
    event_kind,
)

MAX_RULES_PER_PROJECT = 100
MAX_TIER_RULES_PER_CAMPAIGN = 25  # see _check_tier_rule_room
"""`POST /v1/loyalties/{campaignId}/earning-rules`: "up to 100 earning rules per project"."""
MAX_RULES_PER_REQUEST = MAX_RULES_PER_PROJECT - 1
"""One request's rules are written in one transaction with the project's count of rules, and a transaction holds at most
100 items."""
RULE_ID = re.compile(r"ern_[A-Za-z0-9]+")
MAX_RULE_ID = 64
LIST_PARAMETERS = ("limit", "page", "order")
DEFAULT_LIMIT = 10
RESOURCE = "earning_rule"


# ---------------------------------------------------------------------------------------------- errors
def _rule_not_found(rule_id: str) -> LoyaltyError:
    return not_found(RESOURCE, rule_id)


def _limit_exceeded() -> LoyaltyError:
    return LoyaltyError(400, "earning_rules_limit_exceeded", "Earning rules limit exceeded",
                        f"A project holds at most {MAX_RULES_PER_PROJECT} earning rules: delete some before creating more")


def _concurrent() -> LoyaltyError:
    return LoyaltyError(409, "concurrent_modification", "Concurrent modification",
                        "The earning rule was changed by another request since it was read; retry the request")


# ---------------------------------------------------------------------------------------------- campaign and rule lookup
def _require_campaign(db: Table, campaign_ref: str) -> dict[str, Any]:
    """A v1 loyalty campaign by id or name (as `service._require_campaign`); 404 `campaign`."""
    campaign = store.find_campaign(db, campaign_ref)
    if campaign is None or campaign.get("campaign_type") != "LOYALTY_PROGRAM":
        raise not_found("campaign", unquote(campaign_ref))
    return campaign


def _by_id(campaign_ref: str) -> str | None:
    """The campaign id the path names, when it has an id's shape (it may still be a name)."""
    ref = unquote(campaign_ref)
    return ref if store.CAMPAIGN_ID.fullmatch(ref) else None


def _campaign_and_rule(db: Table, campaign_ref: str, rule_ref: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The campaign (id or name) and its earning rule as stored (`{data, version}`): one BatchGetItem when the path names
    the campaign by id (by name: the name claim, the campaign, the rule). 404 `campaign`, then 404 `earning_rule`."""
    rule_id = unquote(rule_ref)
    well_formed = len(rule_id) <= MAX_RULE_ID and RULE_ID.fullmatch(rule_id) is not None
    campaign_id = _by_id(campaign_ref)
    campaign: dict[str, Any] | None = None
    stored: dict[str, Any] | None = None
    if campaign_id is not None and well_formed:
        campaign, stored = store.campaign_and_rule(db, campaign_id, rule_id)
    if campaign is None or campaign.get("campaign_type") != "LOYALTY_PROGRAM":
        campaign = _require_campaign(db, campaign_ref)
        stored = store.campaign_rule(db, campaign["id"], rule_id) if well_formed else None
    if stored is None:
        raise _rule_not_found(rule_id)
    return campaign, stored


def _check_validation_rules(validation_rule_ids: Iterable[str | None]) -> None:
    """This server keeps no validation rules (`/v1/validation-rules` is not part of it), so a rule naming one could never
    check it: 404 `validation_rule`, as for any unknown reference."""
    for validation_rule_id in validation_rule_ids:
        if validation_rule_id is not None:
            raise not_found("validation_rule", validation_rule_id)


# ---------------------------------------------------------------------------------------------- the rule object
def _ratio_view(ratio: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"every": ratio.every, "points": ratio.points}
    if isinstance(ratio, MetadataRatio):
        out["property"] = ratio.property
    if isinstance(ratio, ItemsRatio):
        items = ratio.items()
        out.update(object=items[0]["object"], id=items[0]["id"], applicable_to=items)
    return out


def _loyalty_view(body: CampaignEarningRuleCreate) -> dict[str, Any]:
    loyalty = body.loyalty
    if loyalty.type == "FIXED":
        return {"type": "FIXED", "points": loyalty.points}
    assert loyalty.calculation_type is not None
    container, key = PROPORTIONAL_SOURCES[loyalty.calculation_type]
    return {"type": "PROPORTIONAL", "calculation_type": loyalty.calculation_type, container: {key: _ratio_view(loyalty.ratio())}}


def _dump(model: BaseModel | None) -> Any:
    return model.model_dump(exclude_none=True) if model is not None else None


def rule_object(body: CampaignEarningRuleCreate, campaign_id: str, *, rule_id: str, created_at: str, updated_at: str | None,
                automation_id: str) -> dict[str, Any]:
    """The stored and returned earning rule (`v1:EarningRule`) for a validated request; optional parts only when set."""
    source: dict[str, Any] = {"object_id": campaign_id, "object_type": "campaign"}
    if body.source is not None and body.source.banner is not None:
        source = {"banner": body.source.banner, **source}
    optional: dict[str, Any] = {
        "segment": _dump(body.segment),
        "custom_event": _dump(body.custom_event),
        "loyalty_tier": _dump(body.loyalty_tier),
    }
    windows: dict[str, Any] = {
        "start_date": body.start_date,
        "expiration_date": body.expiration_date,
        "validity_timeframe": _dump(body.validity_timeframe),
        "validity_day_of_week": body.validity_day_of_week,
        "validity_hours": _dump(body.validity_hours),
        "pending_points": ({"period_type": body.pending_points.period_type or "DAY", "period_value": body.pending_points.period_value}
                           if body.pending_points is not None else None),
        "expiration_rules": _dump(body.expiration_rules),
    }
    return {
        "id": rule_id,
        "created_at": created_at,
        "updated_at": updated_at,
        "validation_rule_id": body.validation_rule_id,
        "loyalty": _loyalty_view(body),
        "event": body.event,
        **{k: v for k, v in optional.items() if v is not None},
        "source": source,
        "active": True if body.active is None else body.active,
        **{k: v for k, v in windows.items() if v is not None},
        "object": "earning_rule",
        "automation_id": automation_id,
        "metadata": body.metadata or {},
    }


def _request_of(rule: dict[str, Any]) -> dict[str, Any]:
    """The create request that builds `rule` again (what an update merges its fields into)."""
    out = {name: rule[name] for name in CampaignEarningRuleCreate.model_fields if rule.get(name) is not None and name != "source"}
    banner = (rule.get("source") or {}).get("banner")
    if banner is not None:
        out["source"] = {"banner": banner}
    return out


# ---------------------------------------------------------------------------------------------- endpoints
def create_earning_rules(db: Table, campaign_ref: str, body: Sequence[CampaignEarningRuleCreate]) -> list[dict[str, Any]]:
    """POST /v1/loyalties/{campaignId}/earning-rules: 1-99 rules, created together (one transaction) in array order, each
    answered as `v1:EarningRule`; 400 `earning_rules_limit_exceeded` past 100 rules in the project."""
    if not body:
        raise invalid_payload("Payload must contain at least one earning rule")
    if len(body) > MAX_RULES_PER_REQUEST:
        raise invalid_payload(f"Payload must contain at most {MAX_RULES_PER_REQUEST} earning rules")
    campaign = _require_campaign(db, campaign_ref)
    _check_validation_rules(entry.validation_rule_id for entry in body)
    _check_tier_rule_room(db, campaign["id"], sum(entry.event in TIER_EVENTS for entry in body))
    now = now_iso()
    rule_ids = sorted(new_alnum_id("ern_") for _ in body)  # time-ordered, and in array order within the request
    rules = [rule_object(entry, campaign["id"], rule_id=rule_id, created_at=now, updated_at=None,
                         automation_id=new_alnum_id("auto_"))
             for entry, rule_id in zip(body, rule_ids, strict=True)]
    try:
        store.create_rules(db, campaign["id"], rules, MAX_RULES_PER_PROJECT)
    except TransactionConflict as conflict:
        if conflict.failed("count"):
            raise _limit_exceeded() from None
        raise
    return rules


def _check_tier_rule_room(db: Table, campaign_id: str, adding: int) -> None:
    """400 past MAX_TIER_RULES_PER_CAMPAIGN tier-event rules: the rules a tier change fires are credited in the change's
    own transaction (two items each, of DynamoDB's 100 per transaction), so their number is bounded where they are made."""
    if not adding:
        return
    existing = sum(item["data"].get("event") in TIER_EVENTS for item in store.campaign_rules(db, campaign_id))
    if existing + adding > MAX_TIER_RULES_PER_CAMPAIGN:
        raise invalid_payload(f"A campaign may have at most {MAX_TIER_RULES_PER_CAMPAIGN} customer.loyalty.tier.* earning rules "
                              f"(it has {existing})")


def check_list_parameters(names: Iterable[str]) -> None:
    """Only `limit`, `page` and `order`, each at most once: 400 `invalid_query_params` otherwise."""
    only_parameters(names, LIST_PARAMETERS)


def _order_key(order: str) -> Any:
    field = order.lstrip("-")
    if field == "updated_at":
        return lambda rule: (rule.get("updated_at") or rule["created_at"], rule["id"])
    return lambda rule: (rule["created_at"], rule["id"])


def list_earning_rules(db: Table, campaign_ref: str, parameters: Iterable[tuple[str, str]] = (), limit: int | None = None,
                       page: int | None = None, order: str | None = None) -> dict[str, Any]:
    """GET /v1/loyalties/{campaignId}/earning-rules: a page (`limit` 1-100, default 10; `page` from 1) of the campaign's
    rules in creation order, or by ±created_at / ±updated_at (a rule never updated counts its creation); `total` counts
    them all. One Query when the path names the campaign by id. `parameters` (the query string's pairs) may name only
    limit, page and order, once each."""
    check_list_parameters(name for name, _ in parameters)
    campaign_id = _by_id(campaign_ref)
    campaign, stored = store.campaign_with_rules(db, campaign_id) if campaign_id else (None, [])
    if campaign is None or campaign.get("campaign_type") != "LOYALTY_PROGRAM":
        campaign = _require_campaign(db, campaign_ref)
        stored = store.campaign_rules(db, campaign["id"])
    rules = [item["data"] for item in stored]
    if order:
        rules.sort(key=_order_key(order), reverse=order.startswith("-"))
    size, number = limit or DEFAULT_LIMIT, page or 1
    return {"object": "list", "data_ref": "data", "data": rules[(number - 1) * size: number * size], "total": len(rules)}


def get_earning_rule(db: Table, campaign_ref: str, rule_ref: str) -> dict[str, Any]:
    """GET /v1/loyalties/{campaignId}/earning-rules/{earningRuleId}; 404 `campaign` / `earning_rule`."""
    _, stored = _campaign_and_rule(db, campaign_ref, rule_ref)
    return dict(stored["data"])


def _save(db: Table, campaign: dict[str, Any], stored: dict[str, Any], rule: dict[str, Any]) -> dict[str, Any]:
    try:
        store.save_rule(db, campaign["id"], rule, int(stored.get("version", 0)))
    except ConditionFailed:
        raise _concurrent() from None
    return rule


def update_earning_rule(db: Table, campaign_ref: str, rule_ref: str, body: CampaignEarningRuleUpdate) -> dict[str, Any]:
    """PUT .../earning-rules/{earningRuleId}: the given fields replace the rule's (`null` removes an optional one) and the
    result is validated like a create (400 `invalid_payload`); 409 `concurrent_modification` when it changed meanwhile."""
    campaign, stored = _campaign_and_rule(db, campaign_ref, rule_ref)
    _check_validation_rules([body.validation_rule_id])
    current = stored["data"]
    merged = _request_of(current)
    for name in given_fields(body):
        value = getattr(body, name)
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value.model_dump(exclude_none=True) if isinstance(value, BaseModel) else value
    rule = rule_object(validate(CampaignEarningRuleCreate, merged), campaign["id"], rule_id=current["id"],
                       created_at=current["created_at"], updated_at=now_iso(), automation_id=current["automation_id"])
    return _save(db, campaign, stored, rule)


def set_earning_rule_active(db: Table, campaign_ref: str, rule_ref: str, active: bool) -> dict[str, Any]:
    """POST .../earning-rules/{earningRuleId}/enable or /disable: the rule with `active` set."""
    campaign, stored = _campaign_and_rule(db, campaign_ref, rule_ref)
    rule = {**stored["data"], "active": active, "updated_at": now_iso()}
    return _save(db, campaign, stored, rule)


def delete_earning_rule(db: Table, campaign_ref: str, rule_ref: str) -> None:
    """DELETE .../earning-rules/{earningRuleId}: the rule is gone (204); 404 `campaign` / `earning_rule`."""
    campaign, stored = _campaign_and_rule(db, campaign_ref, rule_ref)
    try:
        store.delete_rule(db, campaign["id"], stored["data"]["id"])
    except TransactionConflict as conflict:
        if conflict.failed("rule"):  # deleted by a concurrent request
            raise _rule_not_found(stored["data"]["id"]) from None
        raise


# ---------------------------------------------------------------------------------------------- the engine's view
V2_CALCULATION_TYPES = {
    "ORDER_AMOUNT": "PRE_DISCOUNT_ORDER_AMOUNT",
    "ORDER_TOTAL_AMOUNT": "POST_DISCOUNT_ORDER_AMOUNT",
    "ORDER_METADATA": "ORDER_METADATA_VALUE",
    "ORDER_ITEMS_QUANTITY": "ORDER_ITEMS_QUANTITY",
    "ORDER_ITEMS_AMOUNT": "PRE_DISCOUNT_ORDER_ITEMS_AMOUNT",
    "ORDER_ITEMS_SUBTOTAL_AMOUNT": "POST_DISCOUNT_ORDER_ITEMS_AMOUNT",
    "CUSTOMER_METADATA": "CUSTOMER_METADATA_VALUE",
    "CUSTOM_EVENT_METADATA": "CUSTOM_EVENT_METADATA_VALUE",
}
"""v1 `loyalty.calculation_type` -> the v2 calculation type the engine computes (earning-map §11.1)."""
WHOLE_DAY = ("00:00", "24:00")  # a daily window the engine reads as the whole day (its end is exclusive)


def _trigger(rule: dict[str, Any]) -> dict[str, Any] | None:
    kind = event_kind(rule["event"])
    if kind == "order":
        return {"event": "customer.order.paid"}
    if kind == "segment":
        return {"event": "customer.segment.entered", "segment": {"id": rule["segment"]["id"]}}
    if kind == "custom":
        return {"event": "customer.custom_event", "custom_event": {"schema_id": rule["custom_event"]["schema_id"]}}
    return None  # tier changes: no v2 trigger, never evaluated by the engine


def _effect(loyalty: dict[str, Any], card_definition_id: str) -> dict[str, Any]:
    """The one v2 effect of a v1 `loyalty`: POINTS (`points` -> `value`) or POINTS_PROPORTIONAL on the campaign's cards."""
    if loyalty["type"] == "FIXED":
        return {"type": "POINTS", "points": {"value": loyalty["points"], "card_definition_id": card_definition_id}}
    kind = loyalty["calculation_type"]
    container, key = PROPORTIONAL_SOURCES[kind]
    ratio = loyalty[container][key]
    every: dict[str, Any] = {"every": ratio["every"], "value": ratio["points"]}
    if "property" in ratio:
        every["property"] = ratio["property"]
    if container == "order_items":
        every["applicable_to"] = [{"type": item["object"], item["object"]: {"id": item["id"]}} for item in ratio["applicable_to"]]
    return {"type": "POINTS_PROPORTIONAL", "points_proportional": {
        "calculation_type": V2_CALCULATION_TYPES[kind], "card_definition_id": card_definition_id, container: {key: every}}}


def _later(a: str | None, b: str | None) -> str | None:
    return max(a, b) if a and b else a or b


def _earlier(a: str | None, b: str | None) -> str | None:
    return min(a, b) if a and b else a or b


def _daily_windows(owner: dict[str, Any]) -> dict[str, Any] | None:
    """`validity_hours` (v1 `expiration_time` -> `end_time`) narrowed to `validity_day_of_week`, as the engine's DAILY windows."""
    days = owner.get("validity_day_of_week")
    hours = (owner.get("validity_hours") or {}).get("daily")
    if days is None and not hours:
        return None
    windows = [{"start_time": w["start_time"], "end_time": w["expiration_time"], "days_of_week": list(w["days_of_week"])}
               for w in hours or []] or [{"start_time": WHOLE_DAY[0], "end_time": WHOLE_DAY[1], "days_of_week": list(range(7))}]
    if days is not None:
        windows = [{**w, "days_of_week": sorted(set(w["days_of_week"]) & set(days))} for w in windows]
        windows = [w for w in windows if w["days_of_week"]]
    return {"type": "DAILY", "daily": windows}  # no window left: never valid


def _period(duration: str) -> dict[str, Any]:
    years, months, rest = duration_parts(duration)
    return {"months": years * 12 + months, "seconds": rest.total_seconds()}


def _timeframe(owner: dict[str, Any]) -> dict[str, Any] | None:
    """`validity_timeframe` counted from the owner's `start_date`, with its periods as calendar months + seconds."""
    frame = owner.get("validity_timeframe")
    if not frame or not owner.get("start_date"):
        return None
    return {"start_date": owner["start_date"], "interval": _period(frame["interval"]), "duration": _period(frame["duration"])}


def engine_rule(rule: dict[str, Any], campaign: dict[str, Any]) -> dict[str, Any] | None:
    """A stored v1 earning rule as the v2 earning-rule dict `loyalty.earning.engine.evaluate` reads; None for a tier rule
    (no v2 trigger: a tier change fires it through `fired_tier_rules`, with the same window).

    - trigger: `order.paid` -> customer.order.paid; `customer.segment.entered` (+ segment); a custom event name ->
      customer.custom_event (+ its `custom_event.schema_id`);
    - status ACTIVE when the rule and its campaign are active, else INACTIVE;
    - start_date / end_date: the rule's own `start_date` / `expiration_date` inside the campaign's dates (both apply);
      `validity_hours` (DAILY windows, narrowed to `validity_day_of_week`) and `validity_timeframe`: the rule's, or the
      campaign's when the rule has none of the three;
    - one earning with one effect on the campaign's cards (`card_definition_id` = the campaign id, as v1 cards carry):
      FIXED -> POINTS `value`; PROPORTIONAL -> POINTS_PROPORTIONAL with the v2 calculation type (V2_CALCULATION_TYPES),
      v1 `points` as `value`;
    - `v1`: what the engine does not read but the writer of a v1 earning needs (campaign, pending points, expiration)."""
    trigger = _trigger(rule)
    if trigger is None:
        return None
    campaign_id = campaign["id"]
    return {
        "id": rule["id"],
        "name": (rule.get("source") or {}).get("banner") or rule["event"],
        "status": "ACTIVE" if rule.get("active", True) and campaign.get("active", True) else "INACTIVE",
        "trigger": trigger,
        **_window(rule, campaign),
        "earnings": [{"rules": None, "tier_rules": {"type": "NO_REQUIREMENTS"}, "effects": [_effect(rule["loyalty"], campaign_id)]}],
        "trigger_limits": None,
        "v1": _v1_settings(rule, campaign),
    }


def _window(rule: dict[str, Any], campaign: dict[str, Any]) -> dict[str, Any]:
    """When a rule is valid, as the engine reads it (`start_date`, `end_date`, `validity_hours`, `validity_timeframe`):
    the rule's own dates inside the campaign's; the rule's recurring windows, or the campaign's when it has none."""
    own_window = any(rule.get(name) for name in ("validity_timeframe", "validity_day_of_week", "validity_hours"))
    window_owner = rule if own_window else campaign
    out: dict[str, Any] = {
        "start_date": _later(rule.get("start_date"), campaign.get("start_date")),
        "end_date": _earlier(rule.get("expiration_date"), campaign.get("expiration_date")),
        "validity_hours": _daily_windows(window_owner) or {"type": "ANY_TIME"},
    }
    timeframe = _timeframe(window_owner)
    if timeframe is not None:
        out["validity_timeframe"] = timeframe
    return out


def _v1_settings(rule: dict[str, Any], campaign: dict[str, Any]) -> dict[str, Any]:
    """What the writer of a v1 earning needs: campaign, event, pending points, expiration (the rule's or the campaign's)."""
    return {"campaign_id": campaign["id"], "event": rule["event"], "pending_points": rule.get("pending_points"),
            "expiration_rules": rule.get("expiration_rules") or (campaign.get("voucher") or {}).get("loyalty_card", {}).get(
                "expiration_rules")}


@dataclass(frozen=True)
class TierRuleFired:
    """A tier-event rule a tier change fires: the rule as stored, the event and tier it matched, its fixed points and the
    v1 settings its points follow (`_v1_settings`)."""

    rule: dict[str, Any]
    event: str
    tier_id: str
    points: int
    v1: dict[str, Any]


def fired_tier_rules(campaign: dict[str, Any], rules: Iterable[dict[str, Any]], events: Sequence[tuple[str, str]], at: str,
                     tz: str) -> list[TierRuleFired]:
    """The campaign's tier-event rules (in creation order) that the (event, tier id) pairs of a tier change fire: active,
    in an active campaign, inside their validity window at `at` (as `engine_rule` gives it to the engine for order.paid
    rules), with the event and the tier (or `__ANY__`) of a pair; FIXED points above 0 (PROPORTIONAL is refused at create
    and update; one stored before is skipped with a warning)."""
    if not campaign.get("active", True):
        return []
    now = engine.instant(at)
    local = now.astimezone(ZoneInfo(tz))
    out: list[TierRuleFired] = []
    for rule in rules:
        if rule.get("event") not in TIER_EVENTS or not rule.get("active", True):
            continue
        wanted = (rule.get("loyalty_tier") or {}).get("id")
        tier_id = next((tier for event, tier in events if event == rule["event"] and wanted in (tier, ANY_TIER)), None)
        if tier_id is None or not engine.in_window(_window(rule, campaign), now, local):
            continue
        loyalty = rule.get("loyalty") or {}
        if loyalty.get("type") != "FIXED":
            logger.warning("tier-event earning rule with points other than FIXED not applied", extra={"rule_id": rule["id"]})
            continue
        if int(loyalty.get("points") or 0) > 0:
            out.append(TierRuleFired(rule, rule["event"], tier_id, int(loyalty["points"]), _v1_settings(rule, campaign)))
    return out


def engine_rules(db: Table, campaign_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The active earning rules of these v1 campaigns as `engine_rule` gives them (tier rules left out), in creation order:
    one Query per campaign (it reads the campaign and its rules together); unknown campaigns give nothing."""
    out: list[dict[str, Any]] = []
    for campaign_id in dict.fromkeys(campaign_ids):
        campaign, stored = store.campaign_with_rules(db, campaign_id)
        if campaign is None or not campaign.get("active", True):
            continue
        for item in stored:
            if item["data"].get("active", True):
                converted = engine_rule(item["data"], campaign)
                if converted is not None:
                    out.append(converted)
    return out
