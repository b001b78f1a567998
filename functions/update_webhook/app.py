"""PUT /v1/webhooks/{webhookId} (ours, not Voucherify's): change a webhook's URL, event types, active flag or description."""

from loyalty.api.app import entry, make_app, table
from loyalty.webhooks import service as webhooks
from loyalty.webhooks.models import WebhookUpdate

app = make_app()


@app.put("/v1/webhooks/<webhookId>")
def update_webhook(webhookId: str, body: WebhookUpdate) -> dict:
    return webhooks.update_webhook(table(app), webhookId, body)


handler = entry(app)
