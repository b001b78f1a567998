"""POST /v1/loyalties/{campaignId}/members/{memberId}/balance: add or remove a card's points (synchronous)."""

from loyalty.api.app import entry, make_app, table
from loyalty.v1 import service as campaigns
from loyalty.v1.models import BalanceUpdate

app = make_app()


@app.post("/v1/loyalties/<campaignId>/members/<memberId>/balance")
def update_loyalty_card_balance(campaignId: str, memberId: str, body: BalanceUpdate) -> dict:
    return campaigns.update_balance(table(app), campaignId, memberId, body)


handler = entry(app)
