"""Stored earning claims (one per effect and card of an order or custom event) and the reads that gather what earning
needs to know about a customer's memberships, programs, rules and card definitions."""

from __future__ import annotations

from typing import Any

from loyalty.components import store as components
from loyalty.db.keys import CARD_DEFINITION, EARN_CLAIM_SK_PREFIX, EARNING_RULE
from loyalty.db.table import Item, Table
from loyalty.db.transact import Transaction
from loyalty.members import store as members
from loyalty.members.records import Card, Member, Membership
from loyalty.programs import store as programs
from loyalty.programs.records import Assignment, Program


# ---------------------------------------------------------------------------------------------- claims
def get_claims(db: Table, source_id: str) -> list[Item]:
    """Every claim an order or custom event wrote: what it earned, effect by effect and card by card."""
    return db.query_all(db.keys.earn_claims(source_id), EARN_CLAIM_SK_PREFIX)


def add_claim(tx: Transaction, db: Table, source_id: str, claim: str, record: dict[str, Any], *, label: str) -> None:
    """The claim of one effect on one card, refused when it exists (that effect already earned)."""
    tx.put(label, db.keys.earn_claim(source_id, claim), record)


def add_claim_revoked(tx: Transaction, db: Table, source_id: str, claim: str, how: str, *, label: str) -> None:
    """Mark a claim revoked by an order cancel, refused when it already is."""
    tx.update(label, db.keys.earn_claim(source_id, claim), "SET revoked = :h",
              condition="attribute_exists(PK) AND attribute_not_exists(revoked)", values={"h": how})


# ---------------------------------------------------------------------------------------------- what earning reads
def get_customer_memberships(db: Table, customer_id: str) -> tuple[dict[str, Any] | None, dict[str, Membership]]:
    """The customer and its membership claims by program or campaign id (one Query)."""
    return members.get_customer_with_memberships(db, customer_id)


def get_members_and_cards(db: Table, claims: dict[str, Membership], standings: dict[str, dict[str, Any]] | None = None,
                          ) -> tuple[dict[str, Member], dict[str, dict[str, Any]], dict[str, Card]]:
    """The members, programs and cards the claims name, and with `standings` their tier standings (one BatchGetItem)."""
    return members.get_memberships_details(db, claims, standings)


def get_program_setup(db: Table, program_id: str) -> tuple[Program, list[Assignment]] | None:
    """A program and its assignments (one Query)."""
    return programs.get_program_with_assignments(db, program_id)


Components = dict[str, dict[str, Any]]


def get_rules_and_card_definitions(db: Table, rule_ids: list[str], card_definition_ids: list[str]) -> tuple[Components, Components]:
    """Earning rules and card definitions by id (one BatchGetItem)."""
    found = components.get_components(db, [(EARNING_RULE, r) for r in rule_ids] + [(CARD_DEFINITION, c) for c in card_definition_ids])
    rules = {cid: data for (kind, cid), data in found.items() if kind == EARNING_RULE}
    cdefs = {cid: data for (kind, cid), data in found.items() if kind == CARD_DEFINITION}
    return rules, cdefs


def get_card(db: Table, member_id: str, card_id: str) -> Card | None:
    """One card with its counters."""
    return members.get_card(db, member_id, card_id)
