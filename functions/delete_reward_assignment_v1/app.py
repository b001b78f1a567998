"""DELETE /v1/rewards/{rewardId}/assignments/{assignmentId}: take a v1 reward out of a campaign; 204 without a body."""

from aws_lambda_powertools.event_handler import Response

from loyalty.api.app import entry, make_app, table
from loyalty.v1rewards import service as rewards

app = make_app()


@app.delete("/v1/rewards/<rewardId>/assignments/<assignmentId>")
def delete_reward_assignment(rewardId: str, assignmentId: str) -> Response[None]:
    rewards.delete_reward_assignment(table(app), rewardId, assignmentId)
    return Response(status_code=204)


handler = entry(app)
