"""POST /v1/loyalties/{campaignId}/earning-rules/{earningRuleId}/disable: set a v1 earning rule's `active` to false."""

from loyalty.api.app import entry, make_app, table
from loyalty.v1 import service as campaigns

app = make_app()


@app.post("/v1/loyalties/<campaignId>/earning-rules/<earningRuleId>/disable")
def disable_earning_rule(campaignId: str, earningRuleId: str) -> dict:
    return campaigns.set_earning_rule_active(table(app), campaignId, earningRuleId, False)


handler = entry(app)
