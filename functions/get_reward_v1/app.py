"""GET /v1/rewards/{rewardId}: one v1 reward."""

from loyalty.api.app import entry, make_app, table
from loyalty.v1rewards import service as rewards

app = make_app()


@app.get("/v1/rewards/<rewardId>")
def get_reward(rewardId: str) -> dict:
    return rewards.get_reward(table(app), rewardId)


handler = entry(app)
