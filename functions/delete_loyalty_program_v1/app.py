"""DELETE /v1/loyalties/{campaignId}: delete a v1 loyalty campaign (by id or name); its cards are deleted by an async
action, whose id is the answer (`force=true` also deletes the campaign record for good)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.api.app import entry, make_app, request_id, table
from loyalty.v1 import service as campaigns

app = make_app()


@app.delete("/v1/loyalties/<campaignId>")
def delete_loyalty_program(
    campaignId: str,
    force: Annotated[bool | None, Query(description="true: delete the campaign for good; otherwise it moves to the bin.")] = None,
) -> dict:
    return campaigns.delete_campaign(table(app), campaignId, force, request_id(app))


handler = entry(app)
