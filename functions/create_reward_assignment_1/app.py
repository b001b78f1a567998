"""POST /v1/loyalties/{campaignId}/rewards: assign rewards to a v1 campaign at points costs (a JSON array, all or none; answered as an array)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from loyalty.api.app import entry, make_app, table
from loyalty.v1rewards import service as rewards
from loyalty.v1rewards.models import CampaignRewardAssignmentCreate

app = make_app()


@app.post("/v1/loyalties/<campaignId>/rewards")
def create_reward_assignment_1(campaignId: str, body: Annotated[list[CampaignRewardAssignmentCreate], Body()]) -> list[dict]:
    return rewards.create_campaign_reward_assignments(table(app), campaignId, body)


handler = entry(app, array_body=True)
