"""GET .../members/{memberId}/tiers/transactions: a member's tier transactions (joined, upgraded, downgraded, prolonged,
left), filtered, ordered and cursor-paginated."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.tiering import service as tiering

app = make_app()
LIST_SPEC = tiering.TRANSACTIONS


@app.get("/v2/loyalties/programs/<programId>/members/<memberId>/tiers/transactions")
def list_member_tier_transactions(programId: str, memberId: str) -> dict:
    return tiering.list_member_tier_transactions(table(app), programId, memberId, query_params(app))


handler = entry(app)
