"""PUT /v1/rewards/{rewardId}: replace the given fields of a v1 reward."""

from loyalty.api.app import entry, make_app, table
from loyalty.v1rewards import service as rewards
from loyalty.v1rewards.models import RewardV1Update

app = make_app()


@app.put("/v1/rewards/<rewardId>")
def update_reward(rewardId: str, body: RewardV1Update) -> dict:
    return rewards.update_reward(table(app), rewardId, body)


handler = entry(app)
