"""SQS consumer of the webhook queue: POSTs each delivery (signed) to its webhook and records the attempt; a failed one is
backed off (its message's visibility grows with each receive) and reported as a batch item failure so SQS retries it."""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.core.logs import logger
from loyalty.jobs.worker import run_webhook_message

# A batch whose every delivery failed answers its failures like any other (each message backed off on its own), rather
# than failing the invocation (which would retry every message at the queue's visibility timeout, ignoring the backoff).
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> str:
    outcome = run_webhook_message(record.body, int(record.attributes.approximate_receive_count), record.receipt_handle)
    logger.info("webhook delivery done", extra={"message_id": record.message_id, "outcome": outcome})
    return outcome


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
