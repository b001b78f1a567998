"""GET /v2/loyalties/programs/{programId}/reports/earning-rules/summary: all-time earning-rule evaluations per rule."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.reports import service as reports

app = make_app()


@app.get("/v2/loyalties/programs/<programId>/reports/earning-rules/summary")
def get_program_earning_rules_summary_report(programId: str) -> dict:
    return reports.earning_rules_summary(table(app), programId, query_params(app))


handler = entry(app)
