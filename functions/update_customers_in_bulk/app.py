"""POST /v1/customers/bulk/async: a JSON array of customers to update (or create) by source id, applied by the worker;
202 with the async action's id."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body

from loyalty.api.app import entry, make_app, request_id, table
from loyalty.v1 import service as customers_v1

app = make_app()


@app.post("/v1/customers/bulk/async")
def update_customers_in_bulk(body: Annotated[list[Any], Body()]) -> tuple[dict, int]:
    return customers_v1.update_customers_in_bulk(table(app), body, request_id(app))


handler = entry(app, array_body=True)
