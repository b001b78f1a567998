"""GET /v2/loyalties/programs/{programId}/activities: a program's activities, newest first."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.programs import service as programs

app = make_app()
LIST_SPEC = programs.PROGRAM_ACTIVITIES


@app.get("/v2/loyalties/programs/<programId>/activities")
def list_program_activities(programId: str) -> dict:
    return programs.list_program_activities(table(app), programId, query_params(app))


handler = entry(app)
