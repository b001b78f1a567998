"""POST /v2/loyalties/rewards/{rewardId}/draft: ACTIVE -> DRAFT (409 from any other status; 423 resource_locked while a live program uses it)."""

from loyalty.api.app import entry, make_app, table
from loyalty.components import service as components

app = make_app()


@app.post("/v2/loyalties/rewards/<rewardId>/draft")
def draft_reward(rewardId: str) -> dict:
    return components.draft_reward(table(app), rewardId)


handler = entry(app)
