"""The earning-rule reports on moto: successes are counted once per source, rule and member from the approved earning
transactions (stream), failures once per source, rule and member when the rule's trigger limit refuses it (the earning
worker's own write); each report equals a brute-force recount, also after a replayed stream and a redelivered job."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from loyalty.core.clock import now_iso
from loyalty.points import service as points
from tests import support
from tests.integration.conftest import Stack
from tests.integration.test_points_lifecycle import order, setup_program
from tests.integration.test_reports import get
from tests.integration.test_v2_journey import BASE

COOLDOWN = {"cooldown": {"type": "FIXED_COOLDOWN", "fixed_cooldown": {"period": {"unit": "HOUR", "value": 1}}}}
FREQUENCY = {"frequency": {"type": "LIMITED", "limits": [{"type": "TIME_BASED", "period": {
    "type": "CURRENT_PERIOD", "current_period": {"unit": "DAY"}}, "triggers": {"max": 2}}]}}


def earn_orders(stack: Stack, world: dict[str, Any], count: int) -> None:
    """`count` PAID orders earned, each twice (the second a redelivered job), then the stream drained."""
    db = stack.db()
    for n in range(count):
        for _ in range(2):
            points.earn(db, world["customer_id"], f"ord_00{n}a", order=order(f"ord_00{n}a", 1000))
    stack.drain()


def recount(stack: Stack, world: dict[str, Any]) -> Counter[str]:
    """Successes per rule counted from the card's APPROVED earning transactions (one per source and rule)."""
    status, page = stack.call("list_card_transactions", "GET",
                              f"{BASE}/programs/{world['program']['id']}/members/{world['member']['id']}/cards/{world['card_id']}"
                              "/transactions", query={"limit": "100"})
    assert status == 200, page
    seen = {(t["details"]["metadata"]["event_id"], t["details"]["metadata"]["earning_rule_id"])
            for t in page["data"] if t["status"] == "APPROVED" and t["type"] == "POINTS_EARNED"}
    return Counter(rule for _, rule in seen)


def reports(stack: Stack, world: dict[str, Any]) -> tuple[Any, Any, Any]:
    day = now_iso()[:10]
    window = {"start_date": day, "end_date": day, "resolution": "day"}
    program = f"{BASE}/programs/{world['program']['id']}"
    rule = world["order_rule"]
    return (get(stack, "get_member_earning_rule_daily_report",
                f"{program}/members/{world['member']['id']}/earning-rules/{rule}/reports/daily", window),
            get(stack, "get_program_earning_rules_daily_report", f"{program}/reports/earning-rules/daily", window),
            get(stack, "get_program_earning_rules_summary_report", f"{program}/reports/earning-rules/summary"))


@pytest.mark.parametrize(("limits", "earned", "reason"), [(FREQUENCY, 2, "frequency"), (COOLDOWN, 1, "cooldown"), (None, 3, None)])
def test_successes_and_failures_equal_a_recount_after_redelivered_jobs_and_a_replayed_stream(
        stack: Stack, limits: Any, earned: int, reason: str | None) -> None:
    world = setup_program(stack, trigger_limits=limits)
    earn_orders(stack, world, 3)
    rule, day = world["order_rule"], now_iso()[:10]
    assert recount(stack, world) == Counter({rule: earned})
    member, daily, summary = reports(stack, world)
    failed = 3 - earned
    breakdown = {reason: failed} if reason and failed else {}
    assert member == {"data": [{"date": day, "count": earned, "object": "earning_rule_daily_report"}], "object": "report"}
    assert daily["data"] == [{"date": day, "earning_rule_id": rule, "success_count": earned, "failures_count": failed,
                              "failures_breakdown": breakdown, "object": "program_earning_rules_daily_report"}]
    assert summary["data"] == [{"id": rule, "earning_rule_id": rule, "success_count": earned, "failures_count": failed,
                                "failures_breakdown": breakdown, "object": "program_earning_rules_summary_report"}]
    # Given every stream record delivered again, When drained, Then nothing changes
    assert support.drain_stream(support.stream_poller(function=support.CARD_TRANSACTIONS)) > 0
    assert reports(stack, world) == (member, daily, summary)
    for resolution in ("week", "month", "quarter"):
        folded = get(stack, "get_program_earning_rules_daily_report",
                     f"{BASE}/programs/{world['program']['id']}/reports/earning-rules/daily",
                     {"start_date": day, "end_date": day, "resolution": resolution})["data"]
        assert [(r["date"], r["success_count"], r["failures_count"]) for r in folded] == [(day, earned, failed)]


def test_filters_404s_and_400s(stack: Stack) -> None:
    world = setup_program(stack, trigger_limits=COOLDOWN)
    earn_orders(stack, world, 1)
    program, rule, member = world["program"]["id"], world["order_rule"], world["member"]["id"]
    summary = f"{BASE}/programs/{program}/reports/earning-rules/summary"
    name = "get_program_earning_rules_summary_report"
    assert len(get(stack, name, summary, {"filters[earning_rule_id][conditions][$in]": rule})["data"]) == 1
    assert get(stack, name, summary, {"filters[earning_rule_id][conditions][$is_not]": rule})["data"] == []
    for query in ({"start_date": "2026-01-01"}, {"filters[earning_rule_id][conditions][$is]": "nope"},
                  {"filters[card_definition_id][conditions][$is]": world["cdef"]["id"]}):
        status, body = stack.call(name, "GET", summary, query=query)
        assert status == 400 and body["key"] == "invalid_query_params", (query, body)
    day = {"start_date": "2026-01-01", "end_date": "2026-01-02", "resolution": "day"}
    unknown = "lern_0123456789abcdef01"
    for path, kind in ((f"{BASE}/programs/{program}/members/{member}/earning-rules/{unknown}/reports/daily", "earning_rule"),
                       (f"{BASE}/programs/{program}/members/lmbr_0123456789abcdef01/earning-rules/{rule}/reports/daily", "member"),
                       (f"{BASE}/programs/lprg_0123456789abcdef01/members/{member}/earning-rules/{rule}/reports/daily", "member")):
        status, body = stack.call("get_member_earning_rule_daily_report", "GET", path, query=day)
        assert status == 404 and body["key"] == "not_found" and kind in body["details"], body
    status, body = stack.call("get_program_earning_rules_daily_report", "GET",
                              f"{BASE}/programs/lprg_0123456789abcdef01/reports/earning-rules/daily", query=day)
    assert status == 404, body
    status, body = stack.call("get_member_earning_rule_daily_report", "GET",
                              f"{BASE}/programs/{program}/members/{member}/earning-rules/{rule}/reports/daily",
                              query={**day, "resolution": "year"})
    assert status == 400 and body["key"] == "invalid_query_params", body
