"""The reads Examine adds to earning's: who a member or a source id is, the benefits the rules would grant; and what Examine
rewards reads: memberships, cards with their balances, the programs' reward assignments and the rewards."""

from __future__ import annotations

from typing import Any

from loyalty.components import store as components
from loyalty.components.store import BENEFIT, REWARD
from loyalty.db.table import Table
from loyalty.members import store as members
from loyalty.members.records import Card, Member, Membership
from loyalty.programs import store as programs
from loyalty.programs.records import Assignment


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


def get_customer_memberships(db: Table, customer_id: str) -> tuple[dict[str, Any] | None, dict[str, Membership]]:
    """The customer and its membership claims by program or campaign id (one Query of its partition)."""
    return members.get_customer_with_memberships(db, customer_id)


def get_members_and_cards(db: Table, claims: dict[str, Membership]) -> tuple[dict[str, Member], dict[str, dict[str, Any]], dict[str, Card]]:
    """The members, programs (with their current status) and cards the claims name (one BatchGetItem)."""
    return members.get_memberships_details(db, claims)


def get_assignments(db: Table, program_id: str) -> list[Assignment]:
    """A program's current assignments, with each reward's remaining stock (one Query of its partition)."""
    found = programs.get_program_with_assignments(db, program_id)
    return found[1] if found else []


def get_rewards(db: Table, reward_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Rewards by id, those that exist (one BatchGetItem)."""
    found = components.get_components(db, [(REWARD, r) for r in reward_ids])
    return {reward_id: data for (_, reward_id), data in found.items()}
