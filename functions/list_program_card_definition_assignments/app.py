"""GET /v2/loyalties/programs/{programId}/card-definitions: the card definitions assigned to a program."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.programs import service as programs

app = make_app()
LIST_SPEC = programs.ASSIGNMENTS[programs.CDEF]


@app.get("/v2/loyalties/programs/<programId>/card-definitions")
def list_program_card_definition_assignments(programId: str) -> dict:
    return programs.list_assignments(table(app), programId, programs.CDEF, query_params(app))


handler = entry(app)
