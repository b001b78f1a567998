"""POST /v1/loyalties/members/{memberId}/pending-points/{pendingPointsId}/balance: more or fewer points in a pending entry."""

from loyalty.api.app import entry, make_app, table
from loyalty.buckets import service as buckets
from loyalty.buckets.models import PendingPointsBalance

app = make_app()


@app.post("/v1/loyalties/members/<memberId>/pending-points/<pendingPointsId>/balance")
def adjust_member_pending_points(memberId: str, pendingPointsId: str, body: PendingPointsBalance) -> dict:
    return buckets.adjust_member_pending_points(table(app), memberId, pendingPointsId, body)


handler = entry(app)
