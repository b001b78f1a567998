"""GET /v1/rewards: the project's v1 rewards, page by page (`limit`, `page`, `assignment_id`)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.api.app import entry, make_app, query_params, table
from loyalty.v1rewards import service as rewards

app = make_app()


@app.get("/v1/rewards")
def list_rewards(
        limit: Annotated[int | None, Query(ge=1, le=100, description="Page size (1-100, default 10).")] = None,
    page: Annotated[int | None, Query(ge=1, le=100, description="Which page (from 1).")] = None,
    assignment_id: Annotated[str | None, Query(max_length=64, description="Only the reward of this assignment.")] = None,
) -> dict:
    return rewards.list_rewards(table(app), query_params(app), limit, page, assignment_id)


handler = entry(app)
