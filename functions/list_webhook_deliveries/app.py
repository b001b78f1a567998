"""GET /v1/webhooks/{webhookId}/deliveries (ours, not Voucherify's): a page of a webhook's deliveries, newest first,
each with its status (PENDING, DELIVERED, FAILED) and attempts."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.webhooks import service as webhooks

app = make_app()


@app.get("/v1/webhooks/<webhookId>/deliveries")
def list_webhook_deliveries(
    webhookId: str,
    limit: Annotated[int | None, Query(description="Deliveries per page, 1 to 100 (default 10).")] = None,
    cursor: Annotated[str | None, Query(description="The previous page's cursor.next.")] = None,
) -> dict:  # declared for the OpenAPI document; the service reads the raw query string
    return webhooks.list_deliveries(table(app), webhookId, query_params(app))


handler = entry(app)
