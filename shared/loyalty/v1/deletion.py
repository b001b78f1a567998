"""The worker's side of deleting a v1 loyalty campaign: its cards go a page of members per step, as a member delete
removes them (the card, its code claim, the membership claim; the member DELETED and out of the list), then the async
action ends DONE."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from loyalty.core.clock import now_iso
from loyalty.db.table import Table
from loyalty.db.transact import TransactionConflict
from loyalty.jobs.models import DeleteCampaign
from loyalty.jobs.queue import enqueue
from loyalty.jobs.settle import retire, retirement
from loyalty.members import store as members
from loyalty.members.records import AsyncAction, Member
from loyalty.v1 import store

MEMBERS_PER_STEP = 25
"""Members whose cards one worker step deletes (one Query of the member and one transaction each)."""


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def delete_campaign_step(db: Table, job: DeleteCampaign) -> str:
    """Worker: delete the cards of up to MEMBERS_PER_STEP members of the campaign, then send the job again; when none is
    left, end the async action DONE (result: the number of cards deleted). A member that changed meanwhile, or whose
    card still holds locked points, fails the step so that the job is retried."""
    item = store.campaign_delete_step(db, job.async_action_id)
    if item is None:
        return "MISSING"
    data = cast(AsyncAction, item["data"])
    if data["status"] in ("DONE", "FAILED"):
        return "ALREADY_DONE"
    member_ids = store.campaign_member_ids(db, item["campaign_id"], MEMBERS_PER_STEP)
    deleted = 0
    for member_id in member_ids:
        found = members.get_member_for_change(db, member_id)
        if found is None or found[0]["status"] == "DELETED":
            continue
        member, cards, version = found
        gone = cast(Member, {**member, "status": "DELETED", "updated_at": now_iso()})
        tx = db.transaction()
        members.add_member_delete(tx, db, gone, cards, version)
        try:
            tx.commit()
        except TransactionConflict:
            store.count_deleted_cards(db, job.async_action_id, deleted)
            raise
        deleted += len(cards)
    if member_ids:
        store.count_deleted_cards(db, job.async_action_id, deleted)
        enqueue(job.first_send())
        return "CONTINUED"
    now = now_iso()
    count = int(item.get("cards_deleted", 0))
    ended: AsyncAction = {**data, "status": "DONE", "operation_status": "SUCCESS", "updated_at": now, "progress": 100,
                          "result": {"message": f"Campaign {item['campaign_id']} deleted with {count} loyalty card(s)",
                                     "campaign_id": item["campaign_id"], "deleted_cards_count": count,
                                     "force": bool(item.get("force"))},
                          "processing_time": _ms(now) - _ms(data["created_at"])}
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
    item = store.campaign_delete_step(db, job.async_action_id)
    if item is None:
        return "MISSING"
    data = cast(AsyncAction, item["data"])
    if data["status"] in ("DONE", "FAILED"):
        return "ALREADY_DONE"
    now = now_iso()
    failure = retirement(job)
    ended: AsyncAction = {**data, "status": "FAILED", "operation_status": "FAILED", "updated_at": now,
                          "result": {"failure": failure, "deleted_cards_count": int(item.get("cards_deleted", 0))},
                          "processing_time": _ms(now) - _ms(data["created_at"])}
    return retire(lambda: store.retire_campaign_delete(db, job.async_action_id, ended, job.to_json()), label="action")
