"""PUT /v2/loyalties/earning-rules/{earningRuleId}: replace the given fields (earnings by id; outside DRAFT only the fields the spec lists)."""

from loyalty.api.app import entry, make_app, table
from loyalty.components import service as components
from loyalty.components.models import EarningRuleUpdate

app = make_app()


@app.put("/v2/loyalties/earning-rules/<earningRuleId>")
def update_earning_rule(earningRuleId: str, body: EarningRuleUpdate) -> dict:
    return components.update_earning_rule(table(app), earningRuleId, body)


handler = entry(app)
