"""POST /v2/loyalties/programs: create a loyalty program."""

from loyalty.api.app import entry, make_app, repository
from loyalty.models.v2 import ProgramCreate
from loyalty.services import programs

app = make_app()


@app.post("/v2/loyalties/programs")
def create_program(body: ProgramCreate) -> dict:
    return programs.create_program(repository(app), body)


handler = entry(app)
