"""PUT /v2/loyalties/programs/{programId}: update a program (a non-DRAFT program takes only name and metadata)."""

from loyalty.api.app import entry, make_app, table
from loyalty.programs import service as programs
from loyalty.programs.models import ProgramUpdate

app = make_app()


@app.put("/v2/loyalties/programs/<programId>")
def update_program(programId: str, body: ProgramUpdate) -> dict:
    return programs.update_program(table(app), programId, body)


handler = entry(app)
