"""PUT /v1/customers/{customerId}: update a customer named by id or source id (the fields given; the rest unchanged)."""

from loyalty.api.app import entry, make_app, table
from loyalty.customers import service as customers
from loyalty.customers.models import CustomerUpdate

app = make_app()


@app.put("/v1/customers/<customerId>")
def update_customer(customerId: str, body: CustomerUpdate) -> dict:
    return customers.update_customer(table(app), customerId, body)


handler = entry(app)
