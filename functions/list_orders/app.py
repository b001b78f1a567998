"""GET /v1/orders: the project's orders, a page at a time (`limit` 1-100, `page` 1-100, `order` by created_at or
updated_at, newest first by default), with their total."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.api.app import entry, make_app, table
from loyalty.orders import service as orders
from loyalty.orders.models import DEFAULT_LIST_ORDER, ListOrder

app = make_app()


@app.get("/v1/orders")
def list_orders(limit: Annotated[int, Query(ge=1, le=100)] = 10, page: Annotated[int, Query(ge=1, le=100)] = 1,
                order: Annotated[ListOrder, Query()] = DEFAULT_LIST_ORDER) -> dict:
    return orders.list_orders(table(app), limit, page, order)


handler = entry(app)
