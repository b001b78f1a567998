"""GET /v2/loyalties/programs/{programId}/reports/tiers/summary: all-time tier moves per tier structure and tier, sorted
by id and capped by `limit`."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.reports import service as reports

app = make_app()


@app.get("/v2/loyalties/programs/<programId>/reports/tiers/summary")
def get_program_tiers_summary_report(
    programId: str,
    limit: Annotated[int | None, Query(ge=1, le=100, description="Rows to return (1-100, default 100).")] = None,
    order: Annotated[str | None, Query(max_length=10, description="-id (default) or id.")] = None,
) -> dict:  # limit and order are declared for the OpenAPI document; the service reads the raw query string
    return reports.tiers_summary(table(app), programId, query_params(app))


handler = entry(app)
