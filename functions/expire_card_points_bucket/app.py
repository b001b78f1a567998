"""POST .../cards/{cardId}/expiring-points/{bucketId}/expire: an ACTIVE bucket's points expire now (ADMIN_POINTS_EXPIRATION)."""

from loyalty.api.app import entry, make_app, table
from loyalty.buckets import service as buckets

app = make_app()


@app.post("/v2/loyalties/programs/<programId>/members/<memberId>/cards/<cardId>/expiring-points/<bucketId>/expire")
def expire_card_points_bucket(programId: str, memberId: str, cardId: str, bucketId: str) -> dict:
    return buckets.expire_card_points_bucket(table(app), programId, memberId, cardId, bucketId)


handler = entry(app)
