"""DELETE /v2/loyalties/tier-structures/{tierStructureId}: soft-delete a tier structure that no program uses."""

from loyalty.api.app import entry, make_app, table
from loyalty.tiers import service as tiers

app = make_app()


@app.delete("/v2/loyalties/tier-structures/<tierStructureId>")
def delete_tier_structure(tierStructureId: str) -> dict:
    return tiers.delete_tier_structure(table(app), tierStructureId)


handler = entry(app)
