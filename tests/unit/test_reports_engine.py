"""The report arithmetic: which counters an approved card transaction moves, and how days fold into weeks, months and
quarters; the range rules of the spec (max 90 days / 12 weeks / 12 months / 4 quarters)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from loyalty.core.errors import LoyaltyError
from loyalty.reports.changes import locked_transaction, newly_approved, rejected_transaction, settled_on
from loyalty.reports.engine import CARD_COUNTERS, LOCKING_TYPES, effects, fold, locked_points, parse_range, period_start


def ctx(kind: str, points: int, **metadata: str) -> dict[str, Any]:
    return {"id": "lctx_1", "card_id": "lcrd_1", "program_id": "lprg_1", "card_definition_id": "lcdef_1", "type": kind,
            "details": {"points": {"total": points}, "metadata": metadata}, "created_at": "2026-03-01T10:00:00.000Z"}


@pytest.mark.parametrize(("kind", "points", "card"), [
    ("ADMIN_CREDIT", 50, {"points_total": 50, "points_added": 50}),
    ("ADMIN_DEBIT", -20, {"points_total": -20, "points_subtracted": 20}),
    ("POINTS_EARNED", 10, {"points_total": 10, "points_earned": 10}),
    ("POINTS_SPENT_ON_REWARD", -100, {"points_total": -100, "points_spent": 100}),
    ("POINTS_SPENT_ON_ORDER", -30, {"points_total": -30, "points_spent": 30}),
    ("POINTS_EXPIRED", -5, {"points_total": -5, "points_expired": 5}),
    ("POINTS_RETURNED", 100, {"points_total": 100, "points_returned": 100}),
    ("POINTS_PURCHASED", 40, {"points_total": 40, "points_purchased": 40}),
    ("PENDING_POINTS_ADDED", 7, {"pending_points_total": 7}),
    ("PENDING_POINTS_ACTIVATED", 7, {"points_total": 7, "pending_points_activated": 7, "pending_points_total": -7}),
    ("PENDING_POINTS_CANCELED", -7, {"pending_points_canceled": 7, "pending_points_total": -7}),
])
def test_each_type_moves_its_family(kind: str, points: int, card: dict[str, int]) -> None:
    found = effects(ctx(kind, points), "2026-03-01")
    assert found.card == card and set(card) <= set(CARD_COUNTERS)


def test_earnings_need_a_rule_and_spending_counts_by_target() -> None:
    assert effects(ctx("POINTS_EARNED", 10), "d").earning is None
    earned = effects(ctx("POINTS_EARNED", 10, earning_rule_id="lern_1", earning_item_id="lernei_1"), "d")
    assert earned.earning == ("lern_1", "lernei_1", "lcdef_1") and earned.earning_counts == {"success_count": 1, "points": 10}
    pending = effects(ctx("PENDING_POINTS_ADDED", 4, earning_rule_id="lern_1"), "d")
    assert pending.earning_counts == {"success_count": 1, "pending_points": 4}
    assert effects(ctx("POINTS_SPENT_ON_REWARD", -9), "d").spending_counts == {
        "success": 1, "points": 9, "success_on_reward": 1, "points_on_rewards": 9}
    assert effects(ctx("POINTS_SPENT_ON_ORDER", -9), "d").spending_counts == {
        "success": 1, "points": 9, "success_on_order": 1, "points_on_order": 9}


@pytest.mark.parametrize(("day", "resolution", "start"), [
    ("2026-03-04", "day", "2026-03-04"), ("2026-03-04", "week", "2026-03-02"), ("2026-03-01", "week", "2026-02-23"),
    ("2026-03-31", "month", "2026-03-01"), ("2026-03-31", "quarter", "2026-01-01"), ("2026-12-31", "quarter", "2026-10-01"),
])
def test_a_day_falls_in_its_period(day: str, resolution: str, start: str) -> None:
    assert period_start(date.fromisoformat(day), resolution).isoformat() == start


def test_days_fold_into_periods_named_by_their_start_clipped_to_the_range() -> None:
    rows = [("2026-03-01", (), {"points_total": 1}), ("2026-03-02", (), {"points_total": 2}),
            ("2026-03-09", (), {"points_total": 4}), ("2026-03-09", ("x",), {"points_total": 8})]
    assert fold(rows, "week", ("points_total",), date(2026, 3, 1)) == [
        ("2026-03-01", (), {"points_total": 1}), ("2026-03-02", (), {"points_total": 2}),
        ("2026-03-09", (), {"points_total": 4}), ("2026-03-09", ("x",), {"points_total": 8})]
    assert fold(rows, "month", ("points_total",), date(2026, 3, 1)) == [
        ("2026-03-01", (), {"points_total": 7}), ("2026-03-01", ("x",), {"points_total": 8})]


@pytest.mark.parametrize(("start", "end", "resolution", "ok"), [
    ("2026-01-01", "2026-03-31", "day", True), ("2026-01-01", "2026-04-01", "day", False),
    ("2026-01-05", "2026-03-29", "week", True), ("2026-01-05", "2026-03-30", "week", False),
    ("2026-01-01", "2026-12-31", "month", True), ("2026-01-01", "2027-01-01", "month", False),
    ("2026-01-01", "2026-12-31", "quarter", True), ("2026-01-01", "2027-01-01", "quarter", False),
    ("2026-01-02", "2026-01-01", "day", False), ("2026-1-01", "2026-01-02", "day", False), (None, "2026-01-02", "day", False),
    ("2026-01-01", "2026-01-02", "year", False), ("2026-01-01", "2026-01-02", None, False),
])
def test_range_rules(start: str | None, end: str | None, resolution: str | None, ok: bool) -> None:
    if ok:
        assert parse_range(start, end, resolution)[2] == resolution
    else:
        with pytest.raises(LoyaltyError) as err:
            parse_range(start, end, resolution)
        assert err.value.status == 400


def _record(name: str, old: str | None, new: str, sk: str = "CTX#lctx_1", kind: str = "ADMIN_CREDIT",
            updated_at: str | None = None) -> dict[str, Any]:
    keys = {"PK": {"S": "acme#CARD#lcrd_1"}, "SK": {"S": sk}}
    data = {"M": {"id": {"S": "lctx_1"}, "type": {"S": kind}, "created_at": {"S": "2026-03-01T10:00:00.000Z"},
                  "details": {"M": {"points": {"M": {"total": {"N": "-60"}}}}}}}
    if kind == "ADMIN_CREDIT":
        data = {"M": {"id": {"S": "lctx_1"}, "type": {"S": kind}}}
    change: dict[str, Any] = {"Keys": keys, "NewImage": {**keys, "status": {"S": new}, "data": data}}
    if updated_at:
        change["NewImage"]["updated_at"] = {"S": updated_at}
    if old:
        change["OldImage"] = {**keys, "status": {"S": old}, "data": data}
    return {"eventName": name, "dynamodb": change}


def test_only_a_move_into_approved_is_counted() -> None:
    assert newly_approved(_record("INSERT", None, "APPROVED")) is not None
    assert newly_approved(_record("MODIFY", "PENDING", "APPROVED")) == ("acme", {"id": "lctx_1", "type": "ADMIN_CREDIT",
                                                                                  "status": "APPROVED", "updated_at": None})
    assert newly_approved(_record("INSERT", None, "PENDING")) is None
    assert newly_approved(_record("MODIFY", "PENDING", "REJECTED")) is None
    assert newly_approved(_record("MODIFY", "APPROVED", "APPROVED")) is None
    assert newly_approved(_record("INSERT", None, "APPROVED", sk="CARD#lcrd_1")) is None


def test_an_order_payment_brings_its_amount_from_the_job_its_pending_item_carried() -> None:
    record = _record("MODIFY", "PENDING", "APPROVED")
    record["dynamodb"]["OldImage"]["job"] = {"S": '{"type": "complete_order_payment", "amount": 250, "points": 125}'}
    found = newly_approved(record)
    assert found is not None and found[1]["details"] == {"order": {"amount": 250}}
    ctx = {**found[1], "type": "POINTS_SPENT_ON_ORDER", "details": {**found[1]["details"], "points": {"total": -125}}}
    assert effects(ctx, "d").spending_counts["amount_on_order"] == 250


# ---------------------------------------------------------------------------------------------- locked and unlocked points
@pytest.mark.parametrize("kind", sorted(LOCKING_TYPES))
def test_a_pending_spend_unlocks_its_points_with_its_approval_on_the_settlement_s_day(kind: str) -> None:
    spend = ctx(kind, -60)
    assert locked_points(spend) == 60
    same_day = effects(spend, "2026-03-01", settled_on="2026-03-01")
    assert same_day.unlocked == ("2026-03-01", 60)
    assert same_day.card_days() == {"2026-03-01": {"points_total": -60, "points_spent": 60, "points_unlocked": 60}}
    later = effects(spend, "2026-03-01", settled_on="2026-03-03")
    assert later.card_days() == {"2026-03-01": {"points_total": -60, "points_spent": 60}, "2026-03-03": {"points_unlocked": 60}}
    assert set(later.card_days()["2026-03-03"]) <= set(CARD_COUNTERS)


def test_a_spend_written_approved_at_once_and_other_types_unlock_nothing() -> None:
    assert effects(ctx("POINTS_SPENT_ON_REWARD", -60), "2026-03-01").unlocked is None  # a v1 redemption: never locked
    assert locked_points(ctx("ADMIN_DEBIT", -60)) == 0 and locked_points(ctx("POINTS_RETURNED", 60)) == 0
    credit = effects(ctx("ADMIN_CREDIT", 50), "2026-03-01", settled_on="2026-03-02")
    assert credit.unlocked is None and credit.card_days() == {"2026-03-01": {"points_total": 50, "points_added": 50}}
    assert effects(ctx("PENDING_POINTS_CANCELED", 0), "d").card_days() == {}


@pytest.mark.parametrize("kind", sorted(LOCKING_TYPES))
def test_a_spend_s_pending_insert_locks_and_its_rejection_unlocks(kind: str) -> None:
    inserted = _record("INSERT", None, "PENDING", kind=kind)
    found = locked_transaction(inserted)
    assert found is not None and found[0] == "acme" and found[1]["id"] == "lctx_1" and locked_points(found[1]) == 60
    assert rejected_transaction(inserted) is None and newly_approved(inserted) is None
    rejected = _record("MODIFY", "PENDING", "REJECTED", kind=kind, updated_at="2026-03-02T09:00:00.000Z")
    found = rejected_transaction(rejected)
    assert found is not None and found[1]["updated_at"] == "2026-03-02T09:00:00.000Z"
    assert locked_transaction(rejected) is None and newly_approved(rejected) is None
    approved = _record("MODIFY", "PENDING", "APPROVED", kind=kind, updated_at="2026-03-02T23:30:00.000Z")
    found = newly_approved(approved)
    assert found is not None and locked_transaction(approved) is None and rejected_transaction(approved) is None
    assert settled_on(approved, found[1], "UTC") == "2026-03-02"
    assert settled_on(approved, found[1], "Europe/Warsaw") == "2026-03-03"  # the settlement's day in the project zone
    assert settled_on(_record("INSERT", None, "APPROVED", kind=kind), found[1], "UTC") is None  # written APPROVED at once
    # a replayed or repeated change is not a new lock or unlock
    assert rejected_transaction(_record("MODIFY", "REJECTED", "REJECTED", kind=kind)) is None
    assert locked_transaction(_record("MODIFY", "PENDING", "PENDING", kind=kind)) is None
    assert locked_transaction(_record("INSERT", None, "PENDING", sk="CARD#lcrd_1", kind=kind)) is None


def test_other_types_pending_or_rejected_lock_nothing() -> None:
    for kind in ("POINTS_RETURNED", "PENDING_POINTS_ADDED", "ADMIN_CREDIT"):
        assert locked_transaction(_record("INSERT", None, "PENDING", kind=kind)) is None
        assert rejected_transaction(_record("MODIFY", "PENDING", "REJECTED", kind=kind)) is None
