"""The v2 earning engine: an order or a custom event and the stored earning rules in, points and benefits out (no I/O).

Follows earning-map §2: for every rule (ACTIVE, trigger matching, inside its window) and every membership the rule's program
gives, the FIRST earning whose tier rules and rules group hold applies ALL its effects; every matching rule applies.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from loyalty.earning.conditions import MISSING, NotEvaluable, Reader, Report, group_holds
from loyalty.earning.records import (
    CUSTOM_EVENT,
    ORDER_PAID,
    PENDING_POINTS_ADDED,
    POINTS_EARNED,
    SEGMENT_ENTERED,
    BenefitGrant,
    Card,
    EarningContext,
    Evaluation,
    Item,
    Membership,
    Skip,
    Unsupported,
)
from loyalty.earning.records import Earning as PointsEarning

# ---------------------------------------------------------------------------------------------------------------------
# Time
# ---------------------------------------------------------------------------------------------------------------------


def instant(value: datetime | str) -> datetime:
    """An aware UTC datetime from a datetime (naive = UTC) or an ISO 8601 string."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def day_of_week(local: datetime) -> int:
    """The spec's day number: 0 = Sunday … 6 = Saturday."""
    return (local.weekday() + 1) % 7


def _shifted(start: datetime, period: Mapping[str, Any], times: int) -> datetime:
    """`start` moved forward `times` periods of calendar `months` + `seconds` (the day clamped to the month's length)."""
    total = start.month - 1 + int(period["months"]) * times
    year, month = start.year + total // 12, total % 12 + 1
    moved = start.replace(year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1]))
    return moved + timedelta(seconds=float(period["seconds"]) * times)


