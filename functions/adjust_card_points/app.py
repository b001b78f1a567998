"""POST .../members/{memberId}/cards/{cardId}/points: ADMIN_CREDIT / ADMIN_DEBIT, applied by the worker."""

from loyalty.api.app import entry, make_app, table
from loyalty.cards import service as ledger
from loyalty.cards.models import AdjustPoints

app = make_app()


@app.post("/v2/loyalties/programs/<programId>/members/<memberId>/cards/<cardId>/points")
def adjust_card_points(programId: str, memberId: str, cardId: str, body: AdjustPoints) -> dict:
    return ledger.adjust_card_points(table(app), programId, memberId, cardId, body)


handler = entry(app)
