"""GET /v1/rewards/{rewardId}/assignments/{assignmentId}: one campaign assignment of a v1 reward."""

from loyalty.api.app import entry, make_app, table
from loyalty.v1rewards import service as rewards

app = make_app()


@app.get("/v1/rewards/<rewardId>/assignments/<assignmentId>")
def get_reward_assignment(rewardId: str, assignmentId: str) -> dict:
    return rewards.get_reward_assignment(table(app), rewardId, assignmentId)


handler = entry(app)
