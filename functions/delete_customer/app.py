"""DELETE /v1/customers/{customerId}: delete a customer named by id or source id (204); its loyalty records stay."""

from aws_lambda_powertools.event_handler import Response

from loyalty.api.app import entry, make_app, no_content, table
from loyalty.customers import service as customers

app = make_app()


@app.delete("/v1/customers/<customerId>")
def delete_customer(customerId: str) -> Response[None]:
    customers.delete_customer(table(app), customerId)
    return no_content()


handler = entry(app)
