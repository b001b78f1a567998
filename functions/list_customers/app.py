"""GET /v1/customers: the project's customers, filtered (email, city, name, created_at / updated_at before / after),
ordered and paged (`limit` 1-100, `page` 1-99); another query parameter is a 400."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.customers import service as customers

app = make_app()


@app.get("/v1/customers")
def list_customers() -> dict:
    return customers.list_customers(table(app), query_params(app))


handler = entry(app)
