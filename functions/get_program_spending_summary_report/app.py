"""GET /v2/loyalties/programs/{programId}/reports/spending/summary: all-time points spent per card definition."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.reports import service as reports

app = make_app()


@app.get("/v2/loyalties/programs/<programId>/reports/spending/summary")
def get_program_spending_summary_report(programId: str) -> dict:
    return reports.spending_summary(table(app), programId, query_params(app))


handler = entry(app)
