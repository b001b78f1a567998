"""GET .../members/{memberId}/rewards/purchases: a member's reward purchases, cursor-paginated."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.api.app import entry, make_app, table
from loyalty.purchases import service as purchases

app = make_app()


@app.get("/v2/loyalties/programs/<programId>/members/<memberId>/rewards/purchases")
def list_member_reward_purchases(
    programId: str,
    memberId: str,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    cursor: Annotated[str | None, Query(max_length=4096)] = None,
) -> dict:
    return purchases.list_reward_purchases(table(app), programId, memberId, limit, cursor)


handler = entry(app)