def in_timeframe(frame: Mapping[str, Any], now: datetime) -> bool:
    """Inside a recurring window (v1 `validity_timeframe`): open for `duration` at the start of every `interval`, counted
    from `start_date`; each period is `{months, seconds}`."""
    start, interval = instant(frame["start_date"]), frame["interval"]
    if now < start:
        return False
    step = float(interval["months"]) * 30.436875 * 86400 + float(interval["seconds"])  # an average month
    if step <= 0:
        return True
    times = int((now - start).total_seconds() // step)
    while times > 0 and _shifted(start, interval, times) > now:
        times -= 1
    while _shifted(start, interval, times + 1) <= now:
        times += 1
    return now < _shifted(_shifted(start, interval, times), frame["duration"], 1)


def in_window(rule: Mapping[str, Any], now: datetime, local: datetime) -> bool:
    """`start_date` ≤ now ≤ `end_date` (instants), inside the recurring `validity_timeframe` when the rule has one (a v1
    rule), and, for DAILY `validity_hours`, the local day and `HH:mm` inside one window, `start_time` inclusive,
    `end_time` exclusive; a window whose end is before its start runs overnight."""
    start, end = rule.get("start_date"), rule.get("end_date")
    if start and now < instant(start):
        return False
    if end and now > instant(end):
        return False
    if rule.get("validity_timeframe") and not in_timeframe(rule["validity_timeframe"], now):
        return False
    hours = rule.get("validity_hours") or {}
    if hours.get("type") != "DAILY":
        return True
    day, hhmm = day_of_week(local), local.strftime("%H:%M")
    for window in hours.get("daily") or []:
        if day not in window.get("days_of_week", ()):
            continue
        begin, finish = window["start_time"], window["end_time"]
        if (begin <= hhmm < finish) if begin <= finish else (hhmm >= begin or hhmm < finish):
            return True
    return False


# ---------------------------------------------------------------------------------------------------------------------
# What rules read (earning-map §2.2)
# ---------------------------------------------------------------------------------------------------------------------

SUPPORTED_RULE_NAMES = frozenset({
    "customer.metadata",
    "order.amount",
    "order.initial_amount",
    "order.total_amount",
    "order.metadata",
    "order.items.count",
    "order.items.quantity",
    "custom_event.metadata",
})
"""The rule names earning-map §2.2 proposes to ship first; the others evaluate as false and are reported (E23)."""


def _metadata_value(metadata: Mapping[str, Any], rule: Mapping[str, Any]) -> Any:
    prop = rule.get("property")
    if not prop:
        raise NotEvaluable("rules.property", f"rule {rule.get('name')!r} names no metadata property")
    return metadata.get(prop, MISSING)


def rule_reader(context: EarningContext) -> Reader:
    """The reader the conditions evaluate against: the value each supported rule name reads from the context."""

    def read(rule: Mapping[str, Any]) -> Any:
        name = rule.get("name")
        if name not in SUPPORTED_RULE_NAMES:
            raise NotEvaluable(f"rules.name.{name}", f"rule name {name!r} is not evaluated yet (earning-map §2.2, E23)")
        if name == "customer.metadata":
            return _metadata_value(context.customer_metadata, rule)
        if name == "custom_event.metadata":
            event = context.event
            if event is None:
                return MISSING
            if rule.get("schema_id") and rule["schema_id"] != event.schema_id:
                return MISSING
            return _metadata_value(event.metadata, rule)
        order = context.order
        if order is None:
            return MISSING
        if name == "order.metadata":
            return _metadata_value(order.metadata, rule)
        if name == "order.amount":
            return order.pre_discount()
        if name == "order.initial_amount":
            return order.initial_amount if order.initial_amount is not None else order.pre_discount()
        if name == "order.total_amount":
            return order.post_discount()
        if name == "order.items.count":
            return len(order.items)
        return sum(item.quantity or 0 for item in order.items)  # order.items.quantity

    return read


# ---------------------------------------------------------------------------------------------------------------------
# Points (earning-map §2.3, E6)
# ---------------------------------------------------------------------------------------------------------------------


def _exact(value: Any) -> Fraction | None:
    """A JSON number as an exact fraction (a float through its shortest decimal text: 0.7 is 7/10); None if not a finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float):
        return Fraction(repr(value)) if math.isfinite(value) else None
    return Fraction(value)


def proportional(base: Any, every: int, value: Any) -> int:
    """`floor(floor(base / every) * value)` (earning-map §2.3, E6), exact for any size; a missing, non-numeric or
    negative base gives 0. Amounts are in minor units like the order (`every: 100` = one currency unit, §11.1)."""
    exact_base, exact_value = _exact(base), _exact(value)
    if exact_base is None or exact_value is None or exact_base <= 0 or every <= 0 or exact_value <= 0:
        return 0
    return math.floor(math.floor(exact_base / every) * exact_value)


def _item_matches(item: Item, selectors: Sequence[Mapping[str, Any]], report: Report) -> bool:
    """An item matches when one selector names its product or SKU (`product_id`/`sku_id`, E23); it counts once."""
    matched = False
    for selector in selectors:
        kind = selector.get("type")
        if kind == "product" and item.product_id and item.product_id == (selector.get("product") or {}).get("id"):
            matched = True
        elif kind == "sku" and item.sku_id and item.sku_id == (selector.get("sku") or {}).get("id"):
            matched = True
        elif kind == "products_collection":
            report("applicable_to.products_collection", "products collections never match until products exist (E23)")
    return matched


def _items_base(context: EarningContext, config: Mapping[str, Any], key: str, report: Report) -> int:
    order = context.order
    if order is None:
        return 0
    items = [item for item in order.items if _item_matches(item, config.get("applicable_to") or (), report)]
    if key == "amount":
        return sum(item.line_amount() or 0 for item in items)
    if key == "subtotal_amount":
        return sum(item.subtotal() or 0 for item in items)
    # quantity, "excluding free items" (D-L1ER): an item whose known subtotal is 0 is free
    return sum(item.quantity or 0 for item in items if item.subtotal() != 0)


def effect_points(effect: Mapping[str, Any], context: EarningContext, report: Report) -> int:
    """The points of a POINTS (`value`) or POINTS_PROPORTIONAL effect, per `calculation_type` (earning-map §2.3 table)."""
    if effect["type"] == "POINTS":
        return int(effect["points"]["value"])
    config = effect["points_proportional"]
    kind = config["calculation_type"]
    order, event = context.order, context.event
    base: Any
    if kind in ("PRE_DISCOUNT_ORDER_AMOUNT", "POST_DISCOUNT_ORDER_AMOUNT", "ORDER_METADATA_VALUE"):
        key = {"PRE_DISCOUNT_ORDER_AMOUNT": "amount", "POST_DISCOUNT_ORDER_AMOUNT": "total_amount"}.get(kind, "metadata")
        every = config["order"][key]
        if order is None:
            base = 0
        elif key == "amount":
            base = order.pre_discount()
        elif key == "total_amount":
            base = order.post_discount()
        else:
            base = order.metadata.get(every["property"])
    elif kind == "CUSTOMER_METADATA_VALUE":
        every = config["customer"]["metadata"]
        base = context.customer_metadata.get(every["property"])
    elif kind == "CUSTOM_EVENT_METADATA_VALUE":
        every = config["custom_event"]["metadata"]
        base = event.metadata.get(every["property"]) if event is not None else 0
    else:
        key = {"PRE_DISCOUNT_ORDER_ITEMS_AMOUNT": "amount", "POST_DISCOUNT_ORDER_ITEMS_AMOUNT": "subtotal_amount"}.get(kind, "quantity")
        every = config["order_items"][key]
        base = _items_base(context, every, key, report)
    return proportional(base, int(every["every"]), every["value"])


# ---------------------------------------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------------------------------------


def trigger_matches(trigger: Mapping[str, Any], context: EarningContext) -> bool:
    """Same `trigger.event`; a custom-event rule also needs the event's schema (E18), a segment rule the entered segment."""
    event = trigger.get("event")
    if event != context.trigger:
        return False
    if event == CUSTOM_EVENT:
        schema = context.event.schema_id if context.event else None
        return schema is not None and (trigger.get("custom_event") or {}).get("schema_id") == schema
    if event == SEGMENT_ENTERED:
        return context.segment_id is not None and (trigger.get("segment") or {}).get("id") == context.segment_id
    return True


def _limited_trigger(rule: Mapping[str, Any]) -> list[str]:
    """The trigger limits that need stored counters: a FIXED_COOLDOWN, a LIMITED frequency."""
    limits = rule.get("trigger_limits") or {}
    found = []
    if (limits.get("cooldown") or {}).get("type", "NO_COOLDOWN") != "NO_COOLDOWN":
        found.append("trigger_limits.cooldown")
    if (limits.get("frequency") or {}).get("type", "NO_LIMIT") != "NO_LIMIT":
        found.append("trigger_limits.frequency")
    return found


def tiers_hold(tier_rules: Mapping[str, Any] | None, membership: Membership, report: Report) -> bool:
    """NO_REQUIREMENTS holds; ANY_OF holds when the member's current tiers include one listed (needs `tier_ids`)."""
    if not tier_rules or tier_rules.get("type", "NO_REQUIREMENTS") == "NO_REQUIREMENTS":
        return True
    if membership.tier_ids is None:
        report("tier_rules", "the member's tiers are not known to the engine")
        return False
    wanted = {tier for group in tier_rules.get("any_of") or [] for tier in group.get("tier_ids") or []}
    return bool(wanted & membership.tier_ids)


def idempotency_key(source_id: str, rule_id: str, earning_id: str, effect_index: int, target_id: str) -> str:
    """The deterministic key of one effect on one card (or member, for benefits): earning-map §12, DESIGN §3."""
    return f"{source_id}:{rule_id}:{earning_id}:{effect_index}:{target_id}"


def _transaction_limit(card: Card, points: int, context: EarningContext) -> str | None:
    """A per-transaction card earning limit the points break (E3: POINTS max rejects in full; E4: SPENDING min_amount
    against the order's post-discount total, order triggers only), or None."""
    transactions = (card.earning_limits or {}).get("transactions") or {}
    if transactions.get("type") != "LIMITED":
        return None
    for limit in transactions.get("limits") or []:
        if limit.get("type") == "POINTS" and points > limit["max"]:
            return "transaction_points_limit"
        if limit.get("type") == "SPENDING" and context.order is not None and context.order.post_discount() < limit["min_amount"]:
            return "transaction_spending_minimum"
    return None


class _Run:
    """Accumulates one evaluation's results."""

    def __init__(self, context: EarningContext) -> None:
        self.context = context
        self.earnings: list[PointsEarning] = []
        self.benefits: list[BenefitGrant] = []
        self.skipped: list[Skip] = []
        self.unsupported: list[Unsupported] = []
        self._seen: set[tuple[str, str, str | None, str | None]] = set()
        self.read = rule_reader(context)

    def unsupported_feature(self, rule_id: str, feature: str, detail: str, earning_id: str | None = None, member_id: str | None = None) -> None:
        key = (rule_id, feature, earning_id, member_id)
        if key not in self._seen:
            self._seen.add(key)
            self.unsupported.append(Unsupported(rule_id, feature, detail, earning_id, member_id))

    def result(self) -> Evaluation:
        return Evaluation(tuple(self.earnings), tuple(self.benefits), tuple(self.skipped), tuple(self.unsupported))


def _earning_id(earning: Mapping[str, Any], index: int) -> str:
    return str(earning.get("id") or f"#{index}")


def _apply_effects(run: _Run, rule: Mapping[str, Any], earning: Mapping[str, Any], index: int, membership: Membership) -> None:
    context, rule_id = run.context, rule["id"]
    earning_id = _earning_id(earning, index)
    source = context.source_id()

    def report(feature: str, detail: str) -> None:
        run.unsupported_feature(rule_id, feature, detail, earning_id, membership.member_id)

    for effect_index, effect in enumerate(earning.get("effects") or []):
        kind = effect.get("type")
        if kind == "BENEFIT":
            benefit_id = effect["benefit"]["id"]
            run.benefits.append(BenefitGrant(rule_id, earning_id, index, effect_index, benefit_id, membership.member_id,
                                             membership.program_id,
                                             idempotency_key(source, rule_id, earning_id, effect_index, membership.member_id)))
            continue
        config = effect["points"] if kind == "POINTS" else effect["points_proportional"]
        cards = [card for card in membership.cards if card.card_definition_id == config["card_definition_id"]]
        if not cards:
            run.skipped.append(Skip(rule_id, membership.member_id, "no_card", earning_id, effect_index))
            continue
        points = effect_points(effect, context, report)
        for card in cards:
            if points <= 0:
                run.skipped.append(Skip(rule_id, membership.member_id, "zero_points", earning_id, effect_index))
                continue
            broken = _transaction_limit(card, points, context)
            if broken:
                run.skipped.append(Skip(rule_id, membership.member_id, broken, earning_id, effect_index))
                continue
            if ((card.earning_limits or {}).get("global") or {}).get("type") == "LIMITED":
                report("card.earning_limits.global", f"card {card.id}: balance- and time-based caps need the card's counters")
            pending = card.pending_points_type not in (None, "", "IMMEDIATE")
            run.earnings.append(PointsEarning(
                rule_id=rule_id,
                rule_name=str(rule.get("name") or ""),
                earning_id=earning_id,
                earning_index=index,
                effect_index=effect_index,
                effect_type=str(kind),
                card_id=card.id,
                card_definition_id=card.card_definition_id,
                member_id=membership.member_id,
                program_id=membership.program_id,
                points=points,
                transaction_type=PENDING_POINTS_ADDED if pending else POINTS_EARNED,
                reason=f"{membership.program_name} / {rule.get('name') or ''}",
                metadata={"member_id": membership.member_id, "program_id": membership.program_id,
                          "earning_item_id": earning_id, "earning_rule_id": rule_id},
                points_expiration=config.get("points_expiration"),
                idempotency_key=idempotency_key(source, rule_id, earning_id, effect_index, card.id),
            ))


def _evaluate_membership(run: _Run, rule: Mapping[str, Any], membership: Membership, day: int) -> None:
    rule_id = rule["id"]
    for index, earning in enumerate(rule.get("earnings") or []):
        earning_id = _earning_id(earning, index)

        def report(feature: str, detail: str, earning_id: str = earning_id) -> None:
            run.unsupported_feature(rule_id, feature, detail, earning_id, membership.member_id)

        tiers_ok = tiers_hold(earning.get("tier_rules"), membership, report)
        rules_ok = group_holds(earning.get("rules"), run.read, day, report)
        if tiers_ok and rules_ok:
            _apply_effects(run, rule, earning, index, membership)
            return
    run.skipped.append(Skip(rule_id, membership.member_id, "no_matching_earning"))


def _check_context(context: EarningContext) -> None:
    if context.trigger == ORDER_PAID and context.order is None:
        raise ValueError("a customer.order.paid context needs the order")
    if context.trigger == CUSTOM_EVENT and context.event is None:
        raise ValueError("a customer.custom_event context needs the event")
    if context.trigger == SEGMENT_ENTERED and context.segment_id is None:
        raise ValueError("a customer.segment.entered context needs the segment id")


def evaluate(context: EarningContext, rules: Iterable[Mapping[str, Any]]) -> Evaluation:
    """Evaluate stored earning rules for one trigger (earning-map §2.1 steps 4-9 and 11, and the pure part of step 10).

    Per rule: ACTIVE, trigger, window (project time zone), then per membership whose program holds the rule: the first
    earning whose tier rules and rules hold applies all its effects. Points go to the member's card of the effect's
    card definition; 0 points write nothing. Trigger limits and global card caps need stored counters: they are listed
    in `unsupported` for the writer to enforce, as is every rule part evaluated as false because it cannot be evaluated."""
    _check_context(context)
    now = instant(context.now)
    local = now.astimezone(ZoneInfo(context.timezone))
    day = day_of_week(local)
    run = _Run(context)
    for rule in rules:
        rule_id = str(rule["id"])
        if rule.get("status") != "ACTIVE":
            run.skipped.append(Skip(rule_id, None, "inactive"))
            continue
        if not trigger_matches(rule.get("trigger") or {}, context):
            run.skipped.append(Skip(rule_id, None, "trigger"))
            continue
        if not in_window(rule, now, local):
            run.skipped.append(Skip(rule_id, None, "validity"))
            continue
        members = [m for m in context.memberships if m.earning_rule_ids is None or rule_id in m.earning_rule_ids]
        if not members:
            run.skipped.append(Skip(rule_id, None, "no_membership"))
            continue
        for feature in _limited_trigger(rule):
            run.unsupported_feature(rule_id, feature, "per-member trigger counters are the writer's to check before writing")
        for membership in members:
            _evaluate_membership(run, rule, membership, day)
    return run.result()
