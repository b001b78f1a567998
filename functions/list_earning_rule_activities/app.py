"""GET /v2/loyalties/earning-rules/{earningRuleId}/activities: a earning rule's history, newest first, filtered by id, type and created_at."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.components import service as components

app = make_app()
LIST_SPEC = components.EARNING_RULE_ACTIVITIES


@app.get("/v2/loyalties/earning-rules/<earningRuleId>/activities")
def list_earning_rule_activities(earningRuleId: str) -> dict:
    return components.list_earning_rule_activities(table(app), earningRuleId, query_params(app))


handler = entry(app)
