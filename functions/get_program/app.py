"""GET /v2/loyalties/programs/{programId}: one program with its assignments."""

from loyalty.api.app import entry, make_app, repository
from loyalty.services import programs

app = make_app()


@app.get("/v2/loyalties/programs/<programId>")
def get_program(programId: str) -> dict:
    return programs.get_program(repository(app), programId)


handler = entry(app)
