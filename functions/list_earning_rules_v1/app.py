"""GET /v1/loyalties/{campaignId}/earning-rules: a v1 campaign's earning rules, page by page (`limit`, `page`, `order`)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.v1 import service as campaigns
from loyalty.v1.models import EarningRulesOrder

app = make_app()


@app.get("/v1/loyalties/<campaignId>/earning-rules")
def list_earning_rules(
    campaignId: str,
    limit: Annotated[int | None, Query(ge=1, le=100, description="Page size (1-100, default 10).")] = None,
    page: Annotated[int | None, Query(ge=1, le=100, description="Which page (from 1).")] = None,
    order: Annotated[EarningRulesOrder | None, Query(description="Sort order; default: creation order.")] = None,
) -> dict:
    return campaigns.list_earning_rules(table(app), campaignId, query_params(app), limit, page, order)


handler = entry(app)
