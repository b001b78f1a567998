"""Sending jobs to the SQS queue; a failed send is left to the sweeper, never to the caller."""

from __future__ import annotations

from loyalty.core.logs import logger
from loyalty.core.settings import get_settings
from loyalty.db import clients
from loyalty.jobs.models import AnyJob


def enqueue(job: AnyJob) -> bool:
    """Send one job. The job's state is already stored PENDING, so a failure here only delays it
    until the sweeper re-sends it; it is logged and reported as False, never raised."""
    return send(job.to_json())


def send(body: str) -> bool:
    """Send one message body (the sweeper re-sends stored job bodies as they are)."""
    try:
        clients.sqs().send_message(QueueUrl=get_settings().queue_url, MessageBody=body)
    except Exception:  # noqa: BLE001 - any failure is recoverable by the sweeper
        logger.warning("job send failed; the sweeper will re-send it", extra={"job": body})
        return False
    return True
