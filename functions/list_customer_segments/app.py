"""GET /v1/customers/{customerId}/segments: the customer's segments (none: the project has no segments yet); 404 for no customer."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.customers import service as customers

app = make_app()


@app.get("/v1/customers/<customerId>/segments")
def list_customer_segments(customerId: str) -> dict:
    return customers.list_customer_segments(table(app), customerId, query_params(app))


handler = entry(app)
