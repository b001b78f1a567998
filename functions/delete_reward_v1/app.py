"""DELETE /v1/rewards/{rewardId}: delete a v1 reward that no campaign has assigned; 204 without a body."""

from aws_lambda_powertools.event_handler import Response

from loyalty.api.app import entry, make_app, table
from loyalty.v1rewards import service as rewards

app = make_app()


@app.delete("/v1/rewards/<rewardId>")
def delete_reward(rewardId: str) -> Response[None]:
    rewards.delete_reward(table(app), rewardId)
    return Response(status_code=204)


handler = entry(app)
