"""POST /v2/loyalties/tier-structures: create a tier structure (DRAFT unless `status` says ACTIVE)."""

from loyalty.api.app import entry, make_app, table
from loyalty.components.models import TierStructureCreate
from loyalty.tiers import service as tiers

app = make_app()


@app.post("/v2/loyalties/tier-structures")
def create_tier_structure(body: TierStructureCreate) -> dict:
    return tiers.create_tier_structure(table(app), body)


handler = entry(app)
