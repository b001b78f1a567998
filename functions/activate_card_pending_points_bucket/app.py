"""POST .../cards/{cardId}/pending-points/{bucketId}/activate: a PENDING bucket's points become active before its date."""

from loyalty.api.app import entry, make_app, table
from loyalty.buckets import service as buckets

app = make_app()


@app.post("/v2/loyalties/programs/<programId>/members/<memberId>/cards/<cardId>/pending-points/<bucketId>/activate")
def activate_card_pending_points_bucket(programId: str, memberId: str, cardId: str, bucketId: str) -> dict:
    return buckets.settle_card_pending_bucket(table(app), programId, memberId, cardId, bucketId, activate=True)


handler = entry(app)
