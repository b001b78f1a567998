"""POST /v2/loyalties/programs/{programId}/activate: DRAFT or INACTIVE -> ACTIVE."""

from loyalty.api.app import entry, make_app, table
from loyalty.programs import service as programs

app = make_app()


@app.post("/v2/loyalties/programs/<programId>/activate")
def activate_program(programId: str) -> dict:
    return programs.activate_program(table(app), programId)


handler = entry(app)
