"""A member's stored tier standing (tiers/standing.py): evaluation of one card on a value change, a day or a removal, the
POINT_EARNED period accounting (E15), the daily job's due day, the tier transaction a change writes, and tier_progress."""

from __future__ import annotations

from datetime import date
from typing import Any

from loyalty.tiers.standing import Standing, due_day, evaluate, tier_progress, tier_transaction, tracked_value

AT = "2026-11-26T10:00:00.000Z"
DAY = date(2026, 11, 26)


def tier(tier_id: str, name: str, low: int, high: int | None = None) -> dict[str, Any]:
    points: dict[str, Any] = {"min_value": low} if high is None else {"min_value": low, "max_value": high}
    return {"id": tier_id, "name": name, "qualification_rules": {"type": "POINTS", "points": points}}


TIERS = [tier("lt_b", "Bronze", 0, 99), tier("lt_s", "Silver", 100, 499), tier("lt_g", "Gold", 500)]
BALANCE = {"id": "lts_1", "type": "POINT_BALANCE", "point_balance": {"card_definition_id": "lcdef_1"},
           "downgrade": {"type": "MULTI_LEVEL"}}
EARNED = {"id": "lts_1", "type": "POINT_EARNED", "downgrade": {"type": "MULTI_LEVEL"},
          "point_earned": {"card_definition_id": "lcdef_1", "period": {"unit": "MONTH", "value": 1}, "type": "IMMEDIATELY"}}


def card(balance: int = 0, earned: int = 0) -> dict[str, Any]:
    return {"id": "lcrd_1", "member_id": "lmbr_1", "program_id": "lprg_1", "card_definition_id": "lcdef_1",
            "balance": balance, "earned": earned}


def standing(tier_id: str | None, **extra: Any) -> Standing:
    base: dict[str, Any] = {"member_id": "lmbr_1", "program_id": "lprg_1", "card_id": "lcrd_1", "card_definition_id": "lcdef_1",
                            "tier_structure_id": "lts_1", "tier_id": tier_id, "start_at": "2026-11-01" if tier_id else None,
                            "expires_at": None, "grace_until": None, "period_start": None, "earned_base": 0, "updated_at": AT}
    return Standing(**{**base, **extra})  # type: ignore[typeddict-item]


def test_a_new_card_joins_the_tier_of_zero_points() -> None:
    outcome = evaluate(BALANCE, TIERS, None, card(), DAY, daily=False, at=AT)
    assert outcome.decision.change == "JOINED"
    assert outcome.standing is not None and outcome.standing["tier_id"] == "lt_b"
    assert outcome.standing["start_at"] == "2026-11-26"


def test_reaching_a_minimum_upgrades_at_once_and_the_transaction_says_from_where() -> None:
    outcome = evaluate(BALANCE, TIERS, standing("lt_b"), card(balance=120), DAY, daily=False, at=AT)
    assert outcome.decision.change == "UPGRADED" and outcome.standing and outcome.standing["tier_id"] == "lt_s"
    ttx = tier_transaction("lttx_1", outcome, "card_operations", AT)
    assert ttx["type"] == "UPGRADED" and ttx["tier_id"] == "lt_s" and ttx["status"] == "APPROVED"
    assert ttx["details"] == {"points": 120, "tier_from": "lt_b", "tier_to": "lt_s",
                              "origin": {"type": "card_operations", "card_transaction_ids": []}, "rejection": None,
                              "start_at": "2026-11-26T00:00:00.000Z", "expires_at": None}


def test_no_retention_multi_level_drops_to_the_tier_the_value_ranks_in() -> None:
    outcome = evaluate(BALANCE, TIERS, standing("lt_g"), card(balance=50), DAY, daily=False, at=AT)
    assert outcome.decision.change == "DOWNGRADED" and outcome.standing and outcome.standing["tier_id"] == "lt_b"


def test_nothing_to_store_when_nothing_changes() -> None:
    assert evaluate(BALANCE, TIERS, standing("lt_s"), card(balance=300), DAY, daily=False, at=AT).standing is None


