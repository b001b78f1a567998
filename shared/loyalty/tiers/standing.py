"""A member's standing in its program's tier structure (earning-map §8): the stored record, its evaluation when the tracked
value changes or a day comes (the engine's rules applied to one card), the tier transaction a change writes, and the
card's `tier_progress`. No I/O: the caller reads the card, the standing and the structure, and writes the outcome."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal, TypedDict

from loyalty.tiers import engine
from loyalty.tiers.engine import Decision, TierState

Origin = Literal["card_operations", "daily_task_operations", "member_card_created", "member_card_deleted"]


class Standing(TypedDict):
    """The stored standing of a member (one per member: a program has at most one tier structure, tracking one card
    definition). Dates are days in the project time zone (`YYYY-MM-DD`); `period_start` and `earned_base` track a
    POINT_EARNED structure's current period: the card's lifetime `earned` counter when that period began."""

    member_id: str
    program_id: str
    card_id: str
    card_definition_id: str
    tier_structure_id: str
    tier_id: str | None
    start_at: str | None
    expires_at: str | None
    grace_until: str | None
    period_start: str | None
    earned_base: int
    updated_at: str


@dataclass(frozen=True)
class Outcome:
    """An evaluation: the standing to store (None: nothing changed), the change it made (None: none), the tracked value."""

    standing: Standing | None
    decision: Decision
    value: int


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _text(value: date | None) -> str | None:
    return value.isoformat() if value else None


def state_of(standing: Mapping[str, Any] | None) -> TierState:
    """The engine's state of a stored standing (no tier when there is none)."""
    if not standing:
        return TierState(None)
    return TierState(standing.get("tier_id"), _day(standing.get("start_at")), _day(standing.get("expires_at")),
                     _day(standing.get("grace_until")))


def tracks(structure: Mapping[str, Any]) -> str:
    """The card definition a tier structure tracks."""
    sub = structure.get("point_balance") if structure.get("type") == "POINT_BALANCE" else structure.get("point_earned")
    return str((sub or {}).get("card_definition_id") or "")


def period_of(structure: Mapping[str, Any], day: date) -> tuple[date, date] | None:
    """The tracking period of a POINT_EARNED structure `day` falls in (None for POINT_BALANCE)."""
    if structure.get("type") != "POINT_EARNED":
        return None
    return engine.tracking_period((structure.get("point_earned") or {})["period"], day)


def tracked_value(structure: Mapping[str, Any], card: Mapping[str, Any], standing: Mapping[str, Any] | None, day: date,
                  earned_before: int | None = None) -> tuple[int, str | None, int]:
    """(value, period start, earned base): POINT_BALANCE ranks by the card's balance; POINT_EARNED by the points earned
    on the card in the current tracking period (E15: the card's `earned` counter less its value when the period began).
    When the period has turned since the standing was stored, the base is the card's `earned` just before the change
    being evaluated (`earned_before`), else its current `earned`: points counted from the first change seen in the period."""
    earned = int(card.get("earned", 0))
    period = period_of(structure, day)
    if period is None:
        return int(card.get("balance", 0)), None, 0
    start = period[0].isoformat()
    if standing and standing.get("period_start") == start:
        base = int(standing.get("earned_base", 0))
    else:
        base = earned_before if earned_before is not None else earned
    return max(earned - base, 0), start, base


def evaluate(structure: Mapping[str, Any], tiers: Sequence[Mapping[str, Any]], standing: Standing | None, card: Mapping[str, Any],
             day: date, *, daily: bool, at: str, earned_before: int | None = None, removed: bool = False) -> Outcome:
    """Evaluate a member's card on `day`: a value change (`daily` False) applies upgrades at once and downgrades as the
    structure's expiration and downgrade rules say; the daily evaluation (`daily`) also re-evaluates a tier whose
    expiry or grace period has come (PROLONGED, DOWNGRADED or LEFT). A removed card (its member deleted) leaves its
    tier. The outcome's standing is None when nothing stored would change."""
    state = state_of(standing)
    value, period_start, base = tracked_value(structure, card, standing, day, earned_before)
    if removed:
        decision = Decision("LEFT" if state.tier_id else None, TierState(None), state.tier_id)
    elif daily:
        decision = engine.on_day(structure, tiers, state, value, day)
    else:
        decision = engine.on_value(structure, tiers, state, value, day)
    new: Standing = {
        "member_id": str(card["member_id"]), "program_id": str(card["program_id"]), "card_id": str(card["id"]),
        "card_definition_id": str(card["card_definition_id"]), "tier_structure_id": str(structure["id"]),
        "tier_id": decision.state.tier_id, "start_at": _text(decision.state.start_at),
        "expires_at": _text(decision.state.expires_at), "grace_until": _text(decision.state.grace_until),
        "period_start": period_start, "earned_base": base, "updated_at": at,
    }
    same = standing is not None and all(standing.get(k) == new[k] for k in new if k != "updated_at")  # type: ignore[literal-required]
    if same or (standing is None and decision.change is None and new["tier_id"] is None and period_start is None):
        return Outcome(None, decision, value)
    return Outcome(new, decision, value)


