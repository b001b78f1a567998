"""PUT /v2/loyalties/tier-structures/{tierStructureId}/tiers/{tierId}: update a tier (only name and metadata unless DRAFT)."""

from loyalty.api.app import entry, make_app, table
from loyalty.tiers import service as tiers
from loyalty.tiers.models import TierUpdate

app = make_app()


@app.put("/v2/loyalties/tier-structures/<tierStructureId>/tiers/<tierId>")
def update_tier(tierStructureId: str, tierId: str, body: TierUpdate) -> dict:
    return tiers.update_tier(table(app), tierStructureId, tierId, body)


handler = entry(app)
