"""GET /v1/webhooks/{webhookId} (ours, not Voucherify's): one webhook with its signing `secret`."""

from loyalty.api.app import entry, make_app, table
from loyalty.webhooks import service as webhooks

app = make_app()


@app.get("/v1/webhooks/<webhookId>")
def get_webhook(webhookId: str) -> dict:
    return webhooks.get_webhook(table(app), webhookId)


handler = entry(app)
