"""POST .../members/{memberId}/cards/{cardId}/points: ADMIN_CREDIT / ADMIN_DEBIT, applied by the worker."""

from loyalty.api.app import entry, make_app, repository
from loyalty.models.v2 import AdjustPoints
from loyalty.services import ledger

app = make_app()


@app.post("/v2/loyalties/programs/<programId>/members/<memberId>/cards/<cardId>/points")
def adjust_card_points(programId: str, memberId: str, cardId: str, body: AdjustPoints) -> dict:
    return ledger.adjust_card_points(repository(app), programId, memberId, cardId, body)


handler = entry(app)
