"""PUT /v1/loyalties/{campaignId}: update a v1 loyalty campaign (by id or name); the given fields replace the campaign's."""

from loyalty.api.app import entry, make_app, table
from loyalty.v1 import service as campaigns
from loyalty.v1.models import LoyaltyCampaignUpdate

app = make_app()


@app.put("/v1/loyalties/<campaignId>")
def update_loyalty_program(campaignId: str, body: LoyaltyCampaignUpdate) -> dict:
    return campaigns.update_campaign(table(app), campaignId, body)


handler = entry(app)
