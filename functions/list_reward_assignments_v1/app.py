"""GET /v1/rewards/{rewardId}/assignments: a v1 reward's campaign assignments, page by page (`limit`, `page`)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.v1rewards import service as rewards

app = make_app()


@app.get("/v1/rewards/<rewardId>/assignments")
def list_reward_assignments(
    rewardId: str,
    limit: Annotated[int | None, Query(ge=1, le=100, description="Page size (1-100, default 10).")] = None,
    page: Annotated[int | None, Query(ge=1, le=100, description="Which page (from 1).")] = None,
) -> dict:
    return rewards.list_reward_assignments(table(app), rewardId, query_params(app), limit, page)


handler = entry(app)
