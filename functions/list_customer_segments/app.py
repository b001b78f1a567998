"""GET /v1/customers/{customerId}/segments: the customer's segments (none: the project has no segments yet)."""

from loyalty.api.app import entry, make_app, query_params
from loyalty.customers import service as customers

app = make_app()


@app.get("/v1/customers/<customerId>/segments")
def list_customer_segments(customerId: str) -> dict:
    return customers.list_customer_segments(customerId, query_params(app))


handler = entry(app)
