"""POST /v2/loyalties/rewards: create a reward."""

from loyalty.api.app import entry, make_app, table
from loyalty.components import service as components
from loyalty.components.models import RewardCreate

app = make_app()


@app.post("/v2/loyalties/rewards")
def create_reward(body: RewardCreate) -> dict:
    return components.create_reward(table(app), body)


handler = entry(app)
