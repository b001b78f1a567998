"""GET /v2/loyalties/memberships/{customerId}: a customer's memberships across programs (by customer id, source id, member id,
or, ours, a v2 card's code)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.api.app import entry, make_app, table
from loyalty.members import service as members
from loyalty.members.models import IDENTIFICATION_TYPE_DESCRIPTION, IdentificationType

app = make_app()


@app.get("/v2/loyalties/memberships/<customerId>")
def get_customer_memberships(customerId: str,
                             identification_type: Annotated[IdentificationType, Query(description=IDENTIFICATION_TYPE_DESCRIPTION)]
                             = "customer_id") -> dict:
    return members.get_customer_memberships(table(app), customerId, identification_type)


handler = entry(app)
