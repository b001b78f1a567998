"""PUT /v2/loyalties/programs/{programId}/members/{memberId}: merge metadata into the member's; the member without cards."""

from loyalty.api.app import entry, make_app, table
from loyalty.members import service as members
from loyalty.members.models import MemberUpdate

app = make_app()


@app.put("/v2/loyalties/programs/<programId>/members/<memberId>")
def update_program_member(programId: str, memberId: str, body: MemberUpdate) -> dict:
    return members.update_member(table(app), programId, memberId, body)


handler = entry(app)
