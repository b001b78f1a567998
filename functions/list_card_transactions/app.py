"""GET .../members/{memberId}/cards/{cardId}/transactions: a card's transactions, filtered, ordered and cursor-paginated."""

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.cards import service as ledger

app = make_app()
LIST_SPEC = ledger.TRANSACTIONS


@app.get("/v2/loyalties/programs/<programId>/members/<memberId>/cards/<cardId>/transactions")
def list_card_transactions(programId: str, memberId: str, cardId: str) -> dict:
    return ledger.list_card_transactions(table(app), programId, memberId, cardId, query_params(app))


handler = entry(app)
