"""PUT /v2/loyalties/rewards/{rewardId}: replace the given fields (costs by id; ACTIVE/INACTIVE: only the fields the spec lists)."""

from loyalty.api.app import entry, make_app, table
from loyalty.components import service as components
from loyalty.components.models import RewardUpdate

app = make_app()


@app.put("/v2/loyalties/rewards/<rewardId>")
def update_reward(rewardId: str, body: RewardUpdate) -> dict:
    return components.update_reward(table(app), rewardId, body)


handler = entry(app)
