"""DELETE /v1/webhooks/{webhookId} (ours, not Voucherify's): delete a webhook (204); its deliveries stay, and a pending
one ends FAILED."""

from aws_lambda_powertools.event_handler import Response

from loyalty.api.app import entry, make_app, no_content, table
from loyalty.webhooks import service as webhooks

app = make_app()


@app.delete("/v1/webhooks/<webhookId>")
def delete_webhook(webhookId: str) -> Response[None]:
    webhooks.delete_webhook(table(app), webhookId)
    return no_content()


handler = entry(app)
