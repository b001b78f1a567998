"""POST /v1/loyalties/members/{memberId}/transactions/export: schedule a CSV export of one loyalty card's transactions
(memberId = the card's code, any campaign); answers the SCHEDULED export."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from loyalty.api.app import entry, make_app, table
from loyalty.exports import service as exports
from loyalty.exports.models import CardTransactionsExport

app = make_app()


@app.post("/v1/loyalties/members/<memberId>/transactions/export")
def export_loyalty_card_transactions(memberId: str, body: Annotated[CardTransactionsExport | None, Body()] = None) -> dict:
    return exports.export_card_transactions(table(app), None, memberId, body)


handler = entry(app)
