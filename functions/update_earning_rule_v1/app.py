"""PUT /v1/loyalties/{campaignId}/earning-rules/{earningRuleId}: replace the given fields of a v1 earning rule."""

from loyalty.api.app import entry, make_app, table
from loyalty.v1 import service as campaigns
from loyalty.v1.models import CampaignEarningRuleUpdate

app = make_app()


@app.put("/v1/loyalties/<campaignId>/earning-rules/<earningRuleId>")
def update_earning_rule(campaignId: str, earningRuleId: str, body: CampaignEarningRuleUpdate) -> dict:
    return campaigns.update_earning_rule(table(app), campaignId, earningRuleId, body)


handler = entry(app)
