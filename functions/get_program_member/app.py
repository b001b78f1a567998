"""GET /v2/loyalties/programs/{programId}/members/{memberId}: a member with its cards."""

from loyalty.api.app import entry, make_app, repository
from loyalty.services import members

app = make_app()


@app.get("/v2/loyalties/programs/<programId>/members/<memberId>")
def get_program_member(programId: str, memberId: str) -> dict:
    return members.get_member(repository(app), programId, memberId)


handler = entry(app)
