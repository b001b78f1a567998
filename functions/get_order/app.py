"""GET /v1/orders/{orderId}: an order by Voucherify id or source id."""

from loyalty.api.app import entry, make_app, table
from loyalty.orders import service as orders

app = make_app()


@app.get("/v1/orders/<orderId>")
def get_order(orderId: str) -> dict:
    return orders.get_order(table(app), orderId)


handler = entry(app)
