"""Batch enrolment, the worker's side: one job step enrols the entries of the next stored chunk exactly like single
creates (same validation, same records, one card per ACTIVE card definition), reports each failure in the async action,
and sends the job again for the chunk after it. A redelivered step never enrols an entry twice: each membership claim it
writes names its async action and entry, so a step finding its own claims reports them as created."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from loyalty.activities import records as activity_kinds
from loyalty.activities.store import add_activity
from loyalty.core.clock import ms_from_iso, now_iso
from loyalty.core.errors import LoyaltyError, invalid_payload, not_found
from loyalty.core.fields import error_sentence
from loyalty.core.logs import logger
from loyalty.db.table import Table
from loyalty.db.transact import MAX_ITEMS, Transaction, TransactionConflict
from loyalty.jobs.models import CreateMembersBatch, UpdateCustomersBatch
from loyalty.jobs.queue import enqueue
from loyalty.jobs.settle import retire, retirement
from loyalty.members import store
from loyalty.members.codes import add_failed_activity, draw_codes, give_up_small_spaces
from loyalty.members.models import MemberCreate
from loyalty.members.records import AsyncAction, Card, Member, Membership
from loyalty.members.service import (
    add_member_activities,
    card_assignments,
    customer_ref,
    member_already_exists,
    new_member,
    require_enrolling_program,
)
from loyalty.members.store import CustomerRef
from loyalty.members.views import card_view, member_view
from loyalty.programs.service import require_program

MAX_LISTED_FAILURES = 1000  # failures the async action's result lists one by one (every failure is counted) ...
MAX_LISTED_BYTES = 150_000  # ... within this much JSON, so that the action stays well inside one 400 KB item
ATTEMPTS = 5  # tries of one entry whose write was refused by a card code already taken


@dataclass
class Enrolment:
    """One entry to enrol: its position in the batch, and the member and cards it makes."""

    index: int
    member: Member
    cards: list[Card]
    given_up: dict[str, str] = field(default_factory=dict)  # card id -> why its config can never give it a code

    @property
    def items(self) -> int:
        """Items its write takes: claim, member, activity, and per card the card, its code claim and two activities."""
        return 3 + 4 * len(self.cards)


@dataclass
class Step:
    """What one chunk's entries came to: entries created (index -> member id), failures (index -> error)."""

    created: dict[int, str] = field(default_factory=dict)
    failed: dict[int, dict[str, Any]] = field(default_factory=dict)


def create_members_batch(db: Table, job: CreateMembersBatch) -> str:
    """Worker: process the next chunk of a batch enrolment; send the job again while chunks remain. Returns the outcome."""
    opened = open_chunk_step(db, job)
    if isinstance(opened, str):
        return opened
    action, chunk = opened
    data: AsyncAction = action["data"]
    step = enrol_chunk(db, data["id"], str(action["program_id"]), int(chunk["offset"]), list(chunk["entries"]))
    return end_chunk_step(db, job, action, chunk, _summary(action["summary"], step), _result)


ChunkedJob = CreateMembersBatch | UpdateCustomersBatch


def _open_action(db: Table, job: ChunkedJob) -> tuple[dict[str, Any], dict[str, Any] | None] | str:
    found = store.get_batch_step(db, job.async_action_id)
    if found is None:
        logger.warning("chunked job for a missing async action dropped", extra={"job": job.to_json()})
        return "MISSING"
    if found[0]["data"]["status"] in ("DONE", "FAILED"):
        return "ALREADY_DONE"
    return found


def open_chunk_step(db: Table, job: ChunkedJob) -> tuple[dict[str, Any], dict[str, Any]] | str:
    """A chunked async action's item and its next chunk (batch enrolment, customer updates); MISSING or ALREADY_DONE when
    there is nothing to do."""
    opened = _open_action(db, job)
    if isinstance(opened, str):
        return opened
    action, chunk = opened
    index = int(action["next_chunk"])
    if chunk is None or int(chunk["index"]) != index:
        raise RuntimeError(f"async action {action['data']['id']}: chunk {index} is not stored")  # retried; never expected
    return action, chunk


