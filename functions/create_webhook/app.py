"""POST /v1/webhooks (ours, not Voucherify's): a webhook - a URL and the event types POSTed to it, signed - with its
signing `secret`."""

from loyalty.api.app import entry, make_app, table
from loyalty.webhooks import service as webhooks
from loyalty.webhooks.models import WebhookCreate

app = make_app()


@app.post("/v1/webhooks")
def create_webhook(body: WebhookCreate) -> dict:
    return webhooks.create_webhook(table(app), body)


handler = entry(app)
