"""POST /v2/loyalties/tier-structures/{tierStructureId}/activate: DRAFT or INACTIVE -> ACTIVE."""

from loyalty.api.app import entry, make_app, table
from loyalty.tiers import service as tiers

app = make_app()


@app.post("/v2/loyalties/tier-structures/<tierStructureId>/activate")
def activate_tier_structure(tierStructureId: str) -> dict:
    return tiers.activate_tier_structure(table(app), tierStructureId)


handler = entry(app)
