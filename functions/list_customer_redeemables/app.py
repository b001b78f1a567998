"""GET /v1/customers/{customerId}/redeemables: the customer's loyalty cards as customer redeemables (the v1 voucher
inside), a page at a time (`limit`, `order`, `starting_after_id`), filtered by `filters[...]`."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.api.app import base_url, entry, make_app, query_params, table
from loyalty.v1 import service as customers_v1

app = make_app()


@app.get("/v1/customers/<customerId>/redeemables")
def list_customer_redeemables(
    customerId: str,
    limit: Annotated[int | None, Query(ge=1, le=100, description="Page size (1-100, default 10).")] = None,
    order: Annotated[Literal["id", "-id"] | None, Query(description="-id (default): newest first.")] = None,
    starting_after_id: Annotated[str | None, Query(max_length=100, description="The page after this redeemable.")] = None,
) -> dict:
    return customers_v1.list_customer_redeemables(table(app), customerId, query_params(app), base_url(app))


handler = entry(app)
