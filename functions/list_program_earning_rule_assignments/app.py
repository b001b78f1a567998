"""GET /v2/loyalties/programs/{programId}/earning-rules: the earning rules assigned to a program."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.programs import service as programs

app = make_app()
LIST_SPEC = programs.ASSIGNMENTS[programs.ERULE]


@app.get("/v2/loyalties/programs/<programId>/earning-rules")
def list_program_earning_rule_assignments(programId: str) -> dict:
    return programs.list_assignments(table(app), programId, programs.ERULE, query_params(app))


handler = entry(app)
