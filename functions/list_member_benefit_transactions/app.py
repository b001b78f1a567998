"""GET .../members/{memberId}/benefits/transactions: the benefits earning rules granted a member, filtered, ordered and
cursor-paginated."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.benefits import service as benefits

app = make_app()
LIST_SPEC = benefits.TRANSACTIONS


@app.get("/v2/loyalties/programs/<programId>/members/<memberId>/benefits/transactions")
def list_member_benefit_transactions(programId: str, memberId: str) -> dict:
    return benefits.list_member_benefit_transactions(table(app), programId, memberId, query_params(app))


handler = entry(app)
