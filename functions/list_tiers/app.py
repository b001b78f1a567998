"""GET /v2/loyalties/tier-structures/{tierStructureId}/tiers: a tier structure's tiers, ordered and cursor-paginated."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.tiers import service as tiers

app = make_app()
LIST_SPEC = tiers.TIERS


@app.get("/v2/loyalties/tier-structures/<tierStructureId>/tiers")
def list_tiers(tierStructureId: str) -> dict:
    return tiers.list_tiers(table(app), tierStructureId, query_params(app))


handler = entry(app)
