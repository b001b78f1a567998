"""POST /v1/loyalties/members/{memberId}/pending-points/{pendingPointsId}/cancel: the entry's points never join the card (204)."""

from aws_lambda_powertools.event_handler import Response

from loyalty.api.app import entry, make_app, no_content, table
from loyalty.buckets import service as buckets

app = make_app()


@app.post("/v1/loyalties/members/<memberId>/pending-points/<pendingPointsId>/cancel")
def cancel_member_pending_points(memberId: str, pendingPointsId: str) -> Response[None]:
    buckets.cancel_member_pending_points(table(app), memberId, pendingPointsId)
    return no_content()


handler = entry(app)
