"""DELETE /v2/loyalties/programs/{programId}: soft-delete a program."""

from loyalty.api.app import entry, make_app, table
from loyalty.programs import service as programs

app = make_app()


@app.delete("/v2/loyalties/programs/<programId>")
def delete_program(programId: str) -> dict:
    return programs.delete_program(table(app), programId)


handler = entry(app)
