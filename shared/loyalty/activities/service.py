"""Listing a resource's activities: newest first unless `order=created_at`, filtered by id, type and created_at."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from loyalty.activities import store
from loyalty.activities.records import PROGRAM, ActivityKind
from loyalty.core.errors import not_found
from loyalty.core.listing import DATE, ListSpec, enum_field, id_field, parse
from loyalty.core.lists import list_view
from loyalty.db.table import Table


@cache
def list_spec(kind: ActivityKind) -> ListSpec:
    """The list spec of one kind of activities."""
    return ListSpec(kind.cursor_prefix, filters={"id": id_field(kind.ids.prefix), "type": enum_field(*kind.types), "created_at": DATE},
                    rounds_limit=kind is PROGRAM)


def list_activities(db: Table, kind: ActivityKind, resource_type: str, resource_id: str, params: list[tuple[str, str]], *,
                    owner: dict[str, str] | None = None, exists: Callable[[], bool] | None = None) -> dict[str, Any]:
    """A page of a resource's activities; 404 for the resource when it is not found."""
    spec = list_spec(kind)
    page = store.list_activities(db, kind, resource_id, parse(params, spec), spec, owner=owner, exists=exists)
    if page is None:
        raise not_found(resource_type, resource_id)
    return list_view(*page)
