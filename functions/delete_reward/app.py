"""DELETE /v2/loyalties/rewards/{rewardId}: soft-delete a reward no live program uses (400 resource_in_use otherwise)."""

from loyalty.api.app import entry, make_app, table
from loyalty.components import service as components

app = make_app()


@app.delete("/v2/loyalties/rewards/<rewardId>")
def delete_reward(rewardId: str) -> dict:
    return components.delete_reward(table(app), rewardId)


handler = entry(app)
