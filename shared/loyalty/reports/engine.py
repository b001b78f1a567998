"""Pure report arithmetic: what an approved card transaction adds to each aggregate, and how days fold into periods."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from loyalty.core.listing import invalid_query
from loyalty.v1.models import TIER_CHANGE_EVENTS

CARD_COUNTERS = (
    "points_total", "points_earned", "points_added", "points_purchased", "points_purchased_reversed", "points_subtracted",
    "points_expired", "points_spent", "points_refunded", "points_returned", "points_locked", "points_unlocked",
    "pending_points_total", "pending_points_activated", "pending_points_canceled",
)
EARNING_COUNTERS = ("success_count", "points", "pending_points")
SPENDING_COUNTERS = ("success", "success_on_reward", "success_on_order", "points", "points_on_rewards", "points_on_order",
                     "amount_on_order")

# card counter a transaction type moves (by the absolute value of its points), besides points_total
_CARD_FAMILY = {
    "POINTS_EARNED": "points_earned", "POINTS_ACCRUAL": "points_earned",
    "ADMIN_CREDIT": "points_added", "POINTS_TRANSFER_IN": "points_added",
    "ADMIN_DEBIT": "points_subtracted", "POINTS_TRANSFER_OUT": "points_subtracted",
    "POINTS_PURCHASED": "points_purchased", "POINTS_PURCHASE_REVERSED": "points_purchased_reversed",
    "POINTS_EXPIRED": "points_expired",
    "POINTS_SPENT_ON_REWARD": "points_spent", "POINTS_SPENT_ON_ORDER": "points_spent", "POINTS_REDEMPTION": "points_spent",
    "POINTS_REFUNDED": "points_refunded", "POINTS_REFUND": "points_refunded",
    "POINTS_RETURNED": "points_returned",
    "PENDING_POINTS_ACTIVATED": "pending_points_activated",
    "PENDING_POINTS_CANCELED": "pending_points_canceled",
}
PENDING_ONLY = frozenset({"PENDING_POINTS_ADDED", "PENDING_POINTS_CANCELED"})
"""Types that move pending points only (not the balance)."""
EARNING_TYPES = frozenset({"POINTS_EARNED", "PENDING_POINTS_ADDED"})
SPENDING_TYPES = {"POINTS_SPENT_ON_REWARD": "reward", "POINTS_SPENT_ON_ORDER": "order"}
LOCKING_TYPES = frozenset(SPENDING_TYPES)
"""Spends written PENDING (a reward purchase, an order payment): their points are locked on the card when accepted and
unlocked when settled (APPROVED: spent as well; REJECTED: given back). One written APPROVED at once locks nothing."""

RULE_COUNTERS = ("success_count", "failures_count")
"""The program earning-rule reports' counters; failures also count by reason (`failures_<reason>`, REFUSAL_REASONS)."""
REFUSAL_REASONS = ("cooldown", "frequency")
"""Why an earning rule's evaluation failed, as the failures breakdown names it (the rule's trigger limits refused it)."""

MAX_RANGE = {"day": 90, "week": 12, "month": 12, "quarter": 4}
RESOLUTIONS = tuple(MAX_RANGE)


@dataclass
class Effects:
    """What one approved card transaction adds to the aggregates (each: key parts -> counter -> amount)."""

    day: str
    card: dict[str, int] = field(default_factory=dict)
    earning: tuple[str, str, str] | None = None  # (earning rule, earning item, card definition)
    earning_counts: dict[str, int] = field(default_factory=dict)
    spending: str | None = None  # card definition
    spending_counts: dict[str, int] = field(default_factory=dict)
    applied: tuple[str, str, str, str] | None = None  # an earning rule applied: (source, rule, member, program)
    unlocked: tuple[str, int] | None = None  # a PENDING spend settled: (day of the settlement, points unlocked)

    def card_days(self) -> dict[str, dict[str, int]]:
        """The card's counters per day: the transaction's own on its day, the points it unlocked on the settlement's."""
        rows = {self.day: dict(self.card)} if self.card else {}
        if self.unlocked is not None:
            day, points = self.unlocked
            row = rows.setdefault(day, {})
            row["points_unlocked"] = row.get("points_unlocked", 0) + points
        return rows


