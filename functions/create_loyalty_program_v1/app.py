"""POST /v1/loyalties: create a v1 loyalty campaign (AUTO_UPDATE: card codes are generated on publish)."""

from loyalty.api.app import entry, make_app, table
from loyalty.v1 import service as campaigns
from loyalty.v1.models import LoyaltyCampaignCreate

app = make_app()


@app.post("/v1/loyalties")
def create_loyalty_program(body: LoyaltyCampaignCreate) -> dict:
    return campaigns.create_campaign(table(app), body)


handler = entry(app)
