"""GET /v1/loyalties/{campaignId}/members: a v1 campaign's loyalty cards as vouchers, a page at a time (`limit`, `page`,
`order`), filtered by `customer`, `created_at[before|after]`, `updated_at[before|after]`, `code` and `ids`."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.api.app import base_url, entry, make_app, query_params, table
from loyalty.v1 import service as campaigns

app = make_app()


@app.get("/v1/loyalties/<campaignId>/members")
def list_members(
    campaignId: str,
    limit: Annotated[int | None, Query(ge=1, le=100, description="Page size (1-100, default 10).")] = None,
    page: Annotated[int | None, Query(ge=1, le=100, description="Which page (from 1).")] = None,
    customer: Annotated[str | None, Query(max_length=255, description="Only the cards of this customer (id or source id).")] = None,
    order: Annotated[str | None, Query(max_length=20, description="created_at, updated_at or code, `-` for descending; "
                                                                  "default -created_at.")] = None,
    code: Annotated[str | None, Query(max_length=255, description="Only the card with this code.")] = None,
) -> dict:
    return campaigns.list_members(table(app), campaignId, query_params(app), base_url(app))


handler = entry(app)
