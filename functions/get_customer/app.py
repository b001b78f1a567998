"""GET /v1/customers/{customerId}: a customer by id or source id."""

from loyalty.api.app import entry, make_app, table
from loyalty.customers import service as customers

app = make_app()


@app.get("/v1/customers/<customerId>")
def get_customer(customerId: str) -> dict:
    return customers.get_customer(table(app), customerId)


handler = entry(app)
