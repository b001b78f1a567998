"""POST /v2/loyalties/programs/{programId}/deactivate: ACTIVE -> INACTIVE."""

from loyalty.api.app import entry, make_app, table
from loyalty.programs import service as programs

app = make_app()


@app.post("/v2/loyalties/programs/<programId>/deactivate")
def deactivate_program(programId: str) -> dict:
    return programs.deactivate_program(table(app), programId)


handler = entry(app)
