"""PUT /v1/rewards/{rewardId}/assignments/{assignmentId}: change the points cost of a v1 reward's campaign assignment."""

from loyalty.api.app import entry, make_app, table
from loyalty.v1rewards import service as rewards
from loyalty.v1rewards.models import RewardAssignmentUpdate

app = make_app()


@app.put("/v1/rewards/<rewardId>/assignments/<assignmentId>")
def update_reward_assignment(rewardId: str, assignmentId: str, body: RewardAssignmentUpdate) -> dict:
    return rewards.update_reward_assignment(table(app), rewardId, assignmentId, body)


handler = entry(app)
