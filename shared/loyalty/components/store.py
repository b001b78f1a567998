"""Stored components (card definitions, earning rules, rewards, tier structures, benefits): one item each, with its
status beside its data, the set of programs it is assigned to and a version that every assignment change and save bumps; listed
in creation order (a deleted component leaves its list). A tier structure's tiers are child items in its partition."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from loyalty.activities import records as activity_kinds
from loyalty.activities.records import ActivityKind
from loyalty.activities.store import add_activity
from loyalty.core import ids
from loyalty.core.listing import ListQuery, ListSpec
from loyalty.db import lists
from loyalty.db.keys import BENEFIT, CARD_DEFINITION, EARNING_RULE, GSI1, REWARD, TIER_STRUCTURE
from loyalty.db.lists import Collection
from loyalty.db.table import Table
from loyalty.db.transact import Transaction
from loyalty.schemas import store as schemas

__all__ = ["BENEFIT", "CARD_DEFINITION", "EARNING_RULE", "REWARD", "TIER_STRUCTURE"]

DELETED = "DELETED"

# kind -> (the activities of that kind of component, the key of the component in an activity's `data`)
ACTIVITIES: dict[str, tuple[ActivityKind, str]] = {
    CARD_DEFINITION: (activity_kinds.CARD_DEFINITION, "card_definition"),
    EARNING_RULE: (activity_kinds.EARNING_RULE, "earning_rule"),
    REWARD: (activity_kinds.REWARD, "reward"),
    TIER_STRUCTURE: (activity_kinds.TIER_STRUCTURE, "tier_structure"),
    BENEFIT: (activity_kinds.BENEFIT, "benefit"),
}


# kind -> its id kind (prefix, and the resource type that names it in errors)
KIND_IDS: dict[str, ids.IdKind] = {
    CARD_DEFINITION: ids.CARD_DEFINITION,
    EARNING_RULE: ids.EARNING_RULE,
    REWARD: ids.REWARD,
    TIER_STRUCTURE: ids.TIER_STRUCTURE,
    BENEFIT: ids.BENEFIT,
}


@dataclass(frozen=True)
class Stored:
    """A component as stored: its object, the programs it is assigned to (deleted programs included until they are
    checked), and the version a conditional write of it must still find."""

    data: dict[str, Any]
    programs: frozenset[str]
    version: int

    @property
    def status(self) -> str:
        return str(self.data["status"])


def _stored(item: dict[str, Any]) -> Stored:
    return Stored(item["data"], frozenset(item.get("programs") or ()), int(item.get("version", 0)))


def add_activity_of(tx: Transaction, db: Table, kind: str, obj: dict[str, Any], event: str, **data: Any) -> None:
    """Add to `tx` an activity of a component (`event` is the part after `vl.<component>.`): the component's snapshot
    under its own name in `data`, plus whatever else is given (the program of an assignment, a tier, ...)."""
    activity, name = ACTIVITIES[kind]
    add_activity(tx, db, activity, obj["id"], f"vl.{name}.{event}", {name: obj, **data})


def add_create(tx: Transaction, db: Table, kind: str, obj: dict[str, Any]) -> None:
    """Add to `tx` a new component of `kind` (label `component`) with its `created` activity."""
    tx.put("component", db.keys.component(kind, obj["id"]),
           {"status": obj["status"], "data": obj, "version": 0, **db.keys.listed(db.keys.components_list(kind), obj["id"])})
    add_activity_of(tx, db, kind, obj, "created")


def create_component(db: Table, kind: str, obj: dict[str, Any], schema_ids: Iterable[str] = ()) -> None:
    """Store a new component of `kind` with its `created` activity, in one transaction; on condition that each custom
    event schema of `schema_ids` exists (labels `schemas.store.schema_label(id)`)."""
    tx = db.transaction()
    add_create(tx, db, kind, obj)
    _add_schemas_exist(tx, db, schema_ids)
    tx.commit()


def _add_schemas_exist(tx: Transaction, db: Table, schema_ids: Iterable[str]) -> None:
    for schema_id in dict.fromkeys(schema_ids):
        schemas.add_schema_exists(tx, db, schema_id)


def get_component(db: Table, kind: str, component_id: str) -> dict[str, Any] | None:
    """One component of `kind`, or None."""
    stored = get_stored(db, kind, component_id)
    return stored.data if stored else None


def get_stored(db: Table, kind: str, component_id: str) -> Stored | None:
    """One component with its assignments and version, or None."""
    item = db.get(db.keys.component(kind, component_id))
    return _stored(item) if item else None


def get_components(db: Table, refs: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Many components in one BatchGetItem; refs are (kind, id)."""
    items = db.get_many([db.keys.component(kind, component_id) for kind, component_id in refs])
    return {(item["SK"], item["data"]["id"]): item["data"] for item in items}


def get_with_children(db: Table, kind: str, component_id: str, child_prefix: str) -> tuple[Stored, list[dict[str, Any]]] | None:
    """A component and its child items (sort keys starting with `child_prefix`), in one Query; None when absent."""
    items, _ = db.query(db.keys.component_partition(kind, component_id))
    own = next((i for i in items if i["SK"] == kind), None)
    if own is None:
        return None
    return _stored(own), [i for i in items if i["SK"].startswith(child_prefix)]


