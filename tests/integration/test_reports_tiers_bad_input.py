"""Bad tier report requests answer 400 `invalid_query_params` with the error body: the daily report's range rules (shared
with the other reports), the summary's `limit` (1-100), `order` (only ±id), no cursor, and bad filters."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_member_tiers import tiered_world
from tests.integration.test_reports_tiers import paths

DAILY, SUMMARY = "get_program_tiers_daily_report", "get_program_tiers_summary_report"


@pytest.mark.parametrize("query", [
    {"limit": "0"}, {"limit": "101"}, {"limit": "x"}, {"order": "created_at"}, {"order": "name"}, {"cursor": "lcrs_1"},
    {"start_date": "2026-01-01"}, {"filters[tier_id][conditions][$is]": "nope"}, {"filters[tier_id][conditions][$gt]": "lt_1"},
    {"filters[card_id][conditions][$is]": "lcrd_1"},
])
def test_bad_summary_queries_answer_400(stack: Stack, query: dict[str, str]) -> None:
    w = tiered_world(stack)
    status, body = stack.call(SUMMARY, "GET", paths(w)[1], query=query)
    assert status == 400 and body["key"] == "invalid_query_params", (query, body)


@pytest.mark.parametrize("query", [
    {},
    {"start_date": "2026-01-01", "end_date": "2026-01-02"},
    {"start_date": "2026-01-01", "end_date": "2026-01-02", "resolution": "year"},
    {"start_date": "2026-1-1", "end_date": "2026-01-02", "resolution": "day"},
    {"start_date": "2026-03-02", "end_date": "2026-03-01", "resolution": "day"},
    {"start_date": "2026-01-01", "end_date": "2026-04-01", "resolution": "day"},  # 91 days
    {"start_date": "2026-01-01", "end_date": "2026-03-30", "resolution": "week"},  # 14 weeks
    {"start_date": "2026-01-01", "end_date": "2027-01-01", "resolution": "month"},  # 13 months
    {"start_date": "2026-01-01", "end_date": "2027-01-01", "resolution": "quarter"},  # 5 quarters
    {"start_date": "2026-01-01", "end_date": "2026-01-02", "resolution": "day", "limit": "5"},
    {"start_date": "2026-01-01", "end_date": "2026-01-02", "resolution": "day", "filters[tier_structure_id][conditions][$is]": "x"},
])
def test_bad_daily_queries_answer_400(stack: Stack, query: dict[str, str]) -> None:
    w = tiered_world(stack)
    status, body = stack.call(DAILY, "GET", paths(w)[0], query=query)
    assert status == 400 and body["key"] == "invalid_query_params", (query, body)
