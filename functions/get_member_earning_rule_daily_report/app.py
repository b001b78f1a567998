"""GET /v2/loyalties/programs/{programId}/members/{memberId}/earning-rules/{earningRuleId}/reports/daily: how many times an earning rule was applied for a member per period."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.reports import service as reports

app = make_app()


@app.get("/v2/loyalties/programs/<programId>/members/<memberId>/earning-rules/<earningRuleId>/reports/daily")
def get_member_earning_rule_daily_report(programId: str, memberId: str, earningRuleId: str) -> dict:
    return reports.member_earning_rule_daily(table(app), programId, memberId, earningRuleId, query_params(app))


handler = entry(app)
