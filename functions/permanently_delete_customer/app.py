"""POST /v1/customers/{customerId}/permanent-deletion: erase a customer's personal data for good; its loyalty records
stay, pseudonymous."""

from loyalty.api.app import entry, make_app, table
from loyalty.customers import service as customers

app = make_app()


@app.post("/v1/customers/<customerId>/permanent-deletion")
def permanently_delete_customer(customerId: str) -> dict:
    return customers.permanently_delete_customer(table(app), customerId)


handler = entry(app)
