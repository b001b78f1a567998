"""Reports are per project: another project's keys get 404 for a program, member or card it cannot see, and the
aggregates of one project's transactions live under that project's keys only."""

from __future__ import annotations

from tests.integration.conftest import Stack
from tests.integration.test_reports import BASE, card_path, get, report_world, window


def test_an_empty_range_answers_no_rows_and_another_project_sees_nothing(stack: Stack) -> None:
    w = report_world(stack)
    assert get(stack, "get_member_card_daily_report", f"{card_path(w)}/reports/daily",
               {"start_date": "2020-01-01", "end_date": "2020-03-01", "resolution": "day"})["data"] == []
    other = stack.other_headers
    earnings = f"{BASE}/programs/{w['program']}/reports/points-earnings"
    for name, path, query in (("get_member_card_daily_report", f"{card_path(w)}/reports/daily", window(w)),
                              ("get_program_points_earnings_daily_report", f"{earnings}/daily", window(w)),
                              ("get_program_points_earnings_summary_report", f"{earnings}/summary", None),
                              ("get_program_spending_daily_report", f"{BASE}/programs/{w['program']}/reports/spending/daily", window(w)),
                              ("get_program_spending_summary_report", f"{BASE}/programs/{w['program']}/reports/spending/summary", None)):
        status, body = stack.call(name, "GET", path, query=query, headers=other)
        assert status == 404 and body["key"] == "not_found", (name, body)
    assert {i["PK"]["S"].split("#")[0] for i in stack.items() if "#RPT#" in i["PK"]["S"]} == {"acme"}


def test_the_earning_rule_reports_of_another_project_answer_404(stack: Stack) -> None:
    w = report_world(stack)
    program = f"{BASE}/programs/{w['program']}"
    for name, path, query in (("get_member_earning_rule_daily_report",
                               f"{program}/members/{w['member']}/earning-rules/{w['rule']}/reports/daily", window(w)),
                              ("get_program_earning_rules_daily_report", f"{program}/reports/earning-rules/daily", window(w)),
                              ("get_program_earning_rules_summary_report", f"{program}/reports/earning-rules/summary", None)):
        assert get(stack, name, path, query)["data"], name  # the owner sees its rows
        status, body = stack.call(name, "GET", path, query=query, headers=stack.other_headers)
        assert status == 404 and body["key"] == "not_found", (name, body)
    assert {i["PK"]["S"].split("#")[0] for i in stack.items() if "#AGG#RULE#" in i["PK"]["S"] or "#RPT#" in i["PK"]["S"]} == {"acme"}
