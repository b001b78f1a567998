"""Reads of a card's points buckets for the API: pages of its PENDING and ACTIVE buckets (sort keys follow their dates),
and the card definition whose settings gate the manual operations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from loyalty.cards.buckets import expiring_bucket_from_item, pending_bucket_from_item
from loyalty.components import store as components
from loyalty.core.listing import ListQuery, ListSpec
from loyalty.db import lists
from loyalty.db.keys import CARD_DEFINITION, EXPIRING_BUCKET_SK_PREFIX, PENDING_BUCKET_SK_PREFIX
from loyalty.db.lists import Collection
from loyalty.db.table import Item, Table
from loyalty.members import store as members

Page = tuple[list[dict[str, Any]], dict[str, str] | None]


def get_card_definition(db: Table, card_definition_id: str) -> dict[str, Any] | None:
    """One card definition (its pending and expiration settings)."""
    return components.get_component(db, CARD_DEFINITION, card_definition_id)


def _card_buckets(db: Table, program_id: str, member_id: str, card_id: str, query: ListQuery, spec: ListSpec, prefix: str,
                  key_order: str, to_record: Callable[[Item], dict[str, Any]]) -> Page | None:
    collection = Collection(db.keys.card_transactions(card_id), sk_prefix=prefix, key_order=key_order,
                            owner={"program_id": program_id, "member_id": member_id})

    def exists() -> bool:
        card = members.get_card(db, member_id, card_id)
        return card is not None and card.get("program_id") == program_id

    return lists.page(db, collection, query, spec, to_record, exists)


def list_pending_buckets(db: Table, program_id: str, member_id: str, card_id: str, query: ListQuery, spec: ListSpec) -> Page | None:
    """A page of a card's PENDING buckets by activation date (one Query: their sort keys follow the date); None unless
    the card is this member's in this program."""
    return _card_buckets(db, program_id, member_id, card_id, query, spec, PENDING_BUCKET_SK_PREFIX, "date", pending_bucket_from_item)


def list_expiring_buckets(db: Table, program_id: str, member_id: str, card_id: str, query: ListQuery, spec: ListSpec) -> Page | None:
    """A page of a card's ACTIVE expiring buckets by expiration date (one Query: their sort keys follow the date); None
    unless the card is this member's in this program."""
    return _card_buckets(db, program_id, member_id, card_id, query, spec, EXPIRING_BUCKET_SK_PREFIX, "expiration_date",
                         expiring_bucket_from_item)
