"""GET .../members/{memberId}/cards/{cardId}/transactions: a card's transactions, cursor-paginated."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.api.app import entry, make_app, table
from loyalty.cards import service as ledger

app = make_app()


@app.get("/v2/loyalties/programs/<programId>/members/<memberId>/cards/<cardId>/transactions")
def list_card_transactions(
    programId: str,
    memberId: str,
    cardId: str,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    cursor: Annotated[str | None, Query(max_length=4096)] = None,
) -> dict:
    return ledger.list_card_transactions(table(app), programId, memberId, cardId, limit, cursor)


handler = entry(app)
