"""$default route: any request that no other route serves (unknown path, or a known path with another method) -> 404."""

from loyalty.api.app import route_not_found
from loyalty.logs import logger


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId", clear_state=True)
def handler(event: dict, context: object) -> dict:
    return route_not_found(event)