def points_of(ctx: Mapping[str, Any]) -> int:
    """The signed points of a card transaction (`details.points.total`)."""
    return int(((ctx.get("details") or {}).get("points") or {}).get("total") or 0)


def locked_points(ctx: Mapping[str, Any]) -> int:
    """The points a PENDING spend locks when accepted and unlocks when settled (0 for any other type)."""
    return abs(points_of(ctx)) if str(ctx.get("type") or "") in LOCKING_TYPES else 0


def effects(ctx: Mapping[str, Any], day: str, settled_on: str | None = None) -> Effects:
    """The counters an APPROVED card transaction moves, on the day it was made (`day`, in the project time zone); with
    `settled_on` (it was PENDING until then), also the points its approval unlocks, on that day."""
    kind, points = str(ctx.get("type") or ""), points_of(ctx)
    out = Effects(day)
    if settled_on is not None and locked_points(ctx):
        out.unlocked = (settled_on, locked_points(ctx))
    card: dict[str, int] = {}
    if kind not in PENDING_ONLY:
        card["points_total"] = points
    family = _CARD_FAMILY.get(kind)
    if family:
        card[family] = abs(points)
    if kind == "PENDING_POINTS_ADDED":
        card["pending_points_total"] = points
    elif kind in ("PENDING_POINTS_ACTIVATED", "PENDING_POINTS_CANCELED"):
        card["pending_points_total"] = -abs(points)
    out.card = {name: amount for name, amount in card.items() if amount}
    details = ctx.get("details") or {}
    metadata = details.get("metadata") or {}
    rule = metadata.get("earning_rule_id")
    if kind in EARNING_TYPES and rule:
        out.earning = (str(rule), str(metadata.get("earning_item_id") or ""), str(ctx.get("card_definition_id") or ""))
        out.earning_counts = {"success_count": 1, "pending_points" if kind == "PENDING_POINTS_ADDED" else "points": abs(points)}
    if kind in EARNING_TYPES and rule and ctx.get("member_id"):
        out.applied = _application(ctx, str(rule))
    target = SPENDING_TYPES.get(kind)
    if target:
        spent = abs(points)
        out.spending = str(ctx.get("card_definition_id") or "")
        counts = {"success": 1, "points": spent}
        if target == "reward":
            counts.update(success_on_reward=1, points_on_rewards=spent)
        else:
            counts.update(success_on_order=1, points_on_order=spent)
            amount = (details.get("order") or {}).get("amount")
            if amount:
                counts["amount_on_order"] = int(amount)
        out.spending_counts = counts
    return out


# ---------------------------------------------------------------------------------------------- tier moves
TIER_COUNTERS = ("joins", "upgrades", "downgrades", "lefts", "prolongs")
# What a tier transaction's change counts, per side (`to`: the tier entered or kept; `from`: the tier left), as the
# report fields say: `joins` members who joined the tier (from none or from another tier), `upgrades`/`downgrades` moves
# into the tier, `lefts` members who left it (to none or to another tier), `prolongs` prolongations of it: one counter per
# v1 tier event the change fires (v1/models.py TIER_CHANGE_EVENTS), which read the change the same way.
_EVENT_COUNTERS = {"joined": "joins", "upgraded": "upgrades", "downgraded": "downgrades", "left": "lefts",
                   "prolonged": "prolongs"}
_TIER_MOVES: dict[str, tuple[tuple[str, str], ...]] = {
    change: tuple((side, _EVENT_COUNTERS[event]) for event, side in events) for change, events in TIER_CHANGE_EVENTS.items()}


def tier_moves(ttx: Mapping[str, Any]) -> list[tuple[str, str, dict[str, int]]]:
    """The (tier structure, tier, counters) rows a tier transaction adds to, in tier order (an upgrade or downgrade moves
    two tiers: the one entered and the one left); empty for an unknown change or one naming no tier."""
    details = ttx.get("details") or {}
    kind = str(ttx.get("type") or "")
    left = kind == "LEFT"  # its tier_id is the tier left; any other change's is the tier entered or kept
    sides = {"to": details.get("tier_to") or (None if left else ttx.get("tier_id")),
             "from": details.get("tier_from") or (ttx.get("tier_id") if left else None)}
    structure = str(ttx.get("tier_structure_id") or "")
    rows: dict[str, dict[str, int]] = {}
    for side, counter in _TIER_MOVES.get(kind, ()):
        tier = sides[side]
        if tier and structure:
            counts = rows.setdefault(str(tier), {})
            counts[counter] = counts.get(counter, 0) + 1
    return [(structure, tier, counts) for tier, counts in sorted(rows.items())]


