"""GET /v2/loyalties/programs/{programId}/members: a program's members (without cards), filtered, ordered and cursor-paginated."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.members import service as members

app = make_app()
LIST_SPEC = members.MEMBERS


@app.get("/v2/loyalties/programs/<programId>/members")
def list_program_members(programId: str) -> dict:
    return members.list_members(table(app), programId, query_params(app))


handler = entry(app)
