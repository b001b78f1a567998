"""The one way a job settles a PENDING item: approve it, else reject it when the refusal says so, else it was already settled."""

from __future__ import annotations

from collections.abc import Callable

from loyalty.db.transact import TransactionConflict

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
    try:
        reject()
    except TransactionConflict as conflict:
        if not conflict.failed(PENDING_LABEL):
            raise
        return "ALREADY_SETTLED"
    return "REJECTED"
