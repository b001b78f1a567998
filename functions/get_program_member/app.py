"""GET /v2/loyalties/programs/{programId}/members/{memberId}: a member with its cards."""

from loyalty.api.app import entry, make_app, table
from loyalty.members import service as members

app = make_app()


@app.get("/v2/loyalties/programs/<programId>/members/<memberId>")
def get_program_member(programId: str, memberId: str) -> dict:
    return members.get_member(table(app), programId, memberId)


handler = entry(app)
