"""The worker: parse one queue message into its typed job and run the service that settles it, or, for a job the
sweeper marked `retire` (out of attempts), the service that ends it: visibly, exactly once."""

from __future__ import annotations

from typing import Any

from loyalty.cards import service as cards
from loyalty.core import metrics
from loyalty.core.logs import logger
from loyalty.core.settings import get_settings
from loyalty.db.table import Table
from loyalty.events import service as events
from loyalty.exports import service as exports
from loyalty.jobs.models import (
    AnyJob,
    ApplyCardTransaction,
    CompleteOrderPayment,
    CompleteRewardPurchase,
    CreateMembersBatch,
    DeleteCampaign,
    DeliverWebhook,
    EvaluateEarning,
    GenerateCardCodes,
    PublishEvent,
    RefundRewardPurchase,
    RevokeOrderEarning,
    RunExport,
    UpdateCustomersBatch,
    parse_job,
)
from loyalty.jobs.queue import delay
from loyalty.jobs.settle import RETIRED
from loyalty.members import batch, codes
from loyalty.notify import service as notify
from loyalty.orders import service as orders
from loyalty.payments import service as payments
from loyalty.purchases import service as purchases
from loyalty.v1 import customer_batch
from loyalty.v1 import deletion as campaign_deletion
from loyalty.webhooks import delivery as webhooks


def run_message(body: str, receive_count: int = 1) -> str:
    """Run the job of one SQS message; a failure is logged with how often SQS has delivered this message and which send
    of the job it is, then raised so that SQS delivers it again (after maxReceiveCount, the DLQ keeps it and the
    sweeper sends the job again, counting the attempt)."""
    try:
        return run_job(body)
    except Exception:
        logger.exception("job failed", extra={"job": body[:2000], "receive_count": receive_count})
        raise


def run_webhook_message(body: str, receive_count: int, receipt_handle: str) -> str:
    """Run a message of the webhook queue (a delivery, or its retirement); when it fails, back the message off (its
    visibility grows with each receive: webhooks.delivery.backoff_seconds) before raising so that SQS retries it."""
    try:
        return run_message(body, receive_count)
    except Exception:
        delay(get_settings().webhook_queue_url, receipt_handle, webhooks.backoff_seconds(receive_count))
        raise


def run_job(body: str, client: Any = None) -> str:
    """Apply the job a message carries (or retire it); returns the outcome. Raises to have the message retried
    (PoisonMessage when it can never succeed)."""
    job = parse_job(body)
    settings = get_settings()
    db = Table(job.project_id, settings.table_name, cursor_secret=settings.cursor_secret, client=client)
    if job.retire:
        return _retire(db, job)
    match job:
        case ApplyCardTransaction():
            return cards.apply_card_transaction(db, job)
        case CompleteRewardPurchase():
            return purchases.complete_reward_purchase(db, job)
        case RefundRewardPurchase():
            return purchases.return_refunded_points(db, job)
        case CompleteOrderPayment():
            return payments.complete_payment(db, job)
        case GenerateCardCodes():
            return codes.generate_card_codes(db, job)
        case CreateMembersBatch():
            return batch.create_members_batch(db, job)
        case DeleteCampaign():
            return campaign_deletion.delete_campaign_step(db, job)
        case UpdateCustomersBatch():
            return customer_batch.update_customers_step(db, job)
        case EvaluateEarning():
            return events.evaluate_event_earning(db, job) if job.source == "event" else orders.evaluate_order_earning(db, job)
        case RevokeOrderEarning():
            # the points its approved payments spent come back first (each once), then what it earned is revoked
            payments.return_order_payments(db, job.order_id)
            return orders.revoke_order_earning(db, job)
        case RunExport():
            return exports.run_export(db, job)
        case DeliverWebhook():
            return webhooks.deliver(db, job)
        case PublishEvent():
            return notify.publish_event(db, job)


def _retire(db: Table, job: AnyJob) -> str:
    """End a job out of attempts the way its spec allows; a retirement is logged as an error and counted (metric
    JobsRetired, dimension job_type) so that it can be alarmed on."""
    match job:
        case ApplyCardTransaction():
            outcome = cards.retire_card_transaction(db, job)
        case CompleteRewardPurchase():
            outcome = purchases.retire_reward_purchase(db, job)
        case RefundRewardPurchase():
            outcome = purchases.retire_refund(db, job)
        case CompleteOrderPayment():
            outcome = payments.retire_payment(db, job)
        case GenerateCardCodes():
            outcome = codes.retire_card_codes(db, job)
        case CreateMembersBatch():
            outcome = batch.retire_members_batch(db, job)
        case DeleteCampaign():
            outcome = campaign_deletion.retire_campaign_delete(db, job)
        case RunExport():
            outcome = exports.retire_export(db, job)
        case UpdateCustomersBatch():
            outcome = customer_batch.retire_customers_step(db, job)
        case PublishEvent():
            outcome = notify.retire_publish(db, job)
        case EvaluateEarning() if job.source == "event":
            outcome = events.retire_event_job(db, job)
        case EvaluateEarning() | RevokeOrderEarning():
            outcome = orders.retire_order_job(db, job)
        case DeliverWebhook():
            outcome = webhooks.retire_delivery(db, job)
    if outcome == RETIRED:
        logger.error("job retired: it did not complete in the attempts allowed", extra={"job": job.to_json(), "attempts": job.attempt - 1})
        metrics.count("JobsRetired", job_type=job.type)
    return outcome
