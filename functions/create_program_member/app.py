"""POST /v2/loyalties/programs/{programId}/members: enrol a customer (cards issued, codes generated async)."""

from loyalty.api.app import entry, make_app, repository
from loyalty.models.v2 import MemberCreate
from loyalty.services import members

app = make_app()


@app.post("/v2/loyalties/programs/<programId>/members")
def create_program_member(programId: str, body: MemberCreate) -> dict:
    return members.create_member(repository(app), programId, body)


handler = entry(app)
