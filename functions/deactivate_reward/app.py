"""POST /v2/loyalties/rewards/{rewardId}/deactivate: ACTIVE -> INACTIVE (409 invalid_state_transition from any other status)."""

from loyalty.api.app import entry, make_app, table
from loyalty.components import service as components

app = make_app()


@app.post("/v2/loyalties/rewards/<rewardId>/deactivate")
def deactivate_reward(rewardId: str) -> dict:
    return components.deactivate_reward(table(app), rewardId)


handler = entry(app)
