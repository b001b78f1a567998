"""The earning-rule report arithmetic: an earning transaction names the rule application it counts (source + rule +
member, so a rule that wrote two transactions for one order counts once), failures break down by reason, and the refused
trigger labels of a failed earning write name each rule's reason."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from loyalty.points.limits import refusal_reasons
from loyalty.reports.engine import REFUSAL_REASONS, effects, failures_breakdown, fold


def ctx(kind: str, tx_id: str = "lctx_1", **metadata: str) -> dict[str, Any]:
    return {"id": tx_id, "card_id": "lcrd_1", "program_id": "lprg_1", "member_id": "lmbr_1", "card_definition_id": "lcdef_1",
            "type": kind, "details": {"points": {"total": 10}, "metadata": metadata}}


@pytest.mark.parametrize("kind", ["POINTS_EARNED", "PENDING_POINTS_ADDED"])
def test_an_earning_names_its_application(kind: str) -> None:
    one = effects(ctx(kind, "lctx_1", earning_rule_id="lern_1", event_id="ord_1"), "2026-03-01")
    two = effects(ctx(kind, "lctx_2", earning_rule_id="lern_1", event_id="ord_1"), "2026-03-01")
    assert one.applied == two.applied == ("ord_1", "lern_1", "lmbr_1", "lprg_1")


def test_only_earnings_naming_a_rule_are_applications() -> None:
    assert effects(ctx("POINTS_EARNED"), "d").applied is None
    assert effects(ctx("ADMIN_CREDIT", earning_rule_id="lern_1"), "d").applied is None
    assert effects(ctx("POINTS_EARNED", "lctx_9", earning_rule_id="lern_1"), "d").applied == ("lctx_9", "lern_1", "lmbr_1", "lprg_1")


def test_failures_break_down_by_reason_and_fold_into_periods() -> None:
    assert failures_breakdown({"failures_count": 0}) == {}
    assert failures_breakdown({"failures_cooldown": 2, "failures_frequency": 0}) == {"cooldown": 2}
    counters = ("success_count", "failures_count", *(f"failures_{r}" for r in REFUSAL_REASONS))
    rows = [("2026-03-01", ("lern_1",), {"success_count": 1}), ("2026-03-04", ("lern_1",), {"failures_count": 1, "failures_frequency": 1})]
    assert fold(rows, "week", counters, date(2026, 3, 1)) == [
        ("2026-03-01", ("lern_1",), {"success_count": 1, "failures_count": 0, "failures_cooldown": 0, "failures_frequency": 0}),
        ("2026-03-02", ("lern_1",), {"success_count": 0, "failures_count": 1, "failures_cooldown": 0, "failures_frequency": 1})]


def test_refusal_reasons_prefer_the_cooldown_and_match_the_reports() -> None:
    found = refusal_reasons(["trigger:lern_1:frequency", "trigger:lern_1:cooldown", "trigger:lern_2:frequency"])
    assert found == {"lern_1": "cooldown", "lern_2": "frequency"}
    assert set(found.values()) <= set(REFUSAL_REASONS)
