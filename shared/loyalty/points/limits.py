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
from loyalty.core.clock import now_ms
from loyalty.db.table import Table
from loyalty.db.transact import Transaction, TransactionConflict
from loyalty.earning.periods import TTL_GRACE, cooldown_start, period_key

__all__ = ["TTL_GRACE", "EarningCap", "TriggerLimit", "cap_item", "cooldown_start", "earning_cap", "global_limit", "period_key",
           "record_refusal", "refusal_reasons", "trigger_limit"]

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


REFUSAL_MARK_TTL_SECONDS = 7 * 24 * 3600
"""A refusal's marker outlives any redelivery of the job that evaluated the rule (the queue keeps a message 4 days)."""


def refusal_reasons(labels: list[str]) -> dict[str, str]:
    """Rule id -> why its trigger limit refused (`cooldown` before `frequency`), from the failed `trigger:` labels."""
    found: dict[str, str] = {}
    for label in sorted(labels):  # "...:cooldown" sorts before "...:frequency" for the same rule
        _, rule_id, reason = label.split(":", 2)
        found.setdefault(rule_id, reason)
    return found


def record_refusal(db: Table, program_id: str, member_id: str, rule_id: str, source_id: str, reason: str, day: str) -> bool:
    """Count an earning rule's failed evaluation (its trigger limit refused it) in the program's earning-rule report
    rows, once per source, rule and member: one TransactWriteItems with a marker put on condition that it does not exist,
    so a redelivered job refused again counts nothing. False when it was counted before."""
    tx = db.transaction()
    tx.put("refused", db.keys.rule_refused(source_id, rule_id, member_id),
           {"day": day, "reason": reason, "expires_at": now_ms() // 1000 + REFUSAL_MARK_TTL_SECONDS})
    names = {"#n": "failures_count", "#r": f"failures_{reason}", "#e": "earning_rule_id", "#d": "date"}
    values = {"one": 1, "rule": rule_id, "day": day}
    tx.update("rule_day", db.keys.rules_report_day(program_id, day, rule_id), "SET #e = :rule, #d = :day ADD #n :one, #r :one",
              condition=None, names=names, values=values)
    tx.update("rule_summary", db.keys.rules_summary_row(program_id, rule_id), "SET #e = :rule ADD #n :one, #r :one",
              condition=None, names={k: v for k, v in names.items() if k != "#d"}, values={k: v for k, v in values.items() if k != "day"})
    try:
        tx.commit()
    except TransactionConflict as conflict:
        if conflict.failed("refused"):
            return False
        raise
    return True


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
