"""GET /v2/loyalties/rewards: the project's rewards, filtered, ordered and cursor-paginated."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.components import service as components

app = make_app()
LIST_SPEC = components.REWARDS


@app.get("/v2/loyalties/rewards")
def list_rewards() -> dict:
    return components.list_rewards(table(app), query_params(app))


handler = entry(app)
