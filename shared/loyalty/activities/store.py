"""Stored activities: one list partition per resource, entries keyed by their time-ordered ids (newest first in one Query)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from loyalty.activities.records import Activity, ActivityKind
from loyalty.core.clock import now_iso
from loyalty.core.listing import ListQuery, ListSpec
from loyalty.db import lists
from loyalty.db.lists import Collection
from loyalty.db.table import Table
from loyalty.db.transact import Transaction


def add_activity(tx: Transaction, db: Table, kind: ActivityKind, resource_id: str, activity_type: str, data: dict[str, Any], *,
                 owner: dict[str, str] | None = None, group_id: str | None = None) -> Activity:
    """Add to `tx` one activity of a resource (written with the change it records, or not at all).

    `owner` holds what the list checks the activity against (e.g. a member's program); it is not part of the answer."""
    assert activity_type in kind.types, activity_type
    activity = cast(Activity, {"id": kind.ids.new(), kind.resource_field: resource_id, "type": activity_type, "data": data,
                               "created_at": now_iso(), "source": db.source})
    if group_id:
        activity["group_id"] = group_id
    tx.put("activity", db.keys.activity(resource_id, activity["id"]), {"data": activity, "owner": owner or {}})
    return activity


def list_activities(db: Table, kind: ActivityKind, resource_id: str, query: ListQuery, spec: ListSpec, *,
                    owner: dict[str, str] | None = None, exists: Callable[[], bool] | None = None
                    ) -> tuple[list[Activity], dict[str, str] | None] | None:
    """A page of a resource's activities; None when the resource is not `owner`'s (or, on an empty first page, when
    `exists()` says it does not exist)."""
    collection = Collection(db.keys.activities(resource_id), id_prefix=kind.ids.prefix, owner=owner or {})

    def record(item: dict[str, Any]) -> dict[str, Any]:
        return {**item.get("owner", {}), **item["data"]}

    page = lists.page(db, collection, query, spec, record, exists)
    if page is None:
        return None
    fields = ("id", kind.resource_field, "type", "data", "created_at", "group_id", "source")
    return [cast(Activity, {k: r[k] for k in fields if k in r}) for r in page[0]], page[1]
