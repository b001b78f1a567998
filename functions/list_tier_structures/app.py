"""GET /v2/loyalties/tier-structures: the project's tier structures, filtered, ordered and cursor-paginated."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.tiers import service as tiers

app = make_app()
LIST_SPEC = tiers.STRUCTURES


@app.get("/v2/loyalties/tier-structures")
def list_tier_structures() -> dict:
    return tiers.list_tier_structures(table(app), query_params(app))


handler = entry(app)
