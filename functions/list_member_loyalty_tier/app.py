"""GET /v1/loyalties/members/{memberId}/tiers: the tier a v1 card's member is in (its stored standing)."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.v1tiers import service as tiers

app = make_app()


@app.get("/v1/loyalties/members/<memberId>/tiers")
def list_member_loyalty_tier(memberId: str) -> dict:
    return tiers.list_member_tiers(table(app), memberId, query_params(app))


handler = entry(app)