def due_day(structure: Mapping[str, Any], standing: Mapping[str, Any]) -> str | None:
    """The next day the daily job must re-evaluate a standing: its tier's expiry, the day after its grace period, or the
    start of the next tracking period (POINT_EARNED); None when no date will change it."""
    days = []
    if standing.get("tier_id") and standing.get("expires_at"):
        days.append(date.fromisoformat(str(standing["expires_at"])))
    if standing.get("grace_until"):
        days.append(date.fromisoformat(str(standing["grace_until"])) + timedelta(days=1))
    if standing.get("period_start"):
        period = period_of(structure, date.fromisoformat(str(standing["period_start"])))
        if period is not None:
            days.append(period[1])
    return min(days).isoformat() if days else None


def _moment(day: str | None) -> str | None:
    """A day as the API's timestamp of its start."""
    return f"{day}T00:00:00.000Z" if day else None


def tier_transaction(transaction_id: str, outcome: Outcome, origin: Origin, at: str, card_transaction_ids: Sequence[str] = ()
                     ) -> dict[str, Any]:
    """The APPROVED tier transaction (TierTransaction, `lttx_`) recording a change an evaluation made."""
    standing, decision = outcome.standing, outcome.decision
    assert standing is not None and decision.change is not None
    left = decision.change == "LEFT"
    origin_body: dict[str, Any] = {"type": origin}
    if origin == "card_operations":
        origin_body["card_transaction_ids"] = list(card_transaction_ids)
    return {
        "id": transaction_id,
        "card_id": standing["card_id"],
        "program_id": standing["program_id"],
        "member_id": standing["member_id"],
        "card_definition_id": standing["card_definition_id"],
        "tier_structure_id": standing["tier_structure_id"],
        "tier_id": decision.tier_from if left else standing["tier_id"],
        "type": decision.change,
        "details": {
            "points": outcome.value,
            "tier_from": None if decision.change in ("JOINED", "PROLONGED") else decision.tier_from,
            "tier_to": None if left else standing["tier_id"],
            "origin": origin_body,
            "rejection": None,
            "start_at": None if left else _moment(standing["start_at"]),
            "expires_at": None if left else _moment(standing["expires_at"]),
        },
        "status": "APPROVED",
        "created_at": at,
        "updated_at": None,
        "object": "tier_transaction",
    }


def _ref(tier: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return {"id": tier["id"], "name": tier.get("name")} if tier is not None else None


def _range(tier: Mapping[str, Any]) -> Mapping[str, Any]:
    return (tier.get("qualification_rules") or {}).get("points") or {}


def tier_progress(structure: Mapping[str, Any], tiers: Sequence[Mapping[str, Any]], standing: Mapping[str, Any] | None,
                  card: Mapping[str, Any], day: date) -> dict[str, Any]:
    """A card's MemberTierProgress: its current tier with dates and its points within the tier's range; the risk of
    dropping (a downgrade or leaving when the value is below the tier's minimum and a downgrade is allowed: on the
    tier's expiry, the grace period's end, or at once); the higher tiers with the points still needed (until the end of
    the tracking period for POINT_EARNED). `deferred` is always empty (NEXT_TRACKING_PERIOD is refused on create)."""
    by_id = {str(t["id"]): t for t in tiers}
    value, _, _ = tracked_value(structure, card, standing, day)
    state = state_of(standing)
    current_tier = by_id.get(state.tier_id or "")
    current = None
    risks: list[dict[str, Any]] = []
    if current_tier is not None:
        span = _range(current_tier)
        points: dict[str, Any] = {"current": value, "min": span.get("min_value", 0)}
        if span.get("max_value") is not None:
            points["max"] = span["max_value"]
        current = {"tier": _ref(current_tier), "start_at": _moment(_text(state.start_at)),
                   "expires_at": _moment(_text(state.expires_at)), "points": points}
        if value < int(span.get("min_value", 0)) and engine.downgrade_allowed(structure, current_tier):
            target = engine.lower(structure, tiers, state.tier_id, engine.rank(tiers, value))
            when = state.expires_at or (state.grace_until + timedelta(days=1) if state.grace_until else day)
            risks.append({"type": "TIER_LEFT" if target is None else "TIER_DOWNGRADE", "date": _moment(when.isoformat()),
                          "tier": _ref(target)})
    period = period_of(structure, day)
    valid_until = _moment((period[1] - timedelta(days=1)).isoformat()) if period else None
    level = next((i for i, t in enumerate(engine.ranked(tiers)) if t["id"] == state.tier_id), -1)
    opportunities = [{"valid_until": valid_until, "tier": _ref(t), "points": max(int(_range(t).get("min_value", 0)) - value, 0)}
                     for i, t in enumerate(engine.ranked(tiers)) if i > level]
    return {"current": current, "tier_structure": {"id": structure["id"], "object": "tier_structure"}, "deferred": [],
            "risks": risks, "opportunities": opportunities, "object": "member_tier_progress"}
