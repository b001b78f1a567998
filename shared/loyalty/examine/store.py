"""The reads Examine adds to earning's: who a member or a source id is, and the benefits the rules would grant."""

from __future__ import annotations

from typing import Any

from loyalty.components import store as components
from loyalty.components.store import BENEFIT
from loyalty.db.table import Table
from loyalty.members import store as members
from loyalty.members.records import Member


def get_member(db: Table, member_id: str) -> Member | None:
    """A member's record, without its cards (one GetItem)."""
    item = db.get(db.keys.member(member_id))
    return members.member_from_row(item) if item else None


def get_customer_id_by_source_id(db: Table, source_id: str) -> str | None:
    """The id of the customer holding a source id (one GetItem of its claim)."""
    return members.get_customer_id_by_source_id(db, source_id)


def get_benefits(db: Table, benefit_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Benefits by id, those that exist (one BatchGetItem)."""
    found = components.get_components(db, [(BENEFIT, b) for b in benefit_ids])
    return {benefit_id: data for (_, benefit_id), data in found.items()}
