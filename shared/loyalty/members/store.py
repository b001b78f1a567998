"""Stored members: the member item and its cards in one partition (read with one Query), listed in their program's GSI1
collection; the one-per-customer membership claim in the customer's partition; card code claims; and batch enrolments
(an async action item with its request stored in chunks beside it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from loyalty.core import ids
from loyalty.core.clock import now_ms
from loyalty.core.listing import ListQuery, ListSpec
from loyalty.db import lists
from loyalty.db.keys import CARD_DEFINITION, CARD_SK_PREFIX, GSI1, MEMBER_SK, MEMBER_TIER_SK, MEMBERSHIP_SK_PREFIX, PENDING_REMOVE, Key, parse_marks
from loyalty.db.lists import Collection
from loyalty.db.table import Item, Table
from loyalty.db.transact import Transaction
from loyalty.jobs.models import CreateMembersBatch, GenerateCardCodes, UpdateCustomersBatch
from loyalty.members.records import AsyncAction, Card, CodeClaim, Member, Membership

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


MEMBER_INACTIVE = "member_inactive"
"""Set on each card of a member that is not ACTIVE, in the transaction that makes it so (removed by the one that
activates it): a spend conditions its card update on the marker's absence instead of checking the member item."""


def card_row(card: Card) -> dict[str, Any]:
    """A card record as its item's attributes: counters and balance at the top (updated in place), the rest in `data`."""
    record = cast(dict[str, Any], card)
    counters = {name: record.get(name, 0) for name in COUNTERS}
    static = {k: v for k, v in record.items() if k not in COUNTERS and k not in ("balance", "code", "next_activation", "next_expiration")}
    return {**counters, "balance": record.get("balance", 0), "code": record.get("code"), "data": static}


def card_from_row(item: dict[str, Any]) -> Card:
    """The card record of a card item (with its next activation and next expiration, from its bucket mirrors)."""
    card = dict(item["data"])
    card.update({name: item.get(name, 0) for name in COUNTERS})
    card["balance"] = item.get("balance", 0)
    card["code"] = item.get("code")
    pending, expiring = parse_marks(item)
    card["next_activation"] = next_activation(pending)
    card["next_expiration"] = next_expiration(expiring)
    return cast(Card, card)


def next_activation(pending: list[tuple[str, str, int]]) -> dict[str, Any] | None:
    """`card.next_activation` (spec-map §2.7): the points of the PENDING buckets with the soonest date (and type), the
    date as `cancel_date` for EVENT_BASED buckets (their date is the cancel deadline); None without pending buckets."""
    if not pending:
        return None
    day, kind = min((d, k) for d, k, _ in pending)
    points = sum(p for d, k, p in pending if (d, k) == (day, kind))
    return {"points": points, "type": kind, ("cancel_date" if kind == "EVENT_BASED" else "date"): day}


def next_expiration(expiring: list[tuple[str, str, int]]) -> dict[str, Any] | None:
    """`card.next_expiration` (spec-map §2.7): the points of the ACTIVE buckets with the soonest last valid day; None
    when no points expire."""
    if not expiring:
        return None
    day = min(d for d, _, _ in expiring)
    return {"points": sum(p for d, _, p in expiring if d == day), "date": day}


