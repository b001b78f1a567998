"""Stream consumer: re-evaluates the tier of each card a batch of the table's stream records changed (the trigger's
filter lets only card items through); reports the records it could not settle so that the batch resumes from them."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.core.logs import logger
from loyalty.tiering.changes import process_stream_event


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    result = process_stream_event(event)
    logger.info("card changes done", extra={"records": len(event.get("Records") or []),
                                            "failed": len(result.get("batchItemFailures") or [])})
    return result
