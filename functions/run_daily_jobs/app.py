"""Scheduled daily job: activates pending points, cancels expired EVENT_BASED pending points and expires points, for the
day the schedule's event falls on in the project time zone, project by project."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.core.logs import logger
from loyalty.jobs.daily import run_daily_jobs


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    result = run_daily_jobs(event.get("time"), remaining_ms=context.get_remaining_time_in_millis)
    logger.info("daily job done", extra=result)
    return result
