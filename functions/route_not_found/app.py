"""$default route: any request that no other route serves (unknown path, or a known path with another method) -> 404."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.api.app import route_not_found
from loyalty.core.logs import logger


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId", clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return route_not_found(event)
