"""Tier reports are per project: another project's keys get 404 for the program, and the tier aggregates of one project's
tier transactions live under that project's keys only."""

from __future__ import annotations

from tests.integration.conftest import Stack
from tests.integration.test_reports_tiers import moved_world, paths, plain, today, window

DAILY, SUMMARY = "get_program_tiers_daily_report", "get_program_tiers_summary_report"


def test_another_project_sees_404_and_the_aggregates_stay_under_their_project(stack: Stack) -> None:
    w, _ = moved_world(stack)
    daily_path, summary_path = paths(w)
    for name, path, query in ((DAILY, daily_path, window(today())), (SUMMARY, summary_path, None)):
        status, body = stack.call(name, "GET", path, query=query, headers=stack.other_headers)
        assert status == 404 and body["key"] == "not_found", (name, body)
        status, body = stack.call(name, "GET", path.replace(w["program"], "lprg_0123456789abcdef01"), query=query)
        assert status == 404 and body["key"] == "not_found", (name, body)
    assert {i["PK"].split("#")[0] for i in plain(stack) if "#TIERS" in i["PK"]} == {"acme"}
