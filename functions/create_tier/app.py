"""POST /v2/loyalties/tier-structures/{tierStructureId}/tiers: add a tier to a DRAFT tier structure (at most 10)."""

from loyalty.api.app import entry, make_app, table
from loyalty.tiers import service as tiers
from loyalty.tiers.models import TierCreate

app = make_app()


@app.post("/v2/loyalties/tier-structures/<tierStructureId>/tiers")
def create_tier(tierStructureId: str, body: TierCreate) -> dict:
    return tiers.create_tier(table(app), tierStructureId, body)


handler = entry(app)
