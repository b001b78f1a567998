"""POST /v2/loyalties/rewards: create a reward."""

from loyalty.api.app import entry, make_app, repository
from loyalty.models.components import RewardCreate
from loyalty.services import components

app = make_app()


@app.post("/v2/loyalties/rewards")
def create_reward(body: RewardCreate) -> dict:
    return components.create_reward(repository(app), body)


handler = entry(app)
