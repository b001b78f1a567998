"""POST .../members/{memberId}/rewards/purchases: 202 with a PENDING transaction (200 for DRY_RUN)."""

from loyalty.api.app import entry, make_app, repository
from loyalty.models.v2 import RewardPurchaseCreate
from loyalty.services import purchases

app = make_app()


@app.post("/v2/loyalties/programs/<programId>/members/<memberId>/rewards/purchases")
def purchase_member_reward(programId: str, memberId: str, body: RewardPurchaseCreate) -> tuple[dict, int]:
    return purchases.purchase_reward(repository(app), programId, memberId, body)


handler = entry(app)
