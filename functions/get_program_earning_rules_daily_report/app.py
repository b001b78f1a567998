"""GET /v2/loyalties/programs/{programId}/reports/earning-rules/daily: earning-rule evaluations (successes, failures by reason) per period and rule."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.reports import service as reports

app = make_app()


@app.get("/v2/loyalties/programs/<programId>/reports/earning-rules/daily")
def get_program_earning_rules_daily_report(programId: str) -> dict:
    return reports.earning_rules_daily(table(app), programId, query_params(app))


handler = entry(app)
