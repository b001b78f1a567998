"""GET .../members/{memberId}/orders/payments: a member's order payments, filtered, ordered and cursor-paginated."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.payments import service as payments

app = make_app()
LIST_SPEC = payments.PAYMENTS


@app.get("/v2/loyalties/programs/<programId>/members/<memberId>/orders/payments")
def list_member_order_payments(programId: str, memberId: str) -> dict:
    return payments.list_payments(table(app), programId, memberId, query_params(app))


handler = entry(app)
