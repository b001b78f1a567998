"""POST /v1/customers/metadata/async: metadata merged into the customers of `source_ids`, by the worker; 202 with the
async action's id."""

from loyalty.api.app import entry, make_app, request_id, table
from loyalty.customers.models import CustomersMetadataBulk
from loyalty.v1 import service as customers_v1

app = make_app()


@app.post("/v1/customers/metadata/async")
def update_customers_metadata_in_bulk(body: CustomersMetadataBulk) -> tuple[dict, int]:
    return customers_v1.update_customers_metadata_in_bulk(table(app), body, request_id(app))


handler = entry(app)
