"""GET /v1/loyalties/{campaignId}/pending-points: the pending points entries of a v1 campaign's cards, by id, a page at a
time (`limit`, `order`, `starting_after_id`)."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.buckets import service as buckets

app = make_app()


@app.get("/v1/loyalties/<campaignId>/pending-points")
def list_campaign_pending_points(campaignId: str, limit: Annotated[int | None, Query(ge=1, le=100)] = None,
                                 order: Annotated[Literal["id", "-id"] | None, Query()] = None,
                                 starting_after_id: Annotated[str | None, Query(max_length=100)] = None) -> dict:
    return buckets.list_campaign_pending_points(table(app), campaignId, query_params(app))


handler = entry(app)
