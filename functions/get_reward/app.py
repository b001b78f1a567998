"""GET /v2/loyalties/rewards/{rewardId}: one reward."""

from loyalty.api.app import entry, make_app, table
from loyalty.components import service as components

app = make_app()


@app.get("/v2/loyalties/rewards/<rewardId>")
def get_reward(rewardId: str) -> dict:
    return components.get_reward(table(app), rewardId)


handler = entry(app)
