"""GET /v1/loyalties/{campaignId}/tiers/{loyaltyTierId}/rewards: the rewards a member in the tier may redeem."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.v1tiers import service as tiers

app = make_app()


@app.get("/v1/loyalties/<campaignId>/tiers/<loyaltyTierId>/rewards")
def list_loyalty_tier_rewards(campaignId: str, loyaltyTierId: str) -> dict:
    return tiers.list_tier_rewards(table(app), campaignId, loyaltyTierId, query_params(app))


handler = entry(app)
