"""POST /v2/loyalties/programs/{programId}/members/{memberId}/activate: INACTIVE -> ACTIVE."""

from loyalty.api.app import entry, make_app, table
from loyalty.members import service as members

app = make_app()


@app.post("/v2/loyalties/programs/<programId>/members/<memberId>/activate")
def activate_program_member(programId: str, memberId: str) -> dict:
    return members.transition_member(table(app), programId, memberId, "activate")


handler = entry(app)
