"""DELETE /v2/loyalties/programs/{programId}/members/{memberId}: soft-delete a member (its cards deleted, the customer free to enrol again)."""

from loyalty.api.app import entry, make_app, table
from loyalty.members import service as members

app = make_app()


@app.delete("/v2/loyalties/programs/<programId>/members/<memberId>")
def delete_program_member(programId: str, memberId: str) -> dict:
    return members.delete_member(table(app), programId, memberId)


handler = entry(app)
