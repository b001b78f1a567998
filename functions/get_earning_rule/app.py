"""GET /v2/loyalties/earning-rules/{earningRuleId}: one earning rule."""

from loyalty.api.app import entry, make_app, table
from loyalty.components import service as components

app = make_app()


@app.get("/v2/loyalties/earning-rules/<earningRuleId>")
def get_earning_rule(earningRuleId: str) -> dict:
    return components.get_earning_rule(table(app), earningRuleId)


handler = entry(app)
