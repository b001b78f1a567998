"""Sending jobs to the SQS queue; a failed send is left to the sweeper, never to the caller."""

from __future__ import annotations

import json
from typing import Any

from loyalty.logs import logger
from loyalty.repository import clients
from loyalty.settings import get_settings

JOB_TYPES = ("apply_card_transaction", "complete_reward_purchase", "generate_card_codes")


def enqueue(job: dict[str, Any]) -> bool:
    """Send one job. The job's state is already stored PENDING, so a failure here only delays it
    until the sweeper re-sends it; it is logged and reported as False, never raised."""
    try:
        clients.sqs().send_message(QueueUrl=get_settings().queue_url, MessageBody=json.dumps(job, separators=(",", ":")))
    except Exception:  # noqa: BLE001 - any failure is recoverable by the sweeper
        logger.warning("job send failed; the sweeper will re-send it", extra={"job": job})
        return False
    return True
