"""GET /v1/customers/{customerId}/activities (deprecated): the activities of the customer's loyalty cards, a page after
`starting_after` (a date) or `starting_after_id`, filtered by campaign, campaign type and dates."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.v1 import service as customers_v1

app = make_app()


@app.get("/v1/customers/<customerId>/activities")
def list_customer_activities(
    customerId: str,
    limit: Annotated[int | None, Query(ge=1, le=100, description="Page size (1-100, default 10).")] = None,
    order: Annotated[str | None, Query(max_length=20, description="-created_at (default) or created_at.")] = None,
    starting_after: Annotated[str | None, Query(max_length=40, description="The page after this created_at.")] = None,
    starting_after_id: Annotated[str | None, Query(max_length=100, description="The page after this activity.")] = None,
    campaign_id: Annotated[str | None, Query(max_length=100, description="Only the activities of this campaign's card.")] = None,
    campaign_type: Annotated[str | None, Query(max_length=30, description="Only activities of this campaign type.")] = None,
    start_date: Annotated[str | None, Query(max_length=40, description="Only activities created at or after this.")] = None,
    end_date: Annotated[str | None, Query(max_length=40, description="Only activities created at or before this.")] = None,
) -> dict:
    return customers_v1.list_customer_activities(table(app), customerId, query_params(app))


handler = entry(app)
