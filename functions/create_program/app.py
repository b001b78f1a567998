"""POST /v2/loyalties/programs: create a loyalty program."""

from loyalty.api.app import entry, make_app, table
from loyalty.programs import service as programs
from loyalty.programs.models import ProgramCreate

app = make_app()


@app.post("/v2/loyalties/programs")
def create_program(body: ProgramCreate) -> dict:
    return programs.create_program(table(app), body)


handler = entry(app)
