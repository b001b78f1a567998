"""Scheduled sweeper: re-enqueues jobs left PENDING longer than SWEEP_AFTER_SECONDS."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.core.logs import logger
from loyalty.jobs.sweeper import sweep_pending_jobs


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    result = sweep_pending_jobs()
    logger.info("sweep done", extra=result)
    return result
