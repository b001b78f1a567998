"""The worker: parse one queue message into its typed job and run the service that settles it."""

from __future__ import annotations

from typing import Any

from loyalty.cards import service as cards
from loyalty.core.settings import get_settings
from loyalty.db.table import Table
from loyalty.jobs.models import ApplyCardTransaction, CompleteRewardPurchase, CreateMembersBatch, GenerateCardCodes, parse_job
from loyalty.members import batch, codes
from loyalty.purchases import service as purchases


def run_job(body: str, client: Any = None) -> str:
    """Apply the job a message carries; returns the outcome. Raises to have the message retried (PoisonMessage when it
    can never succeed)."""
    job = parse_job(body)
    settings = get_settings()
    db = Table(job.project_id, settings.table_name, cursor_secret=settings.cursor_secret, client=client)
    match job:
        case ApplyCardTransaction():
            return cards.apply_card_transaction(db, job)
        case CompleteRewardPurchase():
            return purchases.complete_reward_purchase(db, job)
        case GenerateCardCodes():
            return codes.generate_card_codes(db, job)
        case CreateMembersBatch():
            return batch.create_members_batch(db, job)
