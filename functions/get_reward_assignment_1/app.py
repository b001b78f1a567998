"""GET /v1/loyalties/{campaignId}/reward-assignments/{assignmentId}: one reward assignment of a v1 campaign."""

from loyalty.api.app import entry, make_app, table
from loyalty.v1rewards import service as rewards

app = make_app()


@app.get("/v1/loyalties/<campaignId>/reward-assignments/<assignmentId>")
def get_reward_assignment_1(campaignId: str, assignmentId: str) -> dict:
    return rewards.get_campaign_reward_assignment(table(app), campaignId, assignmentId)


handler = entry(app)
