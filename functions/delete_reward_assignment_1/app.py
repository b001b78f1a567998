"""DELETE /v1/loyalties/{campaignId}/rewards/{assignmentId}: take a reward out of a v1 campaign; 204 without a body."""

from aws_lambda_powertools.event_handler import Response

from loyalty.api.app import entry, make_app, table
from loyalty.v1rewards import service as rewards

app = make_app()


@app.delete("/v1/loyalties/<campaignId>/rewards/<assignmentId>")
def delete_reward_assignment_1(campaignId: str, assignmentId: str) -> Response[None]:
    rewards.delete_campaign_reward_assignment(table(app), campaignId, assignmentId)
    return Response(status_code=204)


handler = entry(app)
