"""Bad report requests answer 400 `invalid_query_params` with the error body: missing or malformed dates, an unknown
resolution, an end before the start, a range longer than the resolution allows, unknown parameters, bad filters."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_reports import BASE, card_path, get, report_world


@pytest.mark.parametrize("query", [
    {},
    {"start_date": "2026-01-01", "end_date": "2026-01-02"},
    {"start_date": "2026-01-01", "end_date": "2026-01-02", "resolution": "year"},
    {"start_date": "2026-1-1", "end_date": "2026-01-02", "resolution": "day"},
    {"start_date": "2026-02-30", "end_date": "2026-03-02", "resolution": "day"},
    {"start_date": "2026-03-02", "end_date": "2026-03-01", "resolution": "day"},
    {"start_date": "2026-01-01", "end_date": "2026-04-01", "resolution": "day"},  # 91 days
    {"start_date": "2026-01-01", "end_date": "2026-03-30", "resolution": "week"},  # 14 weeks
    {"start_date": "2026-01-01", "end_date": "2027-01-01", "resolution": "month"},  # 13 months
    {"start_date": "2026-01-01", "end_date": "2027-01-01", "resolution": "quarter"},  # 5 quarters
    {"start_date": "2026-01-01", "end_date": "2026-01-02", "resolution": "day", "limit": "5"},
])
def test_a_bad_range_answers_400(stack: Stack, query: dict[str, str]) -> None:
    w = report_world(stack)
    for name, path in (("get_member_card_daily_report", f"{card_path(w)}/reports/daily"),
                       ("get_program_points_earnings_daily_report", f"{BASE}/programs/{w['program']}/reports/points-earnings/daily"),
                       ("get_program_spending_daily_report", f"{BASE}/programs/{w['program']}/reports/spending/daily")):
        status, body = stack.call(name, "GET", path, query=query)
        assert status == 400 and body["key"] == "invalid_query_params", (name, query, body)


def test_summary_filters_and_unknown_parameters(stack: Stack) -> None:
    w = report_world(stack)
    path = f"{BASE}/programs/{w['program']}/reports/points-earnings/summary"
    assert len(get(stack, "get_program_points_earnings_summary_report", path,
                   {"filters[earning_rule_id][conditions][$is]": w["rule"]})["data"]) == 1
    assert get(stack, "get_program_points_earnings_summary_report", path,
               {"filters[earning_rule_id][conditions][$is]": "lern_0123456789abcdef01"})["data"] == []
    for query in ({"start_date": "2026-01-01"}, {"filters[earning_rule_id][conditions][$is]": "nope"}):
        status, body = stack.call("get_program_points_earnings_summary_report", "GET", path, query=query)
        assert status == 400 and body["key"] == "invalid_query_params", body
    status, body = stack.call("get_program_spending_summary_report", "GET", f"{BASE}/programs/{w['program']}/reports/spending/summary",
                              query={"filters[card_definition_id][conditions][$is]": "nope"})
    assert status == 400 and body["key"] == "invalid_query_params", body


@pytest.mark.parametrize("query", [
    {},
    {"start_date": "2026-01-01", "end_date": "2026-01-02", "resolution": "year"},
    {"start_date": "2026-03-02", "end_date": "2026-03-01", "resolution": "day"},
    {"start_date": "2026-01-01", "end_date": "2026-04-01", "resolution": "day"},  # 91 days
    {"start_date": "2026-01-01", "end_date": "2027-01-01", "resolution": "quarter"},  # 5 quarters
    {"start_date": "2026-01-01", "end_date": "2026-01-02", "resolution": "day", "limit": "5"},
    {"start_date": "2026-01-01", "end_date": "2026-01-02", "resolution": "day", "filters[earning_rule_id][conditions][$is]": "x"},
])
def test_a_bad_earning_rules_report_request_answers_400(stack: Stack, query: dict[str, str]) -> None:
    w = report_world(stack)
    program = f"{BASE}/programs/{w['program']}"
    for name, path in (("get_member_earning_rule_daily_report",
                        f"{program}/members/{w['member']}/earning-rules/{w['rule']}/reports/daily"),
                       ("get_program_earning_rules_daily_report", f"{program}/reports/earning-rules/daily")):
        if name == "get_member_earning_rule_daily_report" and any(k.startswith("filters") for k in query):
            continue  # the member report has no filters: an unknown parameter, tested by `limit`
        status, body = stack.call(name, "GET", path, query=query)
        assert status == 400 and body["key"] == "invalid_query_params", (name, query, body)
    status, body = stack.call("get_program_earning_rules_summary_report", "GET", f"{program}/reports/earning-rules/summary",
                              query={"filters[earning_rule_id][conditions][$in]": "nope"})
    assert status == 400 and body["key"] == "invalid_query_params", body
