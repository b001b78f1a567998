"""POST /v1/loyalties/members/{memberId}/balance: add or remove a card's points by its code (synchronous)."""

from loyalty.api.app import entry, make_app, table
from loyalty.v1 import service as campaigns
from loyalty.v1.models import BalanceUpdate

app = make_app()


@app.post("/v1/loyalties/members/<memberId>/balance")
def update_loyalty_card_balance(memberId: str, body: BalanceUpdate) -> dict:
    return campaigns.update_balance(table(app), None, memberId, body)


handler = entry(app)
