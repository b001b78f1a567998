"""Card codes: generated from a card definition's (or v1 campaign's) `code_config`, claimed unique, assigned by the worker.

A stored config that can never give a usable code (stored before loyalty.core.codes checked requests, or a code space
used up) ends its cards' code generation for good: the card stays without a code, a `vl.card.code_generation.failed`
activity says why, and the member's code job leaves the pending index, so nothing retries it."""

from __future__ import annotations

from typing import Any

from loyalty.activities import records as activity_kinds
from loyalty.activities.store import add_activity
from loyalty.core.codes import MIN_CODE_SPACE, UnusableCodeConfig, generate_code, stored_shape
from loyalty.core.logs import logger
from loyalty.db.table import Table
from loyalty.db.transact import Transaction, TransactionConflict
from loyalty.jobs.models import GenerateCardCodes
from loyalty.jobs.settle import retire, retirement
from loyalty.members import store
from loyalty.members.records import Card
from loyalty.members.views import card_view

ATTEMPTS = 5  # draws of a member's codes before a code space is deemed used up
FAILED_EVENT = "vl.card.code_generation.failed"


def draw_codes(cards: list[Card], given_up: dict[str, str]) -> dict[str, str]:
    """A fresh random code (card id -> code) for every card not in `given_up`; a card whose stored config can never give
    a usable code is added to `given_up` (card id -> why) instead."""
    out: dict[str, str] = {}
    for card in cards:
        if card["id"] in given_up:
            continue
        try:
            out[card["id"]] = generate_code(card.get("code_config") or {})
        except UnusableCodeConfig as unusable:
            given_up[card["id"]] = f"The card's {unusable}"
    return out


def give_up_small_spaces(cards: list[Card], given_up: dict[str, str], draws: int = ATTEMPTS) -> bool:
    """After `draws` draws that all hit taken codes: give up the cards whose config gives fewer than MIN_CODE_SPACE codes
    (a config stored before that rule, now used up); True when some card was given up (else the collisions were bad luck
    in a large space, and the caller retries later)."""
    added = False
    for card in cards:
        if card["id"] in given_up:
            continue
        try:
            shape = stored_shape(card.get("code_config") or {})
        except UnusableCodeConfig as unusable:
            given_up[card["id"]], added = f"The card's {unusable}", True
            continue
        if shape.space < MIN_CODE_SPACE:
            given_up[card["id"]], added = (
                f"No free code found in {draws} draws: the card's code_config gives only {shape.space:,} distinct codes", True)
    return added


def add_failed_activity(tx: Transaction, db: Table, card: Card, reason: str) -> None:
    """Add to `tx` the card's `vl.card.code_generation.failed` activity for a config that cannot give it a code."""
    _add_failed(tx, db, card, error={"key": "card_code_generation_failed", "message": "Card code generation failed",
                                     "details": reason})


def _add_failed(tx: Transaction, db: Table, card: Card, **why: Any) -> None:
    """Add to `tx` the card's `vl.card.code_generation.failed` activity, showing the code-less card and `why`."""
    add_activity(tx, db, activity_kinds.CARD, card["id"], FAILED_EVENT, {"card": card_view({**card, "code": None}), **why},
                 owner={"program_id": card["program_id"], "member_id": card["member_id"], "card_id": card["id"]})


def generate_card_codes(db: Table, job: GenerateCardCodes) -> str:
    """Worker: give every code-less card of a member a unique code. Re-running it is a no-op. A card whose config can never
    give a code is given up (FAILED: see the module's docstring); RuntimeError (retried) when every draw of a large code
    space hit a taken code."""
    found = store.get_member_with_cards(db, job.member_id)
    if found is None:
        return "MISSING"
    _, cards = found
    missing = [c for c in cards if not c.get("code")]
    if not missing:
        store.clear_member_job(db, job.member_id)
        return "ALREADY_DONE"
    given_up: dict[str, str] = {}
    for attempt in range(2 * ATTEMPTS):
        if attempt == ATTEMPTS and not give_up_small_spaces(missing, given_up):
            break
        codes = draw_codes(missing, given_up)
        if len(set(codes.values())) != len(codes):
            continue
        tx = db.transaction()
        store.add_card_codes(tx, db, job.member_id, codes)
        for card in missing:
            if card["id"] in codes:
                coded = card_view({**card, "code": codes[card["id"]]})
                add_activity(tx, db, activity_kinds.CARD, card["id"], "vl.card.code_generation.succeeded", {"card": coded},
                             owner={"program_id": card["program_id"], "member_id": job.member_id, "card_id": card["id"]})
            else:
                add_failed_activity(tx, db, card, given_up[card["id"]])
        try:
            tx.commit()
        except TransactionConflict as conflict:
            if conflict.failed("job"):
                return "ALREADY_DONE"  # another delivery of this job finished (or gave up) first
            continue  # a code was taken meanwhile: draw again
        if given_up:
            logger.error("card code generation failed for good", extra={"project_id": db.project_id, "member_id": job.member_id,
                                                                        "cards": given_up})
            return "FAILED"
        return "DONE"
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
            _add_failed(tx, db, card, failure=retirement(job))
    return retire(tx.commit, label="job")
