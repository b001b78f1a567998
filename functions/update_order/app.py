"""PUT /v1/orders/{orderId}: change an order (by Voucherify id or source id); what is not sent is left unchanged."""

from loyalty.api.app import entry, make_app, table
from loyalty.orders import service as orders
from loyalty.orders.models import OrderUpdate

app = make_app()


@app.put("/v1/orders/<orderId>")
def update_order(orderId: str, body: OrderUpdate) -> dict:
    return orders.update_order(table(app), orderId, body)


handler = entry(app)
