"""GET /v1/loyalties/{campaignId}/tiers: a v1 campaign's tiers (`limit`, `order`)."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.v1tiers import service as tiers

app = make_app()

Order = Literal["created_at", "-created_at", "updated_at", "-updated_at"]


@app.get("/v1/loyalties/<campaignId>/tiers")
def list_loyalty_tiers(
    campaignId: str,
    limit: Annotated[int | None, Query(ge=1, le=100, description="How many tiers (1-100, default 10).")] = None,
    order: Annotated[Order | None, Query(description="Sort order; default: creation order.")] = None,
) -> dict:
    return tiers.list_tiers(table(app), campaignId, query_params(app), limit, order)


handler = entry(app)
