"""POST /v1/loyalties/{campaignId}/earning-rules: create a v1 campaign's earning rules (a JSON array, at most 99; answered as an array)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from loyalty.api.app import entry, make_app, table
from loyalty.v1 import service as campaigns
from loyalty.v1.models import CampaignEarningRuleCreate

app = make_app()


@app.post("/v1/loyalties/<campaignId>/earning-rules")
def create_earning_rule(campaignId: str, body: Annotated[list[CampaignEarningRuleCreate], Body()]) -> list[dict]:
    return campaigns.create_earning_rules(table(app), campaignId, body)


handler = entry(app, array_body=True)
