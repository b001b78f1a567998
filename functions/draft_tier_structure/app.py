"""POST /v2/loyalties/tier-structures/{tierStructureId}/draft: ACTIVE -> DRAFT."""

from loyalty.api.app import entry, make_app, table
from loyalty.tiers import service as tiers

app = make_app()


@app.post("/v2/loyalties/tier-structures/<tierStructureId>/draft")
def draft_tier_structure(tierStructureId: str) -> dict:
    return tiers.draft_tier_structure(table(app), tierStructureId)


handler = entry(app)
