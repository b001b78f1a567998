"""The worker's side of deleting a v1 loyalty campaign: its cards go a page of members per step, as a member delete
removes them (the card, its code claim, the membership claim; the member DELETED and out of the list), then the async
action ends DONE."""

from __future__ import annotations

from typing import Any, cast

from loyalty.core.clock import ms_from_iso, now_iso
from loyalty.db.table import Table
from loyalty.db.transact import TransactionConflict
from loyalty.jobs.models import DeleteCampaign
from loyalty.jobs.settle import retire, retirement
from loyalty.members import store as members
from loyalty.members.records import AsyncAction, Member
from loyalty.v1 import store

MEMBERS_PER_PAGE = 25
PAGES_PER_STEP = 40
"""A step deletes the cards of at most PAGES_PER_STEP x MEMBERS_PER_PAGE members (one Query of the member and one
transaction each); a larger campaign goes on in the next step, which the sweeper sends (the worker sends no messages)."""


def _open_step(db: Table, job: DeleteCampaign) -> tuple[dict[str, Any], AsyncAction] | str:
    """The deletion's step item and its async action, or MISSING / ALREADY_DONE when there is nothing left to do."""
    item = store.campaign_delete_step(db, job.async_action_id)
    if item is None:
        return "MISSING"
    data = cast(AsyncAction, item["data"])
    if data["status"] in ("DONE", "FAILED"):
        return "ALREADY_DONE"
    return item, data


def delete_campaign_step(db: Table, job: DeleteCampaign) -> str:
    """Worker: walk the campaign's members list and delete each member's cards (as a member delete does); at the list's
    end, end the async action DONE (result: the number of cards deleted). A step stops after PAGES_PER_STEP pages and
    leaves its job pending for the sweeper. A member that changed meanwhile, or whose card still holds locked points,
    fails the step so that the job is retried (what it did is counted first)."""
    opened = _open_step(db, job)
    if isinstance(opened, str):
        return opened
    item, data = opened
    deleted = 0
    start: dict[str, Any] | None = None
    for _ in range(PAGES_PER_STEP):
        member_ids, start = store.campaign_member_page(db, item["campaign_id"], MEMBERS_PER_PAGE, start)
        for member_id in member_ids:
            found = members.get_member_for_change(db, member_id)
            if found is None or found[0]["status"] == "DELETED":  # a stale index entry
                continue
            member, cards, version = found
            gone = cast(Member, {**member, "status": "DELETED", "updated_at": now_iso()})
            tx = db.transaction()
            members.add_member_delete(tx, db, gone, cards, version)
            try:
                tx.commit()
            except TransactionConflict:
                if deleted:
                    store.record_delete_progress(db, job.async_action_id, deleted, None)
                raise
            deleted += len(cards)
        if start is None:
            break
    else:
        store.record_delete_progress(db, job.async_action_id, deleted, job.first_send().to_json())
        return "IN_PROGRESS"
    now = now_iso()
    count = int(item.get("cards_deleted", 0)) + deleted
    ended: AsyncAction = {**data, "status": "DONE", "operation_status": "SUCCESS", "updated_at": now, "progress": 100,
                          "result": {"message": f"Campaign {item['campaign_id']} deleted with {count} loyalty card(s)",
                                     "campaign_id": item["campaign_id"], "deleted_cards_count": count,
                                     "force": bool(item.get("force"))},
                          "processing_time": ms_from_iso(now) - ms_from_iso(data["created_at"])}
    try:
        store.finish_campaign_delete(db, item, ended)
    except TransactionConflict as conflict:
        if conflict.failed("action"):
            return "ALREADY_DONE"
        raise
    return "DONE"


def retire_campaign_delete(db: Table, job: DeleteCampaign) -> str:
    """Worker, for a campaign deletion out of attempts: its async action ends FAILED (the campaign stays deleted; the
    cards not yet deleted stay, unreachable through the campaign). Returns RETIRED or why not."""
    opened = _open_step(db, job)
    if isinstance(opened, str):
        return opened
    item, data = opened
    now = now_iso()
    failure = retirement(job)
    ended: AsyncAction = {**data, "status": "FAILED", "operation_status": "FAILED", "updated_at": now,
                          "result": {"failure": failure, "deleted_cards_count": int(item.get("cards_deleted", 0))},
                          "processing_time": ms_from_iso(now) - ms_from_iso(data["created_at"])}
    return retire(lambda: store.retire_campaign_delete(db, job.async_action_id, ended, job.to_json()), label="action")