def add_member(tx: Transaction, db: Table, member: Member, cards: list[Card], *, scope_id: str,
               job: GenerateCardCodes | None = None, codes: list[str] = (),  # type: ignore[assignment]
               claim_label: str = "membership", entry: tuple[str, int] | None = None,
               card_list: str | None = None) -> None:
    """Add to `tx` the member, its cards, the one-per-customer claim and the claims of its cards' codes (`codes`, for a
    single card, or each card's `code`). `entry` = (async action id, entry index) when a batch enrolment makes it.

    Labels: `claim_label` (the customer is already a member of the scope), `code` (a code is already held). `card_list`
    names a GSI1 list (db.keys collection) that the cards join (a v1 campaign's cards)."""
    keys = db.keys
    member_row: dict[str, Any] = {"status": member["status"], "data": member, **keys.listed(keys.members_list(scope_id), member["id"])}
    if job:
        member_row.update(keys.pending_job(member["id"], now_ms(), job.to_json()))
    claim: dict[str, Any] = {"member_id": member["id"], "card_ids": [c["id"] for c in cards]}
    if entry is not None:
        claim.update(async_action_id=entry[0], entry=entry[1])
    tx.put(claim_label, keys.membership(scope_id, member["customer_id"]), claim)
    tx.put("member", keys.member(member["id"]), member_row)
    for card in cards:
        listed = keys.listed(card_list, card["id"]) if card_list else {}
        marker = {MEMBER_INACTIVE: True} if member["status"] != "ACTIVE" else {}
        tx.put("card", keys.card(member["id"], card["id"]), {**card_row(card), **listed, **marker})
    for code in codes:
        tx.put("code", keys.card_code(code), {"member_id": member["id"], "card_id": cards[0]["id"]})
    for card in cards:
        if card.get("code") and not codes:
            tx.put("code", keys.card_code(str(card["code"])), {"member_id": member["id"], "card_id": card["id"]})


def get_membership(db: Table, scope_id: str, customer_id: str) -> Membership | None:
    """The member (and card ids) a customer holds in a program or v1 campaign."""
    return cast(Membership | None, db.get(db.keys.membership(scope_id, customer_id)))


def member_from_row(item: Item) -> Member:
    """The member record of a member item (its status lives beside `data`, where transitions write it)."""
    data = dict(item["data"])
    data["status"] = item["status"]
    return cast(Member, data)


def get_member_with_cards(db: Table, member_id: str) -> tuple[Member, list[Card]] | None:
    """The member and its cards with their counters (one Query); None when absent."""
    found = get_member_for_change(db, member_id)
    return None if found is None else (found[0], found[1])


def get_member_for_change(db: Table, member_id: str) -> tuple[Member, list[Card], int] | None:
    """The member, its cards and the member item's version (what a change of it is conditioned on), in one Query."""
    items, _ = db.query(db.keys.member_partition(member_id))
    member = next((i for i in items if i["SK"] == MEMBER_SK), None)
    if member is None:
        return None
    return member_from_row(member), [card_from_row(i) for i in items if i["SK"].startswith(CARD_SK_PREFIX)], int(member.get("version", 0))


def get_member_with_standing(db: Table, member_id: str) -> tuple[Member, list[Card], dict[str, Any] | None] | None:
    """The member, its cards and its tier standing (None: none stored), in one Query; None when the member is absent."""
    items, _ = db.query(db.keys.member_partition(member_id))
    member = next((i for i in items if i["SK"] == MEMBER_SK), None)
    if member is None:
        return None
    standing = next((dict(i["data"]) for i in items if i["SK"] == MEMBER_TIER_SK), None)
    return member_from_row(member), [card_from_row(i) for i in items if i["SK"].startswith(CARD_SK_PREFIX)], standing


