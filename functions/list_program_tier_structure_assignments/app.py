"""GET /v2/loyalties/programs/{programId}/tier-structures: the tier structure assigned to a program."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.programs import service as programs

app = make_app()
LIST_SPEC = programs.ASSIGNMENTS[programs.TS]


@app.get("/v2/loyalties/programs/<programId>/tier-structures")
def list_program_tier_structure_assignments(programId: str) -> dict:
    return programs.list_assignments(table(app), programId, programs.TS, query_params(app))


handler = entry(app)
