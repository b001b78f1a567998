"""DELETE /v2/loyalties/tier-structures/{tierStructureId}/tiers/{tierId}: remove a tier of a DRAFT tier structure."""

from loyalty.api.app import entry, make_app, table
from loyalty.tiers import service as tiers

app = make_app()


@app.delete("/v2/loyalties/tier-structures/<tierStructureId>/tiers/<tierId>")
def delete_tier(tierStructureId: str, tierId: str) -> dict:
    return tiers.delete_tier(table(app), tierStructureId, tierId)


handler = entry(app)
