"""Card codes: generated from a card definition's (or v1 campaign's) `code_config`, claimed unique, assigned by the worker."""

from __future__ import annotations

import secrets
from typing import Any

from loyalty.activities import records as activity_kinds
from loyalty.activities.store import add_activity
from loyalty.db.table import Table
from loyalty.db.transact import TransactionConflict
from loyalty.jobs.models import GenerateCardCodes
from loyalty.jobs.settle import retire, retirement
from loyalty.members import store
from loyalty.members.views import card_view

DEFAULT_CHARSET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
ATTEMPTS = 5


def generate_code(config: dict[str, Any]) -> str:
    """One random code: prefix + pattern (each `#` a random charset character) + postfix."""
    charset = config.get("charset") or DEFAULT_CHARSET
    pattern = config.get("pattern") or "#" * int(config.get("length") or 10)
    body = "".join(secrets.choice(charset) if ch == "#" else ch for ch in pattern)
    return f"{config.get('prefix') or ''}{body}{config.get('postfix') or ''}"


def generate_card_codes(db: Table, job: GenerateCardCodes) -> str:
    """Worker: give every code-less card of a member a unique code. Re-running it is a no-op."""
    found = store.get_member_with_cards(db, job.member_id)
    if found is None:
        return "MISSING"
    _, cards = found
    missing = [c for c in cards if not c.get("code")]
    if not missing:
        store.clear_member_job(db, job.member_id)
        return "ALREADY_DONE"
    for _ in range(ATTEMPTS):
        codes = {c["id"]: generate_code(c.get("code_config") or {}) for c in missing}
        if len(set(codes.values())) != len(codes):
            continue
        tx = db.transaction()
        store.add_card_codes(tx, db, job.member_id, codes)
        for card in missing:
            coded = card_view({**card, "code": codes[card["id"]]})
            add_activity(tx, db, activity_kinds.CARD, card["id"], "vl.card.code_generation.succeeded", {"card": coded},
                         owner={"program_id": card["program_id"], "member_id": job.member_id, "card_id": card["id"]})
        try:
            tx.commit()
            return "DONE"
        except TransactionConflict as conflict:
            if conflict.failed("job"):
                return "ALREADY_DONE"  # another delivery of this job finished first
    raise RuntimeError("could not find unique card codes; the job will be retried")


def retire_card_codes(db: Table, job: GenerateCardCodes) -> str:
    """Worker, for a code job out of attempts: the member leaves the PendingJobs index and each card still without a
    code gets a `vl.card.code_generation.failed` activity saying why, in one conditional transaction. The cards keep
    working without a code. Returns RETIRED or why not."""
    found = store.get_member_with_cards(db, job.member_id)
    if found is None:
        return "MISSING"
    _, cards = found
    tx = db.transaction()
    store.add_code_job_retirement(tx, db, job.member_id, job.to_json())
    for card in cards:
        if not card.get("code"):
            add_activity(tx, db, activity_kinds.CARD, card["id"], "vl.card.code_generation.failed",
                         {"card": card_view(card), "failure": retirement(job)},
                         owner={"program_id": card["program_id"], "member_id": job.member_id, "card_id": card["id"]})
    return retire(tx.commit, label="job")
