"""Sending jobs to their SQS queue (webhook deliveries to the webhook queue, every other job to the jobs queue); a
failed send is left to the sweeper, never to the caller."""

from __future__ import annotations

import json

from loyalty.core.logs import logger
from loyalty.core.settings import get_settings
from loyalty.db import clients
from loyalty.jobs.models import AnyJob, DeliverWebhook

WEBHOOK_JOB_TYPE = DeliverWebhook.model_fields["type"].default
"""The `type` of a webhook delivery job: the one job the webhook queue takes."""


def enqueue(job: AnyJob) -> bool:
    """Send one job. The job's state is already stored PENDING, so a failure here only delays it
    until the sweeper re-sends it; it is logged and reported as False, never raised."""
    return send(job.to_json())


def queue_url_for(body: str) -> str:
    """The queue a job body goes to: the webhook queue for a webhook delivery (when the stack has one), else the jobs queue."""
    settings = get_settings()
    if settings.webhook_queue_url and _job_type(body) == WEBHOOK_JOB_TYPE:
        return settings.webhook_queue_url
    return settings.queue_url


def _job_type(body: str) -> object:
    """A job body's `type` (read from the JSON, whatever its spelling), or None when it is not a JSON object."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    return parsed.get("type") if isinstance(parsed, dict) else None


def send(body: str) -> bool:
    """Send one message body (the sweeper re-sends stored job bodies as they are) to its queue (`queue_url_for`)."""
    try:
        clients.sqs().send_message(QueueUrl=queue_url_for(body), MessageBody=body)
    except Exception:  # noqa: BLE001 - any failure is recoverable by the sweeper
        logger.warning("job send failed; the sweeper will re-send it", extra={"job": body})
        return False
    return True


def delay(queue_url: str, receipt_handle: str, seconds: int) -> bool:
    """Make a received message visible again only after `seconds` (a failed webhook delivery backs off); False when
    SQS refused (the queue's own visibility timeout then applies)."""
    try:
        clients.sqs().change_message_visibility(QueueUrl=queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds)
    except Exception:  # noqa: BLE001 - the retry then comes after the queue's visibility timeout instead
        logger.warning("could not delay a failed message", extra={"seconds": seconds})
        return False
    return True
