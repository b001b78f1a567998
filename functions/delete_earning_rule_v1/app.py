"""DELETE /v1/loyalties/{campaignId}/earning-rules/{earningRuleId}: delete a v1 earning rule; 204 without a body."""

from aws_lambda_powertools.event_handler import Response

from loyalty.api.app import entry, make_app, table
from loyalty.v1 import service as campaigns

app = make_app()


@app.delete("/v1/loyalties/<campaignId>/earning-rules/<earningRuleId>")
def delete_earning_rule(campaignId: str, earningRuleId: str) -> Response[None]:
    campaigns.delete_earning_rule(table(app), campaignId, earningRuleId)
    return Response(status_code=204)


handler = entry(app)
