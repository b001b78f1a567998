"""GET /v1/loyalties/{campaignId}/tiers/{loyaltyTierId}/earning-rules: the earning rules a member in the tier earns by."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.v1tiers import service as tiers

app = make_app()


@app.get("/v1/loyalties/<campaignId>/tiers/<loyaltyTierId>/earning-rules")
def list_loyalty_tier_earning_rules(
    campaignId: str,
    loyaltyTierId: str,
    limit: Annotated[int | None, Query(ge=1, le=100, description="Page size (1-100, default 10).")] = None,
    page: Annotated[int | None, Query(ge=1, le=100, description="Which page (from 1).")] = None,
) -> dict:
    return tiers.list_tier_earning_rules(table(app), campaignId, loyaltyTierId, query_params(app), limit, page)


handler = entry(app)
