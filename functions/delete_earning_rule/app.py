"""DELETE /v2/loyalties/earning-rules/{earningRuleId}: soft-delete an earning rule no live program uses; answers its last state."""

from loyalty.api.app import entry, make_app, table
from loyalty.components import service as components

app = make_app()


@app.delete("/v2/loyalties/earning-rules/<earningRuleId>")
def delete_earning_rule(earningRuleId: str) -> dict:
    return components.delete_earning_rule(table(app), earningRuleId)


handler = entry(app)
