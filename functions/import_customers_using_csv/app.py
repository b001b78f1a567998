"""POST /v1/customers/importCSV: a multipart/form-data body whose `file` part is a CSV of customers, upserted by source id
by the worker; 202 with the async action's id."""

from loyalty.api.app import entry, make_app, raw_body, request_id, table
from loyalty.v1 import service as customers_v1

app = make_app()


@app.post("/v1/customers/importCSV")
def import_customers_using_csv() -> tuple[dict, int]:
    body, content_type = raw_body(app)
    return customers_v1.import_customers_csv(table(app), body, content_type, request_id(app))


handler = entry(app, form_body=True)
