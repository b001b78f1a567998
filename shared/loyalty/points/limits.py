"""The limits earning checks at write time: an earning rule's trigger limits per member (cooldown, frequency per
calendar period) and a card definition's global earning limits per card (balance-based, time-based), as the
conditional items and the caps of the one transaction that writes a card's earnings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from loyalty.cards.limits import cooldown_and_frequency
from loyalty.cards.store import ItemBuilder
from loyalty.db.table import Table
from loyalty.db.transact import Transaction
from loyalty.earning.periods import TTL_GRACE, cooldown_start, period_key

__all__ = ["TTL_GRACE", "EarningCap", "TriggerLimit", "cap_item", "cooldown_start", "earning_cap", "global_limit", "period_key",
           "trigger_limit"]

@dataclass(frozen=True)
class TriggerLimit:
    """The items that count one trigger of a rule for a member, refused (label `trigger:<rule>`) when the rule's cooldown
    has not passed or its frequency for the current period is used up."""

    rule_id: str
    items: tuple[ItemBuilder, ...]


def trigger_limit(db: Table, rule: Mapping[str, Any], member_id: str, at: str, tz: str) -> TriggerLimit | None:
    """The trigger limit of a rule for a member, or None when the rule has no cooldown and no frequency limit."""
    rule_id = str(rule["id"])
    label = f"trigger:{rule_id}"
    items = cooldown_and_frequency(rule.get("trigger_limits") or {}, db.keys.trigger_cooldown(member_id, rule_id),
                                   lambda period: db.keys.trigger_count(member_id, rule_id, period), at, tz,
                                   (f"{label}:cooldown", f"{label}:frequency"))
    return TriggerLimit(rule_id, tuple(items)) if items else None


@dataclass(frozen=True)
class EarningCap:
    """How many more points a card may earn now under its card definition's global limit, and the conditional items that
    hold the cap (label `cap`) while the points are written."""

    room: int
    expect: dict[str, int]
    period: tuple[str, datetime, int] | None  # a TIME_BASED limit: the period key, its end, the points earned in it as read


def global_limit(cdef: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The card definition's LIMITED global earning limit, or None."""
    group = (cdef.get("earning_limits") or {}).get("global") or {}
    limits = group.get("limits") or []
    return limits[0] if group.get("type") == "LIMITED" and limits else None


def earning_cap(db: Table, cdef: Mapping[str, Any], card: Mapping[str, Any], at: str, tz: str) -> EarningCap | None:
    """The cap the card definition's global earning limit puts on the card now (earning-map §2.1 step 10): BALANCE_BASED
    keeps balance + pending points ≤ max (the counters as read are expected unchanged by the write); TIME_BASED keeps the
    points earned in the current calendar period ≤ max (a counter item, expected unchanged). None: no global limit."""
    limit = global_limit(cdef)
    if limit is None:
        return None
    if limit.get("type") == "BALANCE_BASED":
        pending = int(card.get("pending_total", 0)) - int(card.get("pending_activated", 0)) - int(card.get("pending_canceled", 0))
        expect = {name: int(card.get(name, 0)) for name in ("balance", "pending_total", "pending_activated", "pending_canceled")}
        return EarningCap(max(int(limit["max"]) - int(card.get("balance", 0)) - max(pending, 0), 0), expect, None)
    key, ends = period_key(limit["period"]["current_period"]["unit"], at, tz)
    item = db.get(db.keys.earning_cap(str(card["id"]), key))
    earned = int(item["points"]) if item else 0
    return EarningCap(max(int(limit["points"]["max"]) - earned, 0), {}, (key, ends, earned))


def cap_item(db: Table, card_id: str, cap: EarningCap, points: int) -> ItemBuilder | None:
    """The TIME_BASED counter's update for `points` more (refused, label `cap`, when it moved since it was read)."""
    if cap.period is None or points <= 0:
        return None
    key, ends, earned = cap.period

    def build(tx: Transaction, chosen: str) -> None:
        condition = "attribute_not_exists(points)" if earned == 0 else "points = :read"
        values: dict[str, Any] = {"n": points, "ttl": int((ends + TTL_GRACE).timestamp())}
        if earned:
            values["read"] = earned
        tx.update(chosen, db.keys.earning_cap(card_id, key), "ADD points :n SET expires_at = :ttl", condition=condition, values=values)
    return ("cap", build)
