"""POST /v1/loyalties/{campaignId}/tiers: add tiers to a v1 campaign (a JSON array, all or nothing; answered as an array)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from loyalty.api.app import entry, make_app, table
from loyalty.v1tiers import service as tiers
from loyalty.v1tiers.models import LoyaltyTierCreate

app = make_app()


@app.post("/v1/loyalties/<campaignId>/tiers")
def create_in_bulk_loyalty_tiers(campaignId: str, body: Annotated[list[LoyaltyTierCreate], Body()]) -> list[dict]:
    return tiers.create_tiers(table(app), campaignId, body)


handler = entry(app, array_body=True)
