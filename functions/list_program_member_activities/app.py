"""GET /v2/loyalties/programs/{programId}/members/{memberId}/activities: a member's history, newest first, filtered and cursor-paginated."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.members import service as members

app = make_app()
LIST_SPEC = members.MEMBER_ACTIVITIES


@app.get("/v2/loyalties/programs/<programId>/members/<memberId>/activities")
def list_program_member_activities(programId: str, memberId: str) -> dict:
    return members.list_member_activities(table(app), programId, memberId, query_params(app))


handler = entry(app)
