"""POST .../programs/{programId}/rewards/purchases/{rewardTransactionId}/refund: 202 with the APPROVED REFUND transaction; the
worker returns the points."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from loyalty.api.app import entry, make_app, table
from loyalty.purchases import service as purchases
from loyalty.purchases.models import RewardPurchaseRefund

app = make_app()


@app.post("/v2/loyalties/programs/<programId>/rewards/purchases/<rewardTransactionId>/refund")
def refund_reward_purchase(programId: str, rewardTransactionId: str,
                           body: Annotated[RewardPurchaseRefund | None, Body()] = None) -> tuple[dict, int]:
    return purchases.refund_reward_purchase(table(app), programId, rewardTransactionId, body)


handler = entry(app)
