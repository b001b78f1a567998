"""POST /v1/customers: create a customer, or update the one already holding the id / source_id."""

from loyalty.api.app import entry, make_app, repository
from loyalty.models.v1 import CustomerCreate
from loyalty.services import customers

app = make_app()


@app.post("/v1/customers")
def create_customer(body: CustomerCreate) -> dict:
    return customers.create_customer(repository(app), body)


handler = entry(app)
