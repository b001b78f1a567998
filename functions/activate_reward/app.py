"""POST /v2/loyalties/rewards/{rewardId}/activate: DRAFT or INACTIVE -> ACTIVE (409 invalid_state_transition from any other status)."""

from loyalty.api.app import entry, make_app, table
from loyalty.components import service as components

app = make_app()


@app.post("/v2/loyalties/rewards/<rewardId>/activate")
def activate_reward(rewardId: str) -> dict:
    return components.activate_reward(table(app), rewardId)


handler = entry(app)