def live_programs(db: Table, program_ids: frozenset[str]) -> list[str]:
    """Which of these programs still exist (a component assigned only to deleted programs is not in use)."""
    if not program_ids:
        return []
    items = db.get_many([db.keys.program(p) for p in sorted(program_ids)])
    return sorted(i["data"]["id"] for i in items if i.get("status") != DELETED)


def list_components(db: Table, kind: str, query: ListQuery, spec: ListSpec) -> tuple[list[dict[str, Any]], dict[str, str] | None]:
    """A page of the project's components of one kind (deleted ones are not in the list)."""
    collection = Collection(db.keys.collection(db.keys.components_list(kind)), index=GSI1, id_prefix=KIND_IDS[kind].prefix)
    page = lists.page(db, collection, query, spec, lambda item: item["data"])
    assert page is not None  # a project's lists always exist
    return page


def _unchanged(stored: Stored) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The condition that the component still has the status and version it was read with."""
    return ("#s = :expect AND (attribute_not_exists(version) OR version = :version)",
            {"#s": "status"}, {"expect": stored.status, "version": stored.version})


def add_save(tx: Transaction, db: Table, kind: str, stored: Stored, obj: dict[str, Any], event: str, **data: Any) -> None:
    """Add to `tx` the replacement of a component's object (and status) by `obj`, on condition that it still has the
    status and version it was read with (label `component`), with the activity `event` (label `activity`). The version
    moves on, so of two changes made from the same read only the first is written (no lost update)."""
    condition, names, values = _unchanged(stored)
    tx.update("component", db.keys.component(kind, obj["id"]), "SET #d = :data, #s = :status, version = if_not_exists(version, :zero) + :one",
              condition=condition, names={**names, "#d": "data"},
              values={**values, "data": obj, "status": obj["status"], "zero": 0, "one": 1})
    add_activity_of(tx, db, kind, obj, event, **data)


def save_component(db: Table, kind: str, stored: Stored, obj: dict[str, Any], event: str, *, schema_ids: Iterable[str] = (),
                   **data: Any) -> None:
    """Replace a component's object (an update, or a status change) with its activity, in one transaction; on condition
    that each custom event schema of `schema_ids` exists.

    Labels: `component` (its status or assignments changed since it was read), `schemas.store.schema_label(id)`."""
    tx = db.transaction()
    add_save(tx, db, kind, stored, obj, event, **data)
    _add_schemas_exist(tx, db, schema_ids)
    tx.commit()


def add_delete(tx: Transaction, db: Table, kind: str, stored: Stored, obj: dict[str, Any], *,
               snapshot: dict[str, Any] | None = None) -> None:
    """Add to `tx` the soft delete of a component (status DELETED; it leaves its list), on condition that it still has
    the status and version it was read with (label `component`), with its `deleted` activity, which shows `snapshot` when
    given (an earning rule's last state: its answer never shows DELETED), else `obj`."""
    condition, names, values = _unchanged(stored)
    tx.update("component", db.keys.component(kind, obj["id"]), f"SET #d = :data, #s = :status {db.keys.LISTED_REMOVE}",
              condition=condition, names={**names, "#d": "data"}, values={**values, "data": obj, "status": DELETED})
    add_activity_of(tx, db, kind, obj if snapshot is None else snapshot, "deleted")


def delete_component(db: Table, kind: str, stored: Stored, obj: dict[str, Any], *, snapshot: dict[str, Any] | None = None) -> None:
    """Soft-delete a component (status DELETED; it leaves its list) with its `deleted` activity, in one transaction.

    Labels: `component` (its status or assignments changed since it was read)."""
    tx = db.transaction()
    add_delete(tx, db, kind, stored, obj, snapshot=snapshot)
    tx.commit()


def add_bump(tx: Transaction, db: Table, kind: str, stored: Stored) -> None:
    """Add to `tx` a new version of a component whose children change (a tier structure's tiers), on condition that it
    still has the status and version it was read with (label `component`): the change is serialised with every other
    change of the component and of its children."""
    condition, names, values = _unchanged(stored)
    tx.update("component", db.keys.component(kind, stored.data["id"]), "SET version = if_not_exists(version, :zero) + :one",
              condition=condition, names=names, values={**values, "zero": 0, "one": 1})


def add_assign(tx: Transaction, db: Table, kind: str, component: dict[str, Any], program_id: str, *, label: str, **data: Any) -> None:
    """Add to `tx`: the component records that a program uses it (on condition that it still has the status it was read
    with, so a concurrent status change refuses the whole write under `label`), and its `assigned` activity."""
    tx.update(label, db.keys.component(kind, component["id"]),
              "ADD programs :program SET version = if_not_exists(version, :zero) + :one",
              condition="#s = :status", names={"#s": "status"},
              values={"program": {program_id}, "zero": 0, "one": 1, "status": component["status"]})
    add_activity_of(tx, db, kind, component, "assigned", **data)


def add_unassign(tx: Transaction, db: Table, kind: str, component: dict[str, Any], program_id: str, *, label: str, **data: Any) -> None:
    """Add to `tx`: the component no longer records that a program uses it, and its `unassigned` activity."""
    tx.update(label, db.keys.component(kind, component["id"]),
              "DELETE programs :program SET version = if_not_exists(version, :zero) + :one",
              values={"program": {program_id}, "zero": 0, "one": 1})
    add_activity_of(tx, db, kind, component, "unassigned", **data)
