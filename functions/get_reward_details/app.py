"""GET /v1/loyalties/{campaignId}/reward-assignments/{assignmentId}/reward: the reward of one reward assignment of a v1 campaign."""

from loyalty.api.app import entry, make_app, table
from loyalty.v1rewards import service as rewards

app = make_app()


@app.get("/v1/loyalties/<campaignId>/reward-assignments/<assignmentId>/reward")
def get_reward_details(campaignId: str, assignmentId: str) -> dict:
    return rewards.get_assignment_reward(table(app), campaignId, assignmentId)


handler = entry(app)
