"""Scheduled sweeper: re-enqueues jobs left PENDING longer than SWEEP_AFTER_SECONDS."""

from loyalty.jobs.sweeper import sweep_pending_jobs
from loyalty.logs import logger


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: object) -> dict:
    result = sweep_pending_jobs()
    logger.info("sweep done", extra=result)
    return result
