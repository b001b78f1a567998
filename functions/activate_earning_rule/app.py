"""POST /v2/loyalties/earning-rules/{earningRuleId}/activate: DRAFT or INACTIVE -> ACTIVE (409 invalid_state_transition from any other status)."""

from loyalty.api.app import entry, make_app, table
from loyalty.components import service as components

app = make_app()


@app.post("/v2/loyalties/earning-rules/<earningRuleId>/activate")
def activate_earning_rule(earningRuleId: str) -> dict:
    return components.activate_earning_rule(table(app), earningRuleId)


handler = entry(app)