def end_chunk_step(db: Table, job: ChunkedJob, action: dict[str, Any], chunk: dict[str, Any], summary: dict[str, Any],
                   result: Callable[[dict[str, Any]], dict[str, Any]]) -> str:
    """The end of a chunk's step: the action's progress (DONE with `result(summary)` after the last chunk) and the
    chunk's removal in one transaction conditioned on `next_chunk`, then the job for the next chunk. Returns the outcome."""
    data: AsyncAction = action["data"]
    index = int(action["next_chunk"])
    last = index + 1 >= int(action["chunks"])
    now = now_iso()
    processed = int(chunk["offset"]) + len(chunk["entries"])
    updated: AsyncAction = {**data, "status": "DONE" if last else "IN_PROGRESS", "updated_at": now,
                            "progress": 100 if last else min(99, processed * 100 // max(1, int(action["total"])))}
    if last:
        updated["operation_status"] = "SUCCESS"
        updated["result"] = result(summary)
        updated["processing_time"] = ms_from_iso(now) - ms_from_iso(data["created_at"])
        # the result now holds the summary: keep only the counts beside it
        summary = {"done_count": summary["done_count"], "failed_count": summary["failed_count"]}
    following = job.first_send()  # a step that made progress: the job for the next one starts with all its attempts
    try:
        store.finish_chunk(db, index, updated, summary, None if last else following)
    except TransactionConflict as conflict:
        if conflict.failed("action"):
            return "ALREADY_DONE"  # another delivery of this step finished it first
        raise
    if last:
        return "DONE"
    enqueue(following)
    return "IN_PROGRESS"


def retire_chunked_action(db: Table, job: ChunkedJob, summary_of: Callable[[dict[str, Any]], dict[str, Any]],
                          result: Callable[[dict[str, Any], int, dict[str, Any]], dict[str, Any]]) -> str:
    """For a chunked job out of attempts: the async action ends FAILED with `result(summary, entries left, failure)`, its
    unprocessed chunks are deleted, and it leaves the PendingJobs index, in one conditional transaction."""
    opened = _open_action(db, job)
    if isinstance(opened, str):
        return opened
    action, _ = opened
    data: AsyncAction = action["data"]
    summary = summary_of(action["summary"])
    done, failed = summary["done_count"], summary["failed_count"]
    left = max(0, int(action["total"]) - done - failed)
    now = now_iso()
    ended: AsyncAction = {**data, "status": "FAILED", "operation_status": "FAILED", "updated_at": now,
                          "result": result(summary, left, retirement(job)),
                          "processing_time": ms_from_iso(now) - ms_from_iso(data["created_at"])}
    counts = {"done_count": done, "failed_count": failed}
    return retire(lambda: store.retire_batch(db, ended, counts, int(action["next_chunk"]), int(action["chunks"]), job.to_json()),
                  label="action")


def retire_members_batch(db: Table, job: CreateMembersBatch) -> str:
    """Worker, for a batch job out of attempts: the async action ends FAILED with what was done (members created,
    entries failed, entries never processed), its unprocessed chunks are deleted, and it leaves the PendingJobs index,
    in one conditional transaction. Returns RETIRED or why not."""
    def result(summary: dict[str, Any], left: int, failure: dict[str, Any]) -> dict[str, Any]:
        done, failed = summary["done_count"], summary["failed_count"]
        return {**_result(summary), "not_processed_count": left, "failure": failure,
                "message": f"Stopped: {failure['details']['message']}. {done} member(s) created, {failed} entr"
                           f"{'y' if failed == 1 else 'ies'} failed, {left} not processed"}

    return retire_chunked_action(db, job, lambda before: _summary(before, Step()), result)


def _summary(before: dict[str, Any], step: Step) -> dict[str, Any]:
    listed = list(before.get("failed") or [])
    size = len(json.dumps(listed))
    for index in sorted(step.failed):
        size += len(json.dumps(step.failed[index])) + 2
        if len(listed) >= MAX_LISTED_FAILURES or size > MAX_LISTED_BYTES:
            break
        listed.append(step.failed[index])
    return {"done_count": int(before.get("done_count", 0)) + len(step.created),
            "failed_count": int(before.get("failed_count", 0)) + len(step.failed), "failed": listed}


def _result(summary: dict[str, Any]) -> dict[str, Any]:
    done, failed = summary["done_count"], summary["failed_count"]
    return {"message": f"{done} member(s) created, {failed} entr{'y' if failed == 1 else 'ies'} failed",
            "done_count": done, "failed_count": failed, "failed": summary["failed"],
            "failed_listed": len(summary["failed"])}


def _describe(error: ValidationError) -> str:
    """The first validation error of an entry, in the words of the API's invalid_payload details."""
    first = error.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    if first.get("type") == "missing":
        return f"Entry must have required property '{where}'"
    if first.get("type") == "extra_forbidden":
        return f"Entry must NOT have additional property '{where}'"
    if first.get("type") == "model_type":
        return "Entry must be an object"
    return f"Property '{where or 'entry'}' {error_sentence(first.get('msg'))}"


def _failure(index: int, error: LoyaltyError, ref: CustomerRef | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"index": index, "key": error.key, "message": error.message, "details": error.details}
    if ref is not None:
        out["customer_id" if ref[0] is not None else "customer_source_id"] = ref[0] if ref[0] is not None else ref[1]
    return out


def _duplicate(customer_id: str, first: int) -> LoyaltyError:
    return LoyaltyError(400, "duplicate_found", "Duplicate customer",
                        f"Customer '{customer_id}' appears more than once in this batch (first at entry {first})")


def _record_claimed(step: Step, claim: Membership, action_id: str, index: int, customer_id: str, program_id: str,
                    ref: CustomerRef) -> None:
    """Record what an existing claim means for an entry: created, when this entry made it (an earlier delivery), else
    failed: a duplicate when another entry of this batch made it, else the member already exists."""
    if claim.get("async_action_id") == action_id:
        if claim.get("entry") == index:
            step.created[index] = claim["member_id"]
            return
        step.failed[index] = _failure(index, _duplicate(customer_id, int(claim.get("entry", 0))), ref)
        return
    step.failed[index] = _failure(index, member_already_exists(customer_id, program_id), ref)


def enrol_chunk(db: Table, action_id: str, program_id: str, offset: int, texts: list[str]) -> Step:
    """Validate and enrol one chunk's entries (JSON texts; entry `offset + i` is `texts[i]`)."""
    step = Step()
    try:
        program, assignments = require_program(db, program_id)
        require_enrolling_program(program, "Cannot create member when program status is not ACTIVE")
    except LoyaltyError as gone:  # the program was deleted or deactivated since the request: every entry fails
        step.failed = {offset + i: _failure(offset + i, gone) for i in range(len(texts))}
        return step
    bodies: dict[int, MemberCreate] = {}
    for i, text in enumerate(texts):
        try:
            bodies[offset + i] = MemberCreate.model_validate_json(text)
        except ValidationError as error:
            step.failed[offset + i] = _failure(offset + i, invalid_payload(_describe(error)))
    cdefs = card_assignments(assignments)
    refs = {index: customer_ref(body) for index, body in bodies.items()}
    customers, statuses = store.get_customers_and_card_definitions(db, list(refs.values()), [a["id"] for a in cdefs]) \
        if refs else ({}, {})
    for index, ref in refs.items():
        if ref not in customers:
            step.failed[index] = _failure(index, not_found("customer", str(ref[0] if ref[0] is not None else ref[1])), ref)
    claims = store.get_program_memberships(db, program_id, [customers[r] for i, r in refs.items() if i not in step.failed])
    first_of: dict[str, int] = {}
    todo: list[Enrolment] = []
    now = now_iso()
    for index in sorted(i for i in bodies if i not in step.failed):
        customer_id = customers[refs[index]]
        claim = claims.get(customer_id)
        if claim is not None:
            _record_claimed(step, claim, action_id, index, customer_id, program_id, refs[index])
        elif customer_id in first_of:
            step.failed[index] = _failure(index, _duplicate(customer_id, first_of[customer_id]), refs[index])
        else:
            first_of[customer_id] = index
            member, cards = new_member(program_id, customer_id, bodies[index], now, cdefs, statuses)
            todo.append(Enrolment(index, member, cards))
    _write(db, action_id, program_id, todo, step, refs)
    return step


def _with_codes(enrolment: Enrolment) -> None:
    """Give every card of the entry a fresh code (batch-created cards get their codes at once, not from the worker); a
    card whose config can never give one stays without a code (the member is still enrolled, as a single create does)."""
    codes = draw_codes(enrolment.cards, enrolment.given_up)
    for card in enrolment.cards:
        card["code"] = codes.get(card["id"])


def _add(tx: Transaction, db: Table, action_id: str, program_id: str, enrolment: Enrolment) -> None:
    member, cards = enrolment.member, enrolment.cards
    store.add_member(tx, db, member, cards, scope_id=program_id, claim_label=f"membership:{enrolment.index}",
                     entry=(action_id, enrolment.index))
    add_member_activities(tx, db, member_view(member, cards))
    for card in cards:
        if not card.get("code"):
            add_failed_activity(tx, db, card, enrolment.given_up[card["id"]])
            continue
        add_activity(tx, db, activity_kinds.CARD, card["id"], "vl.card.code_generation.succeeded", {"card": card_view(card)},
                     owner={"program_id": program_id, "member_id": member["id"], "card_id": card["id"]})


def _write(db: Table, action_id: str, program_id: str, todo: list[Enrolment], step: Step, refs: dict[int, CustomerRef]) -> None:
    """Write the entries' members in as few transactions as fit (100 items each); when one is refused (a claim or a
    code taken meanwhile), its entries are written one by one."""
    packs: list[list[Enrolment]] = []
    for enrolment in todo:
        _with_codes(enrolment)
        if not packs or sum(e.items for e in packs[-1]) + enrolment.items > MAX_ITEMS:
            packs.append([])
        packs[-1].append(enrolment)
    for pack in packs:
        coded = [c["code"] for e in pack for c in e.cards if c["code"]]
        if len(set(coded)) == len(coded):
            try:
                tx = db.transaction()
                for enrolment in pack:
                    _add(tx, db, action_id, program_id, enrolment)
                tx.commit()
                step.created.update({e.index: e.member["id"] for e in pack})
                continue
            except (TransactionConflict, LoyaltyError):  # a claim or code taken, or too much data for one transaction
                pass
        for enrolment in pack:
            _write_one(db, action_id, program_id, enrolment, step, refs[enrolment.index])


def _write_one(db: Table, action_id: str, program_id: str, enrolment: Enrolment, step: Step, ref: CustomerRef) -> None:
    index, customer_id = enrolment.index, enrolment.member["customer_id"]
    for attempt in range(2 * ATTEMPTS):
        if attempt == ATTEMPTS:  # every draw hit a taken code: a used-up small code space gives its cards up, else retry later
            if not give_up_small_spaces(enrolment.cards, enrolment.given_up, ATTEMPTS):
                break
            _with_codes(enrolment)
        try:
            tx = db.transaction()
            _add(tx, db, action_id, program_id, enrolment)
            tx.commit()
            step.created[index] = enrolment.member["id"]
            return
        except LoyaltyError as refused:
            if refused.status != 400:
                raise  # contention that outlasted the retries: the job is retried
            step.failed[index] = _failure(index, refused, ref)  # the member cannot be stored (the 400 KB item guard)
            return
        except TransactionConflict as conflict:
            if conflict.failed(f"membership:{index}"):
                claim = store.get_membership(db, program_id, customer_id)
                if claim is not None:
                    _record_claimed(step, claim, action_id, index, customer_id, program_id, ref)
                    return
            elif not conflict.failed("code"):
                raise
        _with_codes(enrolment)  # a code was taken (or the claim was released meanwhile): try again
    raise RuntimeError(f"could not enrol entry {index} of async action {action_id}; the job will be retried")

