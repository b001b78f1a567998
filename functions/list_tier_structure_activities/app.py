"""GET /v2/loyalties/tier-structures/{tierStructureId}/activities: a tier structure's activities (its tiers' included), newest first."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.tiers import service as tiers

app = make_app()
LIST_SPEC = tiers.ACTIVITIES


@app.get("/v2/loyalties/tier-structures/<tierStructureId>/activities")
def list_tier_structure_activities(tierStructureId: str) -> dict:
    return tiers.list_tier_structure_activities(table(app), tierStructureId, query_params(app))


handler = entry(app)
