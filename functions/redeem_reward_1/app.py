"""POST /v1/loyalties/{campaignId}/members/{memberId}/redemption: a v1 loyalty card (its code is the memberId) spends
points on a reward assigned to its campaign, synchronously; answers the redemption."""

from loyalty.api.app import base_url, entry, make_app, table
from loyalty.v1rewards import redemption
from loyalty.v1rewards.models import RedemptionRequest

app = make_app()


@app.post("/v1/loyalties/<campaignId>/members/<memberId>/redemption")
def redeem_reward(campaignId: str, memberId: str, body: RedemptionRequest) -> dict:
    return redemption.redeem_reward(table(app), campaignId, memberId, body, base_url(app))


handler = entry(app)
