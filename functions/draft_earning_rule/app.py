"""POST /v2/loyalties/earning-rules/{earningRuleId}/draft: ACTIVE -> DRAFT (409 invalid_state_transition from any other status)."""

from loyalty.api.app import entry, make_app, table
from loyalty.components import service as components

app = make_app()


@app.post("/v2/loyalties/earning-rules/<earningRuleId>/draft")
def draft_earning_rule(earningRuleId: str) -> dict:
    return components.draft_earning_rule(table(app), earningRuleId)


handler = entry(app)
