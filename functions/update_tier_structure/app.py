"""PUT /v2/loyalties/tier-structures/{tierStructureId}: update a tier structure (values merged; only name and metadata unless DRAFT)."""

from loyalty.api.app import entry, make_app, table
from loyalty.tiers import service as tiers
from loyalty.tiers.models import TierStructureUpdate

app = make_app()


@app.put("/v2/loyalties/tier-structures/<tierStructureId>")
def update_tier_structure(tierStructureId: str, body: TierStructureUpdate) -> dict:
    return tiers.update_tier_structure(table(app), tierStructureId, body)


handler = entry(app)
