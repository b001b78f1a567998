"""Scheduled sweeper: re-sends jobs left pending too long, project by project, and retires those out of attempts."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.core.logs import logger
from loyalty.jobs.sweeper import sweep_pending_jobs


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    result = sweep_pending_jobs(remaining_ms=context.get_remaining_time_in_millis)
    logger.info("sweep done", extra=result)
    return result
