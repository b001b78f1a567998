"""POST /v1/rewards: create a v1 reward (MATERIAL, or CAMPAIGN crediting loyalty points)."""

from loyalty.api.app import entry, make_app, table
from loyalty.v1rewards import service as rewards
from loyalty.v1rewards.models import RewardV1Create

app = make_app()


@app.post("/v1/rewards")
def create_reward(body: RewardV1Create) -> dict:
    return rewards.create_reward(table(app), body)


handler = entry(app)
