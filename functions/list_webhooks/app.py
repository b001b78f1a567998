"""GET /v1/webhooks (ours, not Voucherify's): the project's webhooks (at most 20), oldest first."""

from loyalty.api.app import entry, make_app, table
from loyalty.webhooks import service as webhooks

app = make_app()


@app.get("/v1/webhooks")
def list_webhooks() -> dict:
    return webhooks.list_webhooks(table(app))


handler = entry(app)