def _unchanged(version: int) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The condition that the member item still has the version it was read with (and is not deleted)."""
    return ("#s <> :deleted AND (attribute_not_exists(version) OR version = :version)",
            {"#s": "status"}, {"deleted": "DELETED", "version": version})


def add_member_change(tx: Transaction, db: Table, member: Member, version: int, cards: Sequence[Card] = ()) -> None:
    """Add to `tx` the replacement of a member's record (its status, metadata, updated_at), on condition that it is
    unchanged since it was read at `version` (label `member`); `cards` (given when the status changes) get the
    MEMBER_INACTIVE marker set or removed to match it (label `card`)."""
    condition, names, values = _unchanged(version)
    tx.update("member", db.keys.member(member["id"]), "SET #d = :data, #s = :status, version = :next", condition=condition,
              names={**names, "#d": "data"}, values={**values, "data": member, "status": member["status"], "next": version + 1})
    for card in cards:
        if member["status"] == "ACTIVE":
            tx.update("card", db.keys.card(member["id"], card["id"]), "REMOVE #mi", condition="attribute_exists(PK)",
                      names={"#mi": MEMBER_INACTIVE})
        else:
            tx.update("card", db.keys.card(member["id"], card["id"]), "SET #mi = :t", condition="attribute_exists(PK)",
                      names={"#mi": MEMBER_INACTIVE}, values={"t": True})


def add_member_delete(tx: Transaction, db: Table, member: Member, cards: list[Card], version: int) -> None:
    """Add to `tx` the soft delete of a member (status DELETED, out of its program's list; label `member`, refused when
    it changed since it was read), the deletion of its cards (label `card`, refused while a card holds points locked by a
    reward purchase the worker has not settled yet) and their code claims, and the release of its membership claim (only
    while it is this member's), so that the customer may enrol again."""
    keys = db.keys
    condition, names, values = _unchanged(version)
    tx.update("member", keys.member(member["id"]), f"SET #d = :data, #s = :status, version = :next {keys.LISTED_REMOVE}",
              condition=condition, names={**names, "#d": "data"},
              values={**values, "data": member, "status": member["status"], "next": version + 1})
    for card in cards:
        tx.delete("card", keys.card(member["id"], card["id"]), condition="#lk = #ul", names={"#lk": "locked", "#ul": "unlocked"})
        if card.get("code"):
            tx.delete("code", keys.card_code(str(card["code"])), condition="member_id = :m", values={"m": member["id"]})
    tx.delete("membership", keys.membership(member["program_id"], member["customer_id"]), condition="member_id = :m",
              values={"m": member["id"]})


def list_members(db: Table, program_id: str, query: ListQuery, spec: ListSpec,
                 exists: Callable[[], bool]) -> tuple[list[Member], dict[str, str] | None] | None:
    """A page of a program's members (its GSI1 collection: one Query per page in creation order; deleted members have
    left it); None when the list is empty and `exists()` says the program does not exist."""
    collection = Collection(db.keys.collection(db.keys.members_list(program_id)), index=GSI1, id_prefix=ids.MEMBER.prefix,
                            owner={"program_id": program_id})
    page = lists.page(db, collection, query, spec, lambda item: dict(member_from_row(item)), exists)
    return None if page is None else ([cast(Member, r) for r in page[0]], page[1])


# ---------------------------------------------------------------------------------------------- enrolment reads
CustomerRef = tuple[str | None, str | None]
"""How an enrolment names its customer: (customer id, None) or (None, source id)."""


def _customer_key(db: Table, ref: CustomerRef) -> Key:
    customer_id, source_id = ref
    return db.keys.customer(customer_id) if customer_id is not None else db.keys.customer_source(str(source_id))


def get_customers_and_card_definitions(db: Table, refs: list[CustomerRef],
                                       card_definition_ids: list[str]) -> tuple[dict[CustomerRef, str], dict[str, str]]:
    """What an enrolment reads, in one BatchGetItem: the id of each customer named (by id: the customer exists; by
    source id: its claim names it; unknown ones are left out) and the status of each card definition found."""
    wanted = {ref: _customer_key(db, ref) for ref in dict.fromkeys(refs)}
    by_key = {(k.pk, k.sk): ref for ref, k in wanted.items()}
    cdef_keys = [db.keys.component(CARD_DEFINITION, i) for i in card_definition_ids]
    customers: dict[CustomerRef, str] = {}
    statuses: dict[str, str] = {}
    for item in db.get_many([*wanted.values(), *cdef_keys]):
        ref = by_key.get((item["PK"], item["SK"]))
        if ref is not None:
            customers[ref] = ref[0] if ref[0] is not None else str(item["customer_id"])
        else:
            statuses[item["data"]["id"]] = str(item["status"])
    return customers, statuses


def get_program_memberships(db: Table, program_id: str, customer_ids: list[str]) -> dict[str, Membership]:
    """The membership claims some customers hold in a program (one BatchGetItem), by customer id."""
    keys = {db.keys.membership(program_id, c): c for c in dict.fromkeys(customer_ids)}
    by_key = {(k.pk, k.sk): c for k, c in keys.items()}
    return {by_key[(i["PK"], i["SK"])]: cast(Membership, i) for i in db.get_many(list(keys))}


# ---------------------------------------------------------------------------------------------- memberships
def get_customer_with_memberships(db: Table, customer_id: str) -> tuple[dict[str, Any] | None, dict[str, Membership]]:
    """A customer's stored record and its membership claims by scope (program or v1 campaign id), in one Query of the
    customer's partition."""
    items, _ = db.query(db.keys.customer_memberships(customer_id))
    own = db.keys.customer(customer_id).sk
    customer = next((i["data"] for i in items if i["SK"] == own), None)
    claims = {i["SK"][len(MEMBERSHIP_SK_PREFIX):]: cast(Membership, i) for i in items if i["SK"].startswith(MEMBERSHIP_SK_PREFIX)}
    return customer, claims


def get_customer_id_by_source_id(db: Table, source_id: str) -> str | None:
    """The id of the customer holding a source id (its claim)."""
    item = db.get(db.keys.customer_source(source_id))
    return str(item["customer_id"]) if item else None


def get_memberships_details(db: Table, claims: dict[str, Membership], standings: dict[str, dict[str, Any]] | None = None,
                            ) -> tuple[dict[str, Member], dict[str, dict[str, Any]], dict[str, Card]]:
    """The members, programs and cards that membership claims (by program id) name, in one BatchGetItem (100 keys a
    call): members and cards by id, programs' records by id. Given a `standings` dict, the members' tier standings are
    read in the same call and put there by member id."""
    keys = db.keys
    wanted: list[Key] = []
    for program_id, claim in claims.items():
        wanted += [keys.member(claim["member_id"]), keys.program(program_id)]
        wanted += [keys.card(claim["member_id"], card_id) for card_id in claim["card_ids"]]
        if standings is not None:
            wanted.append(keys.member_tier(claim["member_id"]))
    members: dict[str, Member] = {}
    programs: dict[str, dict[str, Any]] = {}
    cards: dict[str, Card] = {}
    for item in db.get_many(wanted):
        if item["SK"] == MEMBER_SK:
            member = member_from_row(item)
            members[member["id"]] = member
        elif item["SK"].startswith(CARD_SK_PREFIX):
            card = card_from_row(item)
            cards[card["id"]] = card
        elif item["SK"] == MEMBER_TIER_SK:
            if standings is not None:
                standings[str(item["data"]["member_id"])] = dict(item["data"])
        else:
            programs[item["data"]["id"]] = {**item["data"], "status": item.get("status", item["data"].get("status"))}
    return members, programs, cards


def get_card(db: Table, member_id: str, card_id: str) -> Card | None:
    """One card with its counters."""
    item = db.get(db.keys.card(member_id, card_id))
    return card_from_row(item) if item else None


def get_cards(db: Table, refs: list[tuple[str, str]]) -> list[Card]:
    """Cards by (member id, card id), in one BatchGetItem per 100; the absent ones left out."""
    return [card_from_row(item) for item in db.get_many([db.keys.card(m, c) for m, c in refs])] if refs else []


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


def add_code_job_retirement(tx: Transaction, db: Table, member_id: str, retiring: str) -> None:
    """Add to `tx` the removal of a member's pending code job, on condition that its marker still holds the retire send
    `retiring` (label `job`: the codes were made, or the job retired, by another delivery)."""
    tx.update("job", db.keys.member(member_id), PENDING_REMOVE, condition="#job = :job", names={"#job": "job"},
              values={"job": retiring})


def clear_member_job(db: Table, member_id: str) -> None:
    """Drop the pending-code-job marker of a member whose cards already have codes."""
    db.update(db.keys.member(member_id), PENDING_REMOVE, condition=None)


# ---------------------------------------------------------------------------------------------- batch enrolments
def create_batch(db: Table, action: AsyncAction, program_id: str, chunks: list[list[str]],
                 job: CreateMembersBatch | UpdateCustomersBatch) -> None:
    """The async action of a batch enrolment and its request (the entries as JSON texts, in chunks), in one transaction;
    the action carries the pending-job marker until its last chunk is done, so the sweeper re-sends a lost job."""
    keys = db.keys
    tx = db.transaction()
    tx.put("async_action", keys.async_action(action["id"]),
           {"data": action, "program_id": program_id, "chunks": len(chunks), "next_chunk": 0,
            "total": sum(len(c) for c in chunks), "summary": {"done_count": 0, "failed_count": 0, "failed": []},
            **keys.pending_job(action["id"], now_ms(), job.to_json())})
    offset = 0
    for index, entries in enumerate(chunks):
        tx.put("chunk", keys.async_action_chunk(action["id"], index), {"index": index, "offset": offset, "entries": entries})
        offset += len(entries)
    tx.commit()


def get_async_action(db: Table, async_action_id: str) -> AsyncAction | None:
    """One async action as answered."""
    item = db.get(db.keys.async_action(async_action_id))
    return cast(AsyncAction, item["data"]) if item else None


def get_batch_step(db: Table, async_action_id: str) -> tuple[Item, Item | None] | None:
    """A batch's async action item and its next unprocessed chunk (processed chunks are deleted, and chunks sort after
    the action), in one Query; None when the action does not exist."""
    action_key = db.keys.async_action(async_action_id)
    items, _ = db.query(action_key.pk, Limit=2)
    action = next((i for i in items if i["SK"] == action_key.sk), None)
    if action is None:
        return None
    chunk = next((i for i in items if i["SK"] != action_key.sk), None)
    return action, chunk


def finish_chunk(db: Table, index: int, data: AsyncAction, summary: dict[str, Any],
                 job: CreateMembersBatch | UpdateCustomersBatch | None) -> None:
    """Record one processed chunk: the action's new state and running summary, the next chunk to process (on condition
    that this one still was the next: label `action`), the pending-job marker refreshed (or removed once `job` is None:
    the batch is done), and the chunk deleted."""
    keys = db.keys
    names = {"#d": "data", "#sm": "summary", "#nc": "next_chunk"}
    values: dict[str, Any] = {"data": data, "summary": summary, "next": index + 1, "index": index}
    expression = "SET #d = :data, #sm = :summary, #nc = :next"
    if job is not None:
        for i, (name, value) in enumerate(keys.pending_job(data["id"], now_ms(), job.to_json()).items()):
            names[f"#j{i}"] = name
            values[f"j{i}"] = value
            expression += f", #j{i} = :j{i}"
    else:
        expression += f" {PENDING_REMOVE}"
    tx = db.transaction()
    tx.update("action", keys.async_action(data["id"]), expression, condition="#nc = :index", names=names, values=values)
    tx.delete("chunk", keys.async_action_chunk(data["id"], index))
    tx.commit()


def retire_batch(db: Table, data: AsyncAction, summary: dict[str, Any], next_chunk: int, chunks: int, retiring: str) -> None:
    """End a batch enrolment whose job is out of attempts: the action's final state and counts, out of the PendingJobs
    index (on condition that its marker still holds the retire send `retiring`: label `action`), and its unprocessed
    chunks deleted, in one transaction (a batch has at most 50 chunks)."""
    keys = db.keys
    tx = db.transaction()
    tx.update("action", keys.async_action(data["id"]), f"SET #d = :data, #sm = :summary {PENDING_REMOVE}",
              condition="#job = :job", names={"#d": "data", "#sm": "summary", "#job": "job"},
              values={"data": data, "summary": summary, "job": retiring})
    for index in range(next_chunk, chunks):
        tx.delete("chunk", keys.async_action_chunk(data["id"], index))
    tx.commit()
