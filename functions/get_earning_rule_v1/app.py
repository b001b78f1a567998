"""GET /v1/loyalties/{campaignId}/earning-rules/{earningRuleId}: one earning rule of a v1 campaign (id or name)."""

from loyalty.api.app import entry, make_app, table
from loyalty.v1 import service as campaigns

app = make_app()


@app.get("/v1/loyalties/<campaignId>/earning-rules/<earningRuleId>")
def get_earning_rule(campaignId: str, earningRuleId: str) -> dict:
    return campaigns.get_earning_rule(table(app), campaignId, earningRuleId)


handler = entry(app)
