"""Stored components: one item per card definition, earning rule, reward or tier structure, listed in creation order."""

from __future__ import annotations

from typing import Any

from loyalty.db.keys import CARD_DEFINITION, EARNING_RULE, REWARD, TIER_STRUCTURE
from loyalty.db.table import Table

__all__ = ["CARD_DEFINITION", "EARNING_RULE", "REWARD", "TIER_STRUCTURE", "create_component", "get_component", "get_components"]


def create_component(db: Table, kind: str, obj: dict[str, Any]) -> None:
    """Store a new component of `kind`."""
    db.put(db.keys.component(kind, obj["id"]),
           {"status": obj["status"], "data": obj, **db.keys.listed(db.keys.components_list(kind), obj["id"])})


def get_component(db: Table, kind: str, component_id: str) -> dict[str, Any] | None:
    """One component of `kind`, or None."""
    item = db.get(db.keys.component(kind, component_id))
    return item["data"] if item else None


def get_components(db: Table, refs: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Many components in one BatchGetItem; refs are (kind, id)."""
    items = db.get_many([db.keys.component(kind, component_id) for kind, component_id in refs])
    return {(item["SK"], item["data"]["id"]): item["data"] for item in items}
