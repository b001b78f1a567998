"""GET .../members/{memberId}/cards/{cardId}/pending-points: a card's PENDING pending-points buckets by activation date, cursor-paginated."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.buckets import service as buckets

app = make_app()
LIST_SPEC = buckets.PENDING_LIST


@app.get("/v2/loyalties/programs/<programId>/members/<memberId>/cards/<cardId>/pending-points")
def list_card_pending_points(programId: str, memberId: str, cardId: str) -> dict:
    return buckets.list_card_pending_points(table(app), programId, memberId, cardId, query_params(app))


handler = entry(app)
