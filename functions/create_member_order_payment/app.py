"""POST .../members/{memberId}/orders/payments: 202 with a PENDING order transaction (200 for DRY_RUN)."""

from loyalty.api.app import entry, make_app, table
from loyalty.payments import service as payments
from loyalty.payments.models import OrderPaymentCreate

app = make_app()


@app.post("/v2/loyalties/programs/<programId>/members/<memberId>/orders/payments")
def create_member_order_payment(programId: str, memberId: str, body: OrderPaymentCreate) -> tuple[dict, int]:
    return payments.create_payment(table(app), programId, memberId, body)


handler = entry(app)
