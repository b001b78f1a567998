"""GET /v1/loyalties/{campaignId}/tiers/{loyaltyTierId}: one tier of a v1 campaign."""

from loyalty.api.app import entry, make_app, table
from loyalty.v1tiers import service as tiers

app = make_app()


@app.get("/v1/loyalties/<campaignId>/tiers/<loyaltyTierId>")
def get_loyalty_tier(campaignId: str, loyaltyTierId: str) -> dict:
    return tiers.get_tier(table(app), campaignId, loyaltyTierId)


handler = entry(app)
