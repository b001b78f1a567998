"""Export items (`<project>#EXP#<id>` / EXPORT): the export object, what it exports, and the pending-job marker that
keeps it on the sweeper's list until the worker has written its CSV; and the page of a campaign's cards an export walks."""

from __future__ import annotations

from typing import Any

from loyalty.core.clock import now_ms
from loyalty.db.keys import GSI1, key_names
from loyalty.db.table import ConditionFailed, Item, Table
from loyalty.jobs.models import RunExport


def create_export(db: Table, export: dict[str, Any], request: dict[str, Any], job: RunExport) -> None:
    """Store a SCHEDULED export with its request and the pending-job marker (one PutItem, new id)."""
    db.put(db.keys.export(export["id"]), {"data": export, "request": request,
                                          **db.keys.pending_job(export["id"], now_ms(), job.to_json())})


def get_export(db: Table, export_id: str) -> Item | None:
    """One export item (`data`: the export object; `request`; `object_key` once DONE)."""
    return db.get(db.keys.export(export_id))


def finish_export(db: Table, export: dict[str, Any], object_key: str) -> bool:
    """Mark an export DONE (its object key beside it) and take it out of the pending-job index, on condition that it is
    still there; False when another delivery of the job finished (or retired) it first."""
    try:
        db.update(db.keys.export(export["id"]), "SET #d = :data, object_key = :key REMOVE JOBPK, JOBSK, job",
                  condition="attribute_exists(JOBPK)", names={"#d": "data"}, values={"data": export, "key": object_key})
    except ConditionFailed:
        return False
    return True


def retire_export(db: Table, export: dict[str, Any], job_json: str) -> bool:
    """Mark an export out of attempts ERROR and out of the pending-job index, on condition that the marker still holds
    this retire send; False otherwise."""
    try:
        db.update(db.keys.export(export["id"]), "SET #d = :data REMOVE JOBPK, JOBSK, job", condition="job = :job",
                  names={"#d": "data"}, values={"data": export, "job": job_json})
    except ConditionFailed:
        return False
    return True


def campaign_cards_page(db: Table, campaign_id: str, limit: int,
                        start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """A page of up to `limit` cards (their `data`) of a v1 campaign's cards list, from `start`; and where the next page
    starts (None at the end)."""
    pk, _ = key_names(GSI1)
    kw: dict[str, Any] = {"key_condition": f"{pk} = :pk", "IndexName": GSI1, "ConsistentRead": False, "Limit": limit}
    if start:
        kw["ExclusiveStartKey"] = start
    items, last = db.query(db.keys.collection(db.keys.campaign_cards_list(campaign_id)), **kw)
    return [item["data"] for item in items], last
