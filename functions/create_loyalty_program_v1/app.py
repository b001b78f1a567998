"""POST /v1/loyalties: create a v1 loyalty campaign (AUTO_UPDATE: card codes are generated on publish)."""

from loyalty.api.app import entry, make_app, repository
from loyalty.models.v1 import LoyaltyCampaignCreate
from loyalty.services import campaigns

app = make_app()


@app.post("/v1/loyalties")
def create_loyalty_program(body: LoyaltyCampaignCreate) -> dict:
    return campaigns.create_campaign(repository(app), body)


handler = entry(app)
