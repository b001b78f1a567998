"""POST .../members/{memberId}/rewards/purchases: 202 with a PENDING transaction (200 for DRY_RUN)."""

from loyalty.api.app import entry, make_app, table
from loyalty.purchases import service as purchases
from loyalty.purchases.models import RewardPurchaseCreate

app = make_app()


@app.post("/v2/loyalties/programs/<programId>/members/<memberId>/rewards/purchases")
def purchase_member_reward(programId: str, memberId: str, body: RewardPurchaseCreate) -> tuple[dict, int]:
    return purchases.purchase_reward(table(app), programId, memberId, body)


handler = entry(app)
