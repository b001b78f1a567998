"""GET /v1/loyalties/{campaignId}/members/{memberId}/points-expiration: a loyalty card's ACTIVE points buckets, soonest first."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.buckets import service as buckets

app = make_app()


@app.get("/v1/loyalties/<campaignId>/members/<memberId>/points-expiration")
def list_points_expiration(campaignId: str, memberId: str, limit: Annotated[int | None, Query(ge=1, le=100)] = None,
                           page: Annotated[int | None, Query(ge=1, le=100)] = None) -> dict:
    return buckets.list_points_expiration(table(app), campaignId, memberId, query_params(app))


handler = entry(app)
