"""POST /v1/loyalties/{campaignId}/transactions/export: schedule a CSV export of the transactions of a v1 campaign's
cards; answers the SCHEDULED export (read it with GET /v1/exports/{exportId})."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from loyalty.api.app import entry, make_app, table
from loyalty.exports import service as exports
from loyalty.exports.models import CampaignTransactionsExport

app = make_app()


@app.post("/v1/loyalties/<campaignId>/transactions/export")
def export_loyalty_campaign_transactions(campaignId: str, body: Annotated[CampaignTransactionsExport | None, Body()] = None) -> dict:
    return exports.export_campaign_transactions(table(app), campaignId, body)


handler = entry(app)
