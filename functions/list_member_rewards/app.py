"""GET /v1/loyalties/members/{memberId}/rewards: the rewards a v1 card's campaign offers (`affordable_only`: only those its balance covers)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.v1rewards import service as rewards

app = make_app()


@app.get("/v1/loyalties/members/<memberId>/rewards")
def list_member_rewards(
    memberId: str,
    affordable_only: Annotated[bool | None, Query(description="Only rewards the card's balance covers.")] = None,
) -> dict:
    return rewards.list_member_rewards(table(app), memberId, query_params(app), affordable_only)


handler = entry(app)
