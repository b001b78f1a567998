"""GET .../members/{memberId}/cards/{cardId}/expiring-points: a card's ACTIVE points buckets by expiration date, cursor-paginated."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.buckets import service as buckets

app = make_app()
LIST_SPEC = buckets.EXPIRING_LIST


@app.get("/v2/loyalties/programs/<programId>/members/<memberId>/cards/<cardId>/expiring-points")
def list_card_expiring_points(programId: str, memberId: str, cardId: str) -> dict:
    return buckets.list_card_expiring_points(table(app), programId, memberId, cardId, query_params(app))


handler = entry(app)
