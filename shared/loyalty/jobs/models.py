"""The typed jobs the worker runs: one pydantic model per job type, told apart by `type`."""

from __future__ import annotations

import json
from functools import cache
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, TypeAdapter, ValidationError


class _Job(BaseModel):
    """What every job carries: the project whose data it touches, and which send of the job this is.

    `attempt` counts the sends (1 = the first, by the request that stored the job; each re-send by the sweeper adds
    one). `retire` marks the send the sweeper makes once a job has used its attempts: the worker then ends the job
    (its transaction REJECTED, its async action FAILED, ...) instead of running it."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)  # built when a job is first made or read

    project_id: StrictStr
    attempt: StrictInt = Field(default=1, ge=1)
    retire: StrictBool = False

    def to_json(self) -> str:
        """The message body (and the copy kept on the pending item for the sweeper): `type` first, then the fields;
        `attempt` and `retire` only once the sweeper has set them, a field that defaults to None only when set."""
        data = self.model_dump()
        for name, info in type(self).model_fields.items():
            if data.get(name) is None and name in data and not info.is_required() and info.default is None:
                del data[name]
        if data["attempt"] == 1:
            del data["attempt"]
        if not data["retire"]:
            del data["retire"]
        return json.dumps({"type": data.pop("type"), **data}, separators=(",", ":"))

    def resent(self, attempt: int, *, retire: bool) -> Self:
        """The same job as the sweeper sends it again: send number `attempt`, marked `retire` when it is the last."""
        return self.model_copy(update={"attempt": attempt, "retire": retire})

    def first_send(self) -> Self:
        """The same job as a first send (a job that made progress, such as a batch step, starts counting again)."""
        return self.model_copy(update={"attempt": 1, "retire": False})


class ApplyCardTransaction(_Job):
    """Settle one PENDING admin credit or debit."""

    type: Literal["apply_card_transaction"] = "apply_card_transaction"
    member_id: StrictStr
    card_id: StrictStr
    transaction_id: StrictStr
    allow_negative: StrictBool = False


class CompleteRewardPurchase(_Job):
    """Approve (or reject) one PENDING reward purchase."""

    type: Literal["complete_reward_purchase"] = "complete_reward_purchase"
    member_id: StrictStr
    card_id: StrictStr
    transaction_id: StrictStr
    cost: StrictInt
    limited_stock: StrictBool
    # What the approval delivers. Only a LOYALTY_CARD_POINTS reward's job carries it (the worker credits its target card);
    # otherwise the accepting transaction keeps it on the reward transaction item (`pending_result`), where the approval
    # moves it to `result`: the job's copy on the PENDING card transaction stays small (under 1 KB, one write unit).
    result: dict[str, Any] | None = None
    purchased_transaction_id: StrictStr | None = None  # the POINTS_PURCHASED transaction a LOYALTY_CARD_POINTS reward credits
    # The accepting transaction counted the purchase in the program reward's `redeemed` (with the stock it took), so the
    # approval leaves it and a rejection takes it back; False for a job accepted before, which the approval counts.
    counted: StrictBool = False
    # The reward bought: the worker reads its status with the transaction, in one BatchGetItem (None in a job accepted
    # before, whose worker reads the transaction first and then the reward)
    reward_id: StrictStr | None = None


class RefundRewardPurchase(_Job):
    """Return a refunded purchase's points: approve its PENDING POINTS_RETURNED transaction (the points back on the
    paying card, in a bucket expiring as decided when the refund was accepted), give the stock back and, for a
    LOYALTY_CARD_POINTS reward, reverse the points it credited, in one write. Everything it needs travels with it, so
    the worker reads nothing but the target card's buckets."""

    type: Literal["refund_reward_purchase"] = "refund_reward_purchase"
    member_id: StrictStr
    card_id: StrictStr
    card_definition_id: StrictStr
    program_id: StrictStr
    reward_id: StrictStr
    transaction_id: StrictStr  # the POINTS_RETURNED transaction
    points: StrictInt
    expiration_date: StrictStr | None = None
    expiration_type: StrictStr = "NO_EXPIRATION"
    restore_stock: StrictBool = False
    reversed: dict[str, Any] | None = None  # {transaction_id, card_id, card_definition_id, points}: the POINTS_PURCHASE_REVERSED


