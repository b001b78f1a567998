"""GET /v2/loyalties/rewards/{rewardId}/activities: a reward's history, newest first, filtered by id, type and created_at."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.components import service as components

app = make_app()
LIST_SPEC = components.REWARD_ACTIVITIES


@app.get("/v2/loyalties/rewards/<rewardId>/activities")
def list_reward_activities(rewardId: str) -> dict:
    return components.list_reward_activities(table(app), rewardId, query_params(app))


handler = entry(app)
