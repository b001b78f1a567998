"""POST /v1/customers: create a customer, or update the one already holding the id / source_id."""

from loyalty.api.app import entry, make_app, table
from loyalty.customers import service as customers
from loyalty.customers.models import CustomerCreate

app = make_app()


@app.post("/v1/customers")
def create_customer(body: CustomerCreate) -> dict:
    return customers.create_customer(table(app), body)


handler = entry(app)
