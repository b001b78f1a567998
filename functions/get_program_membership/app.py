"""GET /v2/loyalties/programs/{programId}/memberships/{customerId}: a membership of one program, cards with tier progress."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.api.app import entry, make_app, table
from loyalty.members import service as members
from loyalty.members.models import IDENTIFICATION_TYPE_DESCRIPTION, IdentificationType

app = make_app()


@app.get("/v2/loyalties/programs/<programId>/memberships/<customerId>")
def get_program_membership(programId: str, customerId: str,
                           identification_type: Annotated[IdentificationType, Query(description=IDENTIFICATION_TYPE_DESCRIPTION)]
                           = "customer_id") -> dict:
    return members.get_program_membership(table(app), programId, customerId, identification_type)


handler = entry(app)
