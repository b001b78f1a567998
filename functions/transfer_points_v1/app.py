"""POST /v1/loyalties/{campaignId}/members/{memberId}/transfers: move points from other loyalty cards (a JSON array of
{code, points, reason?, source_id?}) to this card, in one transaction; answers the card as a voucher."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from loyalty.api.app import base_url, entry, make_app, table
from loyalty.v1 import service as campaigns
from loyalty.v1.models import TransferEntry

app = make_app()


@app.post("/v1/loyalties/<campaignId>/members/<memberId>/transfers")
def transfer_points(campaignId: str, memberId: str, body: Annotated[list[TransferEntry], Body()]) -> dict:
    return campaigns.transfer_points(table(app), campaignId, memberId, body, base_url(app))


handler = entry(app, array_body=True)
