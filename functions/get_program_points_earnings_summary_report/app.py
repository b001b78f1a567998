"""GET /v2/loyalties/programs/{programId}/reports/points-earnings/summary: all-time points earned per rule, earning and card definition."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.reports import service as reports

app = make_app()


@app.get("/v2/loyalties/programs/<programId>/reports/points-earnings/summary")
def get_program_points_earnings_summary_report(programId: str) -> dict:
    return reports.points_earnings_summary(table(app), programId, query_params(app))


handler = entry(app)