def tier_summary_id(program_id: str, structure_id: str, tier_id: str) -> str:
    """The `lptrs_` id of a program's summary row of one tier: derived from what it counts, so every writer names the row
    alike without reading it first."""
    return "lptrs_" + hashlib.sha256(f"{program_id}#{structure_id}#{tier_id}".encode()).hexdigest()[:18]


def _application(ctx: Mapping[str, Any], rule: str) -> tuple[str, str, str, str]:
    """(source, rule, member, program) of an earning transaction: a rule applied once per source and member, however
    many card transactions (cards, effects) it wrote; a transaction naming no source is a source of its own."""
    metadata = (ctx.get("details") or {}).get("metadata") or {}
    source = str(metadata.get("event_id") or ctx["id"])
    return source, rule, str(ctx["member_id"]), str(ctx["program_id"])


def failures_breakdown(row: Mapping[str, Any]) -> dict[str, int]:
    """The failures by reason of an earning-rule aggregate row (`{}` without failures; reasons that never failed left out)."""
    return {reason: int(row[f"failures_{reason}"]) for reason in REFUSAL_REASONS if int(row.get(f"failures_{reason}") or 0)}


# ---------------------------------------------------------------------------------------------- periods
def parse_range(start: str | None, end: str | None, resolution: str | None) -> tuple[date, date, str]:
    """The report's range and resolution, checked as the spec says (400 `invalid_query_params` otherwise)."""
    if resolution not in MAX_RANGE:
        raise invalid_query(f"resolution must be one of {', '.join(RESOLUTIONS)}")
    days: list[date] = []
    for name, value in (("start_date", start), ("end_date", end)):
        try:
            if value is None or len(value) != 10:
                raise ValueError
            days.append(date.fromisoformat(value))
        except ValueError:
            raise invalid_query(f"{name} must be a date in YYYY-MM-DD format") from None
    first, last = days
    if last < first:
        raise invalid_query("end_date must not be before start_date")
    if len(period_starts(first, last, str(resolution))) > MAX_RANGE[str(resolution)]:
        raise invalid_query(f"The range is too long for resolution {resolution}: at most {MAX_RANGE[str(resolution)]} "
                              f"{resolution}s")
    return first, last, str(resolution)


def period_start(day: date, resolution: str) -> date:
    """The first day of the period (ISO week from Monday, calendar month or quarter) holding `day`."""
    if resolution == "week":
        return day - timedelta(days=day.weekday())
    if resolution == "month":
        return day.replace(day=1)
    if resolution == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day


def period_starts(first: date, last: date, resolution: str) -> list[date]:
    """The periods a range touches, each named by its first day."""
    starts: list[date] = []
    day = first
    while day <= last:
        start = period_start(day, resolution)
        if not starts or starts[-1] != start:
            starts.append(start)
        day += timedelta(days=1)
        if len(starts) > max(MAX_RANGE.values()):  # too long for any resolution: no need to walk the rest
            break
    return starts


def fold(rows: Iterable[tuple[str, tuple[str, ...], Mapping[str, Any]]], resolution: str, counters: tuple[str, ...],
         first: date) -> list[tuple[str, tuple[str, ...], dict[str, int]]]:
    """Sum daily rows (day, dimensions, counters) into periods: one row per period start (clipped to `first`, so a
    report's first period is named by its start date) and dimensions, in period then dimension order."""
    sums: dict[tuple[str, tuple[str, ...]], dict[str, int]] = {}
    for day, dims, values in rows:
        start = max(period_start(date.fromisoformat(day), resolution), first).isoformat()
        into = sums.setdefault((start, dims), dict.fromkeys(counters, 0))
        for name in counters:
            into[name] += int(values.get(name) or 0)
    return [(start, dims, values) for (start, dims), values in sorted(sums.items())]
