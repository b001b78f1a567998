"""GET /v2/loyalties/programs/{programId}/reports/tiers/daily: tier moves per period, tier structure and tier."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.reports import service as reports

app = make_app()


@app.get("/v2/loyalties/programs/<programId>/reports/tiers/daily")
def get_program_tiers_daily_report(
    programId: str,
    start_date: Annotated[str | None, Query(description="First day of the report (YYYY-MM-DD), required.")] = None,
    end_date: Annotated[str | None, Query(description="Last day of the report (YYYY-MM-DD, inclusive), required.")] = None,
    resolution: Annotated[str | None, Query(description="day (max 90 days), week (12), month (12) or quarter (4), required.")] = None,
) -> dict:  # the range parameters are declared for the OpenAPI document; the service reads the raw query string
    return reports.tiers_daily(table(app), programId, query_params(app))


handler = entry(app)
