"""GET /v1/loyalties: the project's v1 loyalty campaigns, a page at a time (`limit` 1-100, `page` 1-100, `order` by
created_at or updated_at, newest first by default), with their total."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.api.app import entry, make_app, table
from loyalty.v1 import service as campaigns
from loyalty.v1.models import CampaignsExpand, CampaignsOrder

app = make_app()


@app.get("/v1/loyalties")
def list_loyalty_programs(
    limit: Annotated[int | None, Query(ge=1, le=100, description="Page size (1-100, default 10).")] = None,
    page: Annotated[int | None, Query(ge=1, le=100, description="Which page (from 1).")] = None,
    order: Annotated[CampaignsOrder | None, Query(description="Sort order; default: the most recent first.")] = None,
    expand: Annotated[CampaignsExpand | None, Query(description="Accepted; categories and access settings are always in the answer.")] = None,
) -> dict:
    return campaigns.list_campaigns(table(app), limit, page, order)


handler = entry(app)
