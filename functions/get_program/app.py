"""GET /v2/loyalties/programs/{programId}: one program with its assignments."""

from loyalty.api.app import entry, make_app, table
from loyalty.programs import service as programs

app = make_app()


@app.get("/v2/loyalties/programs/<programId>")
def get_program(programId: str) -> dict:
    return programs.get_program(table(app), programId)


handler = entry(app)
