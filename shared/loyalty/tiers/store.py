"""Stored tiers: child items of their tier structure's partition (a tier structure is a component of kind TS), each
written in one transaction with a new version of the structure and the structure's activity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from loyalty.components import store as components
from loyalty.components.store import TIER_STRUCTURE, Stored
from loyalty.core import ids
from loyalty.core.listing import ListQuery, ListSpec
from loyalty.db import lists
from loyalty.db.keys import TIER_SK_PREFIX
from loyalty.db.lists import Collection
from loyalty.db.table import Table

LIVE = "_structure"  # what a listed tier record carries: whether its structure is deleted (stripped before answering)


def get_structure_with_tiers(db: Table, tier_structure_id: str) -> tuple[Stored, list[dict[str, Any]]] | None:
    """A tier structure and its tiers (oldest first), in one Query; None when it does not exist."""
    found = components.get_with_children(db, TIER_STRUCTURE, tier_structure_id, TIER_SK_PREFIX)
    if found is None:
        return None
    stored, children = found
    return stored, [child["data"] for child in children]


def create_tier(db: Table, structure: Stored, tier: dict[str, Any]) -> None:
    """Store a new tier with the structure's `tier.created` activity and a new version of the structure, in one
    transaction. Labels: `component` (the structure changed since it was read), `tier` (the id exists)."""
    tx = db.transaction()
    tx.put("tier", db.keys.tier(structure.data["id"], tier["id"]), {"data": tier, "live": True})
    components.add_bump(tx, db, TIER_STRUCTURE, structure)
    components.add_activity_of(tx, db, TIER_STRUCTURE, structure.data, "tier.created", tier=tier)
    tx.commit()


def save_tier(db: Table, structure: Stored, tier: dict[str, Any]) -> None:
    """Replace a tier's object with the structure's `tier.updated` activity and a new version of the structure, in one
    transaction. Labels: `component` (the structure changed since it was read), `tier` (the tier is gone)."""
    tx = db.transaction()
    tx.update("tier", db.keys.tier(structure.data["id"], tier["id"]), "SET #d = :data", names={"#d": "data"}, values={"data": tier})
    components.add_bump(tx, db, TIER_STRUCTURE, structure)
    components.add_activity_of(tx, db, TIER_STRUCTURE, structure.data, "tier.updated", tier=tier)
    tx.commit()


def delete_tier(db: Table, structure: Stored, tier: dict[str, Any]) -> None:
    """Remove a tier with the structure's `tier.deleted` activity (its last snapshot) and a new version of the structure,
    in one transaction. Labels: `component` (the structure changed since it was read), `tier` (the tier is gone)."""
    tx = db.transaction()
    tx.delete("tier", db.keys.tier(structure.data["id"], tier["id"]), condition="attribute_exists(PK)")
    components.add_bump(tx, db, TIER_STRUCTURE, structure)
    components.add_activity_of(tx, db, TIER_STRUCTURE, structure.data, "tier.deleted", tier=tier)
    tx.commit()


def delete_structure(db: Table, structure: Stored, obj: dict[str, Any], tiers: list[dict[str, Any]]) -> None:
    """Soft-delete a tier structure (it leaves its list) with its `deleted` activity, and take its tiers out of its tier
    list (they stay stored, marked), in one transaction. Labels: `component` (the structure changed since it was read)."""
    tx = db.transaction()
    components.add_delete(tx, db, TIER_STRUCTURE, structure, obj)
    for tier in tiers:
        tx.update("tier", db.keys.tier(obj["id"], tier["id"]), "SET live = :no", values={"no": False})
    tx.commit()


def list_tiers(db: Table, tier_structure_id: str, query: ListQuery, spec: ListSpec,
               structure_exists: Callable[[], bool]) -> tuple[list[dict[str, Any]], dict[str, str] | None] | None:
    """A page of a tier structure's tiers: one Query of its partition (the tiers' sort keys are time-ordered ids); None
    when the structure is deleted (its tiers are marked) or, on an empty first page, when `structure_exists()` says so."""
    collection = Collection(db.keys.component_partition(TIER_STRUCTURE, tier_structure_id), sk_prefix=TIER_SK_PREFIX,
                            owner={LIVE: "live"}, id_prefix=ids.TIER.prefix)

    def record(item: dict[str, Any]) -> dict[str, Any]:
        return {**item["data"], LIVE: "live" if item.get("live", True) else "deleted"}

    page = lists.page(db, collection, query, spec, record, structure_exists)
    if page is None:
        return None
    return [{k: v for k, v in record.items() if k != LIVE} for record in page[0]], page[1]
