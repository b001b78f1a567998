"""The one way a job settles a PENDING item: approve it, else reject it when the refusal says so, else it was already
settled; and the one way a job out of attempts is retired."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from loyalty.db.transact import TransactionConflict
from loyalty.jobs.models import AnyJob

PENDING_LABEL = "transaction"
"""The label of the transaction item that moves the job's record out of PENDING (condition `status = PENDING`)."""


def settle(approve: Callable[[], None], reject: Callable[[], None], *, reject_when: str) -> str:
    """Run `approve`; when its transaction is refused because the item labelled `reject_when` failed, run `reject`.

    Returns APPROVED, REJECTED, or ALREADY_SETTLED when another delivery of the same job moved the record first (the
    item labelled `transaction` failed). Any other refusal is raised, so the message is retried."""
    try:
        approve()
        return "APPROVED"
    except TransactionConflict as conflict:
        if conflict.failed(PENDING_LABEL):
            return "ALREADY_SETTLED"
        if not conflict.failed(reject_when):
            raise
    return once(reject, "REJECTED")


def once(write: Callable[[], None], outcome: str) -> str:
    """Run `write`, a job's settling transaction: `outcome`, or ALREADY_SETTLED when another delivery of the same job
    moved the record first (the item labelled `transaction` failed). Any other refusal is raised."""
    try:
        write()
    except TransactionConflict as conflict:
        if not conflict.failed(PENDING_LABEL):
            raise
        return "ALREADY_SETTLED"
    return outcome


RETIRED = "RETIRED"


def retirement(job: AnyJob) -> dict[str, Any]:
    """The `rejection` (or failure) a retired job records: why, and after how many sends."""
    sends = job.attempt - 1
    return {"reason": "processing_failed",
            "details": {"message": f"The job could not be completed in {sends} attempts and was stopped", "attempts": sends}}


def retire(end: Callable[[], None], *, label: str = PENDING_LABEL) -> str:
    """Run `end`, the transaction that ends a job out of attempts and takes it out of the PendingJobs index on condition
    that the marker still holds this retire send (the item labelled `label`). Returns RETIRED, or ALREADY_SETTLED when
    that condition failed: the job completed, was retired by another delivery, or was sent again since."""
    try:
        end()
    except TransactionConflict as conflict:
        if conflict.failed(label):
            return "ALREADY_SETTLED"
        raise
    return RETIRED
