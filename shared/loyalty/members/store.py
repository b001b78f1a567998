"""Stored members: the member item and its cards in one partition (read with one Query), the one-per-customer
membership claim, and card code claims."""

from __future__ import annotations

from typing import Any, cast

from loyalty.core.clock import now_ms
from loyalty.db.keys import CARD_SK_PREFIX, MEMBER_SK, PENDING_REMOVE
from loyalty.db.table import Table
from loyalty.db.transact import Transaction
from loyalty.jobs.models import GenerateCardCodes
from loyalty.members.records import Card, CodeClaim, Member, Membership

# The lifetime counters kept on a card item (spec §2.7), each a number attribute the ledger moves atomically.
COUNTERS = (
    "total",
    "earned",
    "added",
    "purchased",
    "purchased_reversed",
    "subtracted",
    "expired",
    "spent",
    "refunded",
    "returned",
    "locked",
    "unlocked",
    "pending_total",
    "pending_activated",
    "pending_canceled",
)


def card_row(card: Card) -> dict[str, Any]:
    """A card record as its item's attributes: counters and balance at the top (updated in place), the rest in `data`."""
    record = cast(dict[str, Any], card)
    counters = {name: record.get(name, 0) for name in COUNTERS}
    static = {k: v for k, v in record.items() if k not in COUNTERS and k not in ("balance", "code")}
    return {**counters, "balance": record.get("balance", 0), "code": record.get("code"), "data": static}


def card_from_row(item: dict[str, Any]) -> Card:
    """The card record of a card item."""
    card = dict(item["data"])
    card.update({name: item.get(name, 0) for name in COUNTERS})
    card["balance"] = item.get("balance", 0)
    card["code"] = item.get("code")
    return cast(Card, card)


def add_member(tx: Transaction, db: Table, member: Member, cards: list[Card], *, scope_id: str,
               job: GenerateCardCodes | None = None, codes: list[str] = ()) -> None:  # type: ignore[assignment]
    """Add to `tx` the member, its cards, the one-per-customer claim and any card code claims.

    Labels: `membership` (the customer is already a member of the scope), `code` (a code is already held)."""
    keys = db.keys
    member_row: dict[str, Any] = {"status": member["status"], "data": member, **keys.listed(keys.members_list(scope_id), member["id"])}
    if job:
        member_row.update(keys.pending_job(member["id"], now_ms(), job.to_json()))
    tx.put("membership", keys.membership(scope_id, member["customer_id"]),
           {"member_id": member["id"], "card_ids": [c["id"] for c in cards]})
    tx.put("member", keys.member(member["id"]), member_row)
    for card in cards:
        tx.put("card", keys.card(member["id"], card["id"]), card_row(card))
    for code in codes:
        tx.put("code", keys.card_code(code), {"member_id": member["id"], "card_id": cards[0]["id"]})


def get_membership(db: Table, scope_id: str, customer_id: str) -> Membership | None:
    """The member (and card ids) a customer holds in a program or v1 campaign."""
    return cast(Membership | None, db.get(db.keys.membership(scope_id, customer_id)))


def get_member_with_cards(db: Table, member_id: str) -> tuple[Member, list[Card]] | None:
    """The member and its cards with their counters (one Query); None when absent."""
    items, _ = db.query(db.keys.member_partition(member_id))
    member = next((i for i in items if i["SK"] == MEMBER_SK), None)
    if member is None:
        return None
    data = dict(member["data"])
    data["status"] = member["status"]
    return cast(Member, data), [card_from_row(i) for i in items if i["SK"].startswith(CARD_SK_PREFIX)]


def get_card(db: Table, member_id: str, card_id: str) -> Card | None:
    """One card with its counters."""
    item = db.get(db.keys.card(member_id, card_id))
    return card_from_row(item) if item else None


def get_card_by_code(db: Table, code: str) -> CodeClaim | None:
    """The code claim `{member_id, card_id}` of a card code."""
    return cast(CodeClaim | None, db.get(db.keys.card_code(code)))


def add_card_codes(tx: Transaction, db: Table, member_id: str, codes: dict[str, str]) -> None:
    """Add to `tx` the cards' generated codes (each claimed unique) and the removal of the member's pending code job.

    Labels: `code` (a code is taken, or the card already has one), `job` (another delivery finished the job first)."""
    keys = db.keys
    for card_id, code in codes.items():
        tx.put("code", keys.card_code(code), {"member_id": member_id, "card_id": card_id})
        tx.update("code", keys.card(member_id, card_id), "SET #code = :c",
                  condition="attribute_exists(PK) AND attribute_not_exists(#code)", names={"#code": "code"}, values={"c": code})
    tx.update("job", keys.member(member_id), PENDING_REMOVE, condition="attribute_exists(JOBPK)")


def clear_member_job(db: Table, member_id: str) -> None:
    """Drop the pending-code-job marker of a member whose cards already have codes."""
    db.update(db.keys.member(member_id), PENDING_REMOVE, condition=None)