def test_a_removed_card_leaves_its_tier() -> None:
    outcome = evaluate(BALANCE, TIERS, standing("lt_s"), card(balance=300), DAY, daily=False, at=AT, removed=True)
    assert outcome.decision.change == "LEFT" and outcome.standing and outcome.standing["tier_id"] is None
    ttx = tier_transaction("lttx_2", outcome, "member_card_deleted", AT)
    assert ttx["tier_id"] == "lt_s" and ttx["details"]["tier_from"] == "lt_s" and ttx["details"]["tier_to"] is None


def test_point_earned_counts_the_points_earned_in_the_current_period_only() -> None:
    held = standing("lt_b", period_start="2026-11-01", earned_base=50)
    assert tracked_value(EARNED, card(earned=200), held, DAY) == (150, "2026-11-01", 50)
    # the first change of December: counted from the `earned` the card had just before it
    assert tracked_value(EARNED, card(earned=230), held, date(2026, 12, 2), earned_before=200) == (30, "2026-12-01", 200)
    # spending does not lower the value (only `earned` counts)
    assert tracked_value(EARNED, card(balance=0, earned=200), held, DAY)[0] == 150


def test_point_earned_upgrade_and_its_next_period_on_the_daily_list() -> None:
    outcome = evaluate(EARNED, TIERS, standing("lt_b", period_start="2026-11-01"), card(earned=150), DAY, daily=False, at=AT)
    assert outcome.decision.change == "UPGRADED" and outcome.standing
    assert due_day(EARNED, outcome.standing) == "2026-12-01"


def test_fixed_duration_holds_through_a_drop_then_the_daily_job_decides() -> None:
    fixed = {**BALANCE, "expiration": {"type": "FIXED_DURATION", "fixed_duration": {"period": {"unit": "MONTH", "value": 1}}}}
    up = evaluate(fixed, TIERS, standing("lt_b"), card(balance=150), DAY, daily=False, at=AT)
    assert up.standing and up.standing["expires_at"] == "2026-12-26" and due_day(fixed, up.standing) == "2026-12-26"
    held = up.standing
    assert evaluate(fixed, TIERS, held, card(balance=10), date(2026, 12, 1), daily=False, at=AT).standing is None
    progress = tier_progress(fixed, TIERS, held, card(balance=10), date(2026, 12, 1))
    assert progress["risks"] == [{"type": "TIER_DOWNGRADE", "date": "2026-12-26T00:00:00.000Z", "tier": {"id": "lt_b", "name": "Bronze"}}]
    down = evaluate(fixed, TIERS, held, card(balance=10), date(2026, 12, 26), daily=True, at=AT)
    assert down.decision.change == "DOWNGRADED" and down.standing and down.standing["tier_id"] == "lt_b"
    again = evaluate(fixed, TIERS, held, card(balance=150), date(2026, 12, 26), daily=True, at=AT)
    assert again.decision.change == "PROLONGED" and again.standing and again.standing["expires_at"] == "2027-01-26"


def test_tier_progress_shows_the_range_and_the_points_to_the_next_tiers() -> None:
    progress = tier_progress(BALANCE, TIERS, standing("lt_s", start_at="2026-11-20"), card(balance=120), DAY)
    assert progress["current"] == {"tier": {"id": "lt_s", "name": "Silver"}, "start_at": "2026-11-20T00:00:00.000Z", "expires_at": None,
                                   "points": {"current": 120, "min": 100, "max": 499}}
    assert progress["opportunities"] == [{"valid_until": None, "tier": {"id": "lt_g", "name": "Gold"}, "points": 380}]
    assert progress["risks"] == [] and progress["deferred"] == [] and progress["object"] == "member_tier_progress"
    earned = tier_progress(EARNED, TIERS, None, card(earned=0), DAY)
    assert earned["current"] is None
    assert [o["valid_until"] for o in earned["opportunities"]] == ["2026-11-30T00:00:00.000Z"] * 3
