"""Stream consumer: counts each card transaction that became APPROVED, each spend written PENDING (points locked) or
moved from PENDING to REJECTED (unlocked), and each new tier transaction, into its report aggregates, once (the trigger's
filter lets only those items through); reports the record it could not count so that the batch resumes from it."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.core.logs import logger
from loyalty.reports.changes import process_stream_event


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    result = process_stream_event(event)
    logger.info("card transactions done", extra={"records": len(event.get("Records") or []),
                                                 "failed": len(result.get("batchItemFailures") or [])})
    return result
