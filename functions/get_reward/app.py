"""GET /v2/loyalties/rewards/{rewardId}: one reward."""

from loyalty.api.app import entry, make_app, repository
from loyalty.services import components

app = make_app()


@app.get("/v2/loyalties/rewards/<rewardId>")
def get_reward(rewardId: str) -> dict:
    return components.get_reward(repository(app), rewardId)


handler = entry(app)