class CompleteOrderPayment(_Job):
    """Approve (or reject) one PENDING pay-with-points order payment: its POINTS_SPENT_ON_ORDER card transaction and its
    order transaction settle together."""

    type: Literal["complete_order_payment"] = "complete_order_payment"
    member_id: StrictStr
    card_id: StrictStr
    transaction_id: StrictStr  # the POINTS_SPENT_ON_ORDER card transaction
    order_transaction_id: StrictStr
    order_id: StrictStr
    points: StrictInt
    amount: StrictInt


class GenerateCardCodes(_Job):
    """Give every code-less card of a member a unique code."""

    type: Literal["generate_card_codes"] = "generate_card_codes"
    member_id: StrictStr


class CreateMembersBatch(_Job):
    """Create the members of the next stored chunk of a batch enrolment (an async action), then send itself again for
    the chunk after it."""

    type: Literal["create_members_batch"] = "create_members_batch"
    async_action_id: StrictStr


class DeleteCampaign(_Job):
    """Delete the cards of a deleted v1 loyalty campaign, a page of members per step, sending itself again until none is
    left; then end its async action (and, with `force`, delete the campaign record)."""

    type: Literal["delete_campaign"] = "delete_campaign"
    async_action_id: StrictStr


class UpdateCustomersBatch(_Job):
    """Apply the next stored chunk of a customers bulk update, metadata update or CSV import (an async action), then
    send itself again for the chunk after it."""

    type: Literal["update_customers_batch"] = "update_customers_batch"
    async_action_id: StrictStr


class EvaluateEarning(_Job):
    """Evaluate the earning rules a PAID order or a custom event fires (v2 programs and v1 campaigns of its customer) and
    write what they give, each effect once (claimed by its deterministic key, earning-map §12)."""

    type: Literal["evaluate_earning"] = "evaluate_earning"
    source: Literal["order", "event"]
    source_id: StrictStr


class RevokeOrderEarning(_Job):
    """Apply the card definitions' `refunds` settings to what a canceled order earned (earning-map §9.2), once."""

    type: Literal["revoke_order_earning"] = "revoke_order_earning"
    order_id: StrictStr


class RunExport(_Job):
    """Write the CSV of one SCHEDULED export to the exports bucket and mark the export DONE (a redelivery overwrites the
    same object and finds the export already DONE)."""

    type: Literal["run_export"] = "run_export"
    export_id: StrictStr


class DeliverWebhook(_Job):
    """POST one event to one webhook (ours, not Voucherify's) and record the attempt on its delivery item; sent to the
    webhook queue (jobs/queue.py routes by type), not the jobs queue."""

    type: Literal["deliver_webhook"] = "deliver_webhook"
    webhook_id: StrictStr
    delivery_id: StrictStr
    sort_key: StrictStr  # the delivery item's sort key in the webhook's deliveries partition


class PublishEvent(_Job):
    """Put one stored domain event (`evt_`, written PENDING with what it reports) on the EventBridge bus and mark it
    published, once."""

    type: Literal["publish_event"] = "publish_event"
    event_id: StrictStr


AnyJob = (ApplyCardTransaction | CompleteRewardPurchase | RefundRewardPurchase | CompleteOrderPayment | GenerateCardCodes
          | CreateMembersBatch | EvaluateEarning | RevokeOrderEarning | DeleteCampaign | RunExport
          | UpdateCustomersBatch | DeliverWebhook | PublishEvent)
Job = Annotated[AnyJob, Field(discriminator="type")]


@cache
def _job_adapter() -> TypeAdapter[AnyJob]:
    """The validator of a message body, built on the first job read (a function that only sends jobs never needs it)."""
    return TypeAdapter(Job)


class PoisonMessage(ValueError):
    """A message that can never succeed (not JSON, not a known job): it goes to the DLQ after its retries."""


def parse_job(body: str) -> AnyJob:
    """The job a message body carries; PoisonMessage when it is not one."""
    try:
        return _job_adapter().validate_json(body)
    except ValidationError as exc:
        raise PoisonMessage(f"not a job: {body[:200]!r} ({exc.error_count()} errors)") from None
