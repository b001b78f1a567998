"""GET /v2/loyalties/tier-structures/{tierStructureId}: one tier structure."""

from loyalty.api.app import entry, make_app, table
from loyalty.tiers import service as tiers

app = make_app()


@app.get("/v2/loyalties/tier-structures/<tierStructureId>")
def get_tier_structure(tierStructureId: str) -> dict:
    return tiers.get_tier_structure(table(app), tierStructureId)


handler = entry(app)
