"""GET /v1/loyalties/members/{memberId}/transactions: one v1 loyalty card's transactions (by code, any campaign), newest
first, a page at a time (`limit`, `order`, `starting_after_id`, `filters[id][conditions][...]`)."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.v1 import service as campaigns

app = make_app()


@app.get("/v1/loyalties/members/<memberId>/transactions")
def list_loyalty_card_transactions(
    memberId: str,
    limit: Annotated[int | None, Query(ge=1, le=100, description="Page size (1-100, default 10).")] = None,
    order: Annotated[Literal["id", "-id"] | None, Query(description="id: oldest first; -id (default): newest first.")] = None,
    starting_after_id: Annotated[str | None, Query(max_length=100, description="The page after this transaction.")] = None,
) -> dict:
    return campaigns.list_card_transactions(table(app), None, memberId, query_params(app))


handler = entry(app)
