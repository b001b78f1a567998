"""POST /v1/loyalties/members/{memberId}/pending-points/{pendingPointsId}/activate: the entry's points join the card now."""

from loyalty.api.app import entry, make_app, table
from loyalty.buckets import service as buckets

app = make_app()


@app.post("/v1/loyalties/members/<memberId>/pending-points/<pendingPointsId>/activate")
def activate_member_pending_points(memberId: str, pendingPointsId: str) -> dict:
    return buckets.activate_member_pending_points(table(app), memberId, pendingPointsId)


handler = entry(app)
