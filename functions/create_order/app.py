"""POST /v1/orders: create an order, or update the one already holding the id / source_id (the customer upserted too); the
first time an order is PAID, its earning is queued."""

from loyalty.api.app import entry, make_app, table
from loyalty.orders import service as orders
from loyalty.orders.models import OrderCreate

app = make_app()


@app.post("/v1/orders")
def create_order(body: OrderCreate) -> dict:
    return orders.create_order(table(app), body)


handler = entry(app)
