"""GET .../members/{memberId}/rewards/purchases: a member's reward purchases, filtered, ordered and cursor-paginated."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.purchases import service as purchases

app = make_app()
LIST_SPEC = purchases.PURCHASES


@app.get("/v2/loyalties/programs/<programId>/members/<memberId>/rewards/purchases")
def list_member_reward_purchases(programId: str, memberId: str) -> dict:
    return purchases.list_reward_purchases(table(app), programId, memberId, query_params(app))


handler = entry(app)
