"""GET /v1/loyalties/{campaignId}/rewards: a v1 campaign's reward assignments, page by page (`limit`, `page`, `assignment_id`)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.v1rewards import service as rewards

app = make_app()


@app.get("/v1/loyalties/<campaignId>/rewards")
def list_reward_assignments_2(
    campaignId: str,
    limit: Annotated[int | None, Query(ge=1, le=100, description="Page size (1-100, default 10).")] = None,
    page: Annotated[int | None, Query(ge=1, le=100, description="Which page (from 1).")] = None,
    assignment_id: Annotated[str | None, Query(max_length=64, description="Only this assignment.")] = None,
) -> dict:
    return rewards.list_campaign_reward_assignments(table(app), campaignId, query_params(app), limit, page, assignment_id,
                                                    filter_name="assignment_id")


handler = entry(app)
