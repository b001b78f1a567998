"""The worker: dispatch one queue message to its job handler, for the SQS batch processor."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from loyalty.jobs.codes import generate_card_codes
from loyalty.repository import Repository
from loyalty.services.ledger import apply_card_transaction
from loyalty.services.purchases import complete_reward_purchase
from loyalty.settings import get_settings

HANDLERS: dict[str, Callable[[Repository, dict[str, Any]], str]] = {
    "apply_card_transaction": apply_card_transaction,
    "complete_reward_purchase": complete_reward_purchase,
    "generate_card_codes": generate_card_codes,
}


class PoisonMessage(ValueError):
    """A message that can never succeed (bad JSON, unknown type): it goes to the DLQ after its retries."""


def run_job(body: str, client: Any = None) -> str:
    """Apply the job a message carries; returns the outcome. Raises to have the message retried."""
    try:
        job = json.loads(body)
    except json.JSONDecodeError:
        raise PoisonMessage("message body is not JSON") from None
    if not isinstance(job, dict) or job.get("type") not in HANDLERS or not isinstance(job.get("project_id"), str):
        raise PoisonMessage(f"unknown job: {body[:200]}")
    settings = get_settings()
    repo = Repository(job["project_id"], settings.table_name, cursor_secret=settings.cursor_secret, client=client)
    return HANDLERS[job["type"]](repo, job)
