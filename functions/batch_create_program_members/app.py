"""POST /v2/loyalties/programs/{programId}/members/batch: a JSON array of member entries, enrolled by the worker; 202 with the async action's id."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body

from loyalty.api.app import entry, make_app, request_id, table
from loyalty.members import service as members

app = make_app()


@app.post("/v2/loyalties/programs/<programId>/members/batch")
def batch_create_program_members(programId: str, body: Annotated[list[Any], Body()]) -> tuple[dict, int]:
    return members.batch_create_members(table(app), programId, body, request_id(app))


handler = entry(app, array_body=True)
