"""POST /v2/loyalties/programs/{programId}/members: enrol a customer (cards issued, codes generated async)."""

from loyalty.api.app import entry, make_app, table
from loyalty.members import service as members
from loyalty.members.models import MemberCreate

app = make_app()


@app.post("/v2/loyalties/programs/<programId>/members")
def create_program_member(programId: str, body: MemberCreate) -> dict:
    return members.create_member(table(app), programId, body)


handler = entry(app)
