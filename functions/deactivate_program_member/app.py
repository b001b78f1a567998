"""POST /v2/loyalties/programs/{programId}/members/{memberId}/deactivate: ACTIVE -> INACTIVE (the member can neither earn nor spend)."""

from loyalty.api.app import entry, make_app, table
from loyalty.members import service as members

app = make_app()


@app.post("/v2/loyalties/programs/<programId>/members/<memberId>/deactivate")
def deactivate_program_member(programId: str, memberId: str) -> dict:
    return members.transition_member(table(app), programId, memberId, "deactivate")


handler = entry(app)
