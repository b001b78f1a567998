"""POST /v1/rewards/{rewardId}/assignments: assign a v1 reward to a loyalty campaign at a points cost."""

from loyalty.api.app import entry, make_app, table
from loyalty.v1rewards import service as rewards
from loyalty.v1rewards.models import RewardAssignmentCreate

app = make_app()


@app.post("/v1/rewards/<rewardId>/assignments")
def create_reward_assignment(rewardId: str, body: RewardAssignmentCreate) -> dict:
    return rewards.create_reward_assignment(table(app), rewardId, body)


handler = entry(app)
