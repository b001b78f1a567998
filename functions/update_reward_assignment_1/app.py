"""PUT /v1/loyalties/{campaignId}/rewards/{assignmentId}: change the points cost of a reward in a v1 campaign."""

from loyalty.api.app import entry, make_app, table
from loyalty.v1rewards import service as rewards
from loyalty.v1rewards.models import RewardAssignmentUpdate

app = make_app()


@app.put("/v1/loyalties/<campaignId>/rewards/<assignmentId>")
def update_reward_assignment_1(campaignId: str, assignmentId: str, body: RewardAssignmentUpdate) -> dict:
    return rewards.update_campaign_reward_assignment(table(app), campaignId, assignmentId, body)


handler = entry(app)
