"""A card's points buckets through the API: its PENDING buckets listed, activated and canceled by hand and its ACTIVE
expiring buckets listed and expired by hand (v2), and the same buckets as a v1 loyalty card's pending-points entries
(list, activate, cancel, adjust) and points-expiration list. The points lifecycle itself is loyalty.points."""

from __future__ import annotations

from typing import Any, cast

from loyalty.buckets import store
from loyalty.buckets.models import PendingPointsBalance
from loyalty.buckets.views import (
    bucket_id_of_v1_pending,
    expiring_bucket_view,
    pending_bucket_view,
    v1_pending_id,
    v1_pending_view,
    v1_points_bucket_view,
)
from loyalty.cards import buckets as bucket_store
from loyalty.cards.buckets import CardWrite
from loyalty.cards.ledger import card_transaction
from loyalty.cards.service import card_list, require_program_member_card
from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.errors import LoyaltyError, locked, not_found
from loyalty.core.listing import ListSpec, Plain, parse_plain
from loyalty.db.table import Item, Table
from loyalty.db.transact import TransactionConflict
from loyalty.members.records import Card
from loyalty.members.service import require_active_member
from loyalty.points import service as points
from loyalty.programs.service import require_active_program
from loyalty.v1.service import card_by_code, get_cards, require_campaign

# ---------------------------------------------------------------------------------------------- pending points (v2)
PENDING_LIST = ListSpec("lcrscppb_", orders=("date",), default_order="date")
MESSAGES = {True: "Points activation transaction created", False: "Points cancellation transaction created"}
VERBS = {True: "activated", False: "canceled"}


def list_card_pending_points(db: Table, program_id: str, member_id: str, card_id: str, params: list[tuple[str, str]]) -> dict[str, Any]:
    """A page of a card's PENDING buckets, soonest activation first unless `order=-date` (spec-map #31)."""
    return card_list(program_id, member_id, card_id, params, PENDING_LIST,
                     lambda query: store.list_pending_buckets(db, program_id, member_id, card_id, query, PENDING_LIST), pending_bucket_view)


def invalid_pending_bucket_status(details: str) -> LoyaltyError:
    """423 `invalid_pending_points_bucket_status`."""
    return locked("invalid_pending_points_bucket_status", "Invalid pending points bucket status", details)


def _not_pending(activate: bool) -> LoyaltyError:
    return invalid_pending_bucket_status(f"Pending points bucket must be in PENDING status in order to be {VERBS[activate]}")


def pending_points_enabled(cdef: dict[str, Any] | None) -> bool:
    """Whether a card definition delays earned points (a pending type other than IMMEDIATE)."""
    return ((cdef or {}).get("pending_points") or {}).get("type") not in (None, "IMMEDIATE")


def settle_card_pending_bucket(db: Table, program_id: str, member_id: str, card_id: str, bucket_id: str, *,
                               activate: bool) -> dict[str, Any]:
    """POST .../pending-points/{bucketId}/activate or /cancel (spec-map #32, #33): 404 unless the program, member, card
    and bucket exist; 423 unless the program and member are ACTIVE (and the program inside its validity window), the
    card definition delays points, the bucket is PENDING and its date is still ahead. Then the bucket is settled at once
    (its transaction is answered APPROVED, with the counters already moved)."""
    ids.PENDING_POINTS_BUCKET.check(bucket_id)
    program, member, card = require_program_member_card(db, program_id, member_id, card_id)
    item = points.find_pending_bucket(db, card_id, bucket_id)
    if item is None:
        if bucket_store.get_settled_bucket(db, card_id, bucket_id) is None:
            raise not_found(ids.PENDING_POINTS_BUCKET.resource_type, bucket_id)
        raise _not_pending(activate)
    verb = "activate" if activate else "cancel"
    require_active_program(program, f"Cannot {verb} pending points when program status is not ACTIVE")
    require_active_member(member, f"Cannot {verb} pending points when member status is not ACTIVE")
    cdef = store.get_card_definition(db, card["card_definition_id"])
    if not pending_points_enabled(cdef):
        raise locked("pending_points_not_enabled", "Pending points not enabled",  # ours: the spec names no key (spec-map A7)
                     "The card definition of this card does not have pending points enabled")
    if str(item["data"]["date"]) <= points.local_day(now_iso()):
        raise invalid_pending_bucket_status(f"Pending points bucket can be {VERBS[activate]} only before its date "
                                            f"({item['data']['date']}); the daily job settles it on that date")
    ctx = points.settle_pending(db, item, cdef or {}, activate=activate,
                                reason=points.MANUAL_ACTIVATION if activate else points.MANUAL_CANCELLATION)
    if ctx is None:  # settled by another request or the daily job in the meantime
        raise _not_pending(activate)
    return {"transaction": ctx, "status": "TRANSACTION_CREATED", "message": MESSAGES[activate]}


# ---------------------------------------------------------------------------------------------- pending points (v1)
V1_PENDING_LIST = {"limit": Plain(10, 1, 100), "order": Plain("id", values=("id", "-id")), "starting_after_id": Plain()}


def list_member_pending_points(db: Table, campaign_ref: str | None, member_ref: str, params: list[tuple[str, str]]) -> dict[str, Any]:
    """GET /v1/loyalties[/{campaignId}]/members/{memberId}/pending-points: a v1 card's PENDING entries (`lopp_`), by id
    (creation order) or `-id`, `limit` per page from after `starting_after_id`. Settled entries are not listed."""
    query = parse_plain(params, V1_PENDING_LIST)
    card = card_by_code(db, campaign_ref, member_ref)
    entries = [v1_pending_view(bucket_store.pending_bucket_from_item(i), card) for i in bucket_store.get_pending_buckets(db, card["id"])]
    descending = query["order"] == "-id"
    entries.sort(key=lambda e: str(e["id"]), reverse=descending)
    after = query["starting_after_id"]
    if after:
        entries = [e for e in entries if (str(e["id"]) < after if descending else str(e["id"]) > after)]
    page = entries[:query["limit"]]
    out: dict[str, Any] = {"object": "list", "data_ref": "data", "data": page, "has_more": len(entries) > len(page)}
    if out["has_more"]:
        out["more_starting_after"] = page[-1]["id"]
    return out


MAX_CAMPAIGN_PENDING = 10_000
"""How many PENDING buckets of the project a campaign's pending-points list reads at most (they are sorted in memory)."""


def list_campaign_pending_points(db: Table, campaign_ref: str, params: list[tuple[str, str]]) -> dict[str, Any]:
    """GET /v1/loyalties/{campaignId}/pending-points: the PENDING entries (`lopp_`) of all the campaign's cards, by id
    (creation order) or `-id`, `limit` per page from after `starting_after_id`. The project's list of pending buckets
    (the daily job's) is read and the campaign's kept (at most MAX_CAMPAIGN_PENDING), then the page's cards in one
    BatchGetItem."""
    query = parse_plain(params, V1_PENDING_LIST)
    campaign = require_campaign(db, campaign_ref)
    items: list[Item] = []
    start: dict[str, Any] | None = None
    while len(items) <= MAX_CAMPAIGN_PENDING:
        page, start = bucket_store.due_buckets(db, "PENDING", "9999-12-31", 1000, start)
        items += [i for i in page if i["data"].get("program_id") == campaign["id"]]
        if start is None:
            break
    records = [bucket_store.pending_bucket_from_item(i) for i in items]
    descending = query["order"] == "-id"
    records.sort(key=lambda r: v1_pending_id(str(r["id"])), reverse=descending)
    after = query["starting_after_id"]
    if after:
        records = [r for r in records
                   if (v1_pending_id(str(r["id"])) < after if descending else v1_pending_id(str(r["id"])) > after)]
    chosen = records[:query["limit"]]
    cards = {c["id"]: c for c in get_cards(db, sorted({(str(r["member_id"]), str(r["card_id"])) for r in chosen}))}
    data = [v1_pending_view(r, cards.get(str(r["card_id"])) or {"campaign_id": campaign["id"]}) for r in chosen]
    out: dict[str, Any] = {"object": "list", "data_ref": "data", "data": data, "has_more": len(records) > len(chosen)}
    if out["has_more"]:
        out["more_starting_after"] = data[-1]["id"]
    return out


def _invalid_state(action: str, status: str) -> LoyaltyError:
    return LoyaltyError(400, "invalid_pending_points_state", "Invalid pending points state",
                        f"Only pending points in 'PENDING' status can be {action}. Current status: '{status}'.")


def _v1_bucket(db: Table, card: Card, pending_id: str, action: str) -> Item:
    """The PENDING bucket a v1 id names on this card: 404 `pending_points` when there is none, 400
    `invalid_pending_points_state` when it was activated or canceled."""
    bucket_id = bucket_id_of_v1_pending(pending_id)
    item = points.find_pending_bucket(db, card["id"], bucket_id) if bucket_id else None
    if item is not None:
        return item
    settled = bucket_store.get_settled_bucket(db, card["id"], bucket_id) if bucket_id else None
    if settled is None:
        raise not_found("pending_points", pending_id)
    raise _invalid_state(action, str(settled.get("status")))


def _v1_settle(db: Table, card: Card, pending_id: str, *, activate: bool) -> int:
    action = VERBS[activate]
    item = _v1_bucket(db, card, pending_id, action)
    # a v1 card has no card definition: activated points expire as the bucket's own expiration (written by its earning) says
    ctx = points.settle_pending(db, item, {}, activate=activate,
                                reason=points.MANUAL_ACTIVATION if activate else points.MANUAL_CANCELLATION)
    if ctx is None:
        settled = bucket_store.get_settled_bucket(db, card["id"], str(item["data"]["id"])) or {}
        raise _invalid_state(action, str(settled.get("status") or "UNKNOWN"))
    return int(item["data"]["points"]["total"])


def _balance(card: Card, **fields: Any) -> dict[str, Any]:
    return {**fields, "object": "balance", "related_object": {"type": "voucher", "id": card.get("voucher_id")}, "operation_type": "MANUAL"}


def activate_member_pending_points(db: Table, member_ref: str, pending_id: str) -> dict[str, Any]:
    """POST /v1/loyalties/members/{memberId}/pending-points/{pendingPointsId}/activate: the entry's points join the card
    at once; answers the card's balance as this activation left it."""
    card = card_by_code(db, None, member_ref)
    activated = _v1_settle(db, card, pending_id, activate=True)
    return _balance(card, points=activated, total=int(card.get("total", 0)) + activated,
                    balance=int(card.get("balance", 0)) + activated, type="loyalty_card")


def cancel_member_pending_points(db: Table, member_ref: str, pending_id: str) -> None:
    """POST /v1/loyalties/members/{memberId}/pending-points/{pendingPointsId}/cancel: the entry's points never join the
    card (answered 204)."""
    card = card_by_code(db, None, member_ref)
    _v1_settle(db, card, pending_id, activate=False)


def _pending_balance(card: Card) -> int:
    return max(int(card.get("pending_total", 0)) - int(card.get("pending_activated", 0)) - int(card.get("pending_canceled", 0)), 0)


def adjust_member_pending_points(db: Table, member_ref: str, pending_id: str, body: PendingPointsBalance) -> dict[str, Any]:
    """POST /v1/loyalties/members/{memberId}/pending-points/{pendingPointsId}/balance: more (+) or fewer (-) points in a
    PENDING entry, which must keep at least 1 (400 `invalid_amount`). Recorded as PENDING_POINTS_ADDED (+) or a partial
    PENDING_POINTS_CANCELED (-), so the card's pending counters keep the spec's meaning; answers the card's pending total."""
    card = card_by_code(db, None, member_ref)
    for _ in range(points.MAX_WRITE_ATTEMPTS):
        item = _v1_bucket(db, card, pending_id, "updated")
        bucket = item["data"]
        if int(bucket["points"]["total"]) + body.points <= 0:
            raise LoyaltyError(400, "invalid_amount", "Invalid Amount", "Amount has to be a valid positive number")
        write = CardWrite(card["member_id"], card["id"])
        write.change_pending(db, item, body.points, label="bucket")
        if body.points > 0:
            write.move(pending_total=body.points)
            kind = "PENDING_POINTS_ADDED"
        else:
            write.move(pending_canceled=-body.points)
            kind = "PENDING_POINTS_CANCELED"
        ctx = card_transaction(card, kind, body.points, "Manual pending points adjustment", "APPROVED",
                               metadata={"pending_points_bucket_id": bucket["id"]},
                               points={"total": body.points, "date": bucket["date"], "type": bucket["type"]})
        write.transactions.append(cast(dict[str, Any], ctx))
        try:
            write.commit(db)
        except TransactionConflict as conflict:
            if conflict.failed("bucket"):
                continue  # the entry changed meanwhile (adjusted, activated or canceled): read it again
            raise
        return _balance(card, points=body.points, total=_pending_balance(card) + body.points)
    raise LoyaltyError(409, "concurrent_modification", "Concurrent modification",
                       "The pending points are being changed by many requests at once; retry the request")


# ---------------------------------------------------------------------------------------------- expiring points (v2)
EXPIRING_LIST = ListSpec("lcrspeb_", orders=("expiration_date",), default_order="expiration_date")
EXPIRATION_MESSAGE = "Points expiration transaction created"


def list_card_expiring_points(db: Table, program_id: str, member_id: str, card_id: str, params: list[tuple[str, str]]) -> dict[str, Any]:
    """A page of a card's ACTIVE expiring buckets, soonest expiration first unless `order=-expiration_date` (spec-map #34)."""
    return card_list(program_id, member_id, card_id, params, EXPIRING_LIST,
                     lambda query: store.list_expiring_buckets(db, program_id, member_id, card_id, query, EXPIRING_LIST), expiring_bucket_view)


def invalid_points_bucket_status(details: str) -> LoyaltyError:
    """423 `invalid_points_bucket_status` (ours: the spec answers 423 here without naming a key, spec-map A7)."""
    return locked("invalid_points_bucket_status", "Invalid points bucket status", details)


def points_expiration_enabled(cdef: dict[str, Any] | None) -> bool:
    """Whether a card definition's points expire (an expiration type other than NO_EXPIRATION)."""
    return ((cdef or {}).get("points_expiration") or {}).get("type") not in (None, "NO_EXPIRATION")


def expire_card_points_bucket(db: Table, program_id: str, member_id: str, card_id: str, bucket_id: str) -> dict[str, Any]:
    """POST .../expiring-points/{bucketId}/expire (spec-map #35): 404 unless the program, member, card and bucket exist;
    423 unless the program and member are ACTIVE (the program inside its validity window), the card definition's points
    expire, the bucket is ACTIVE and its last valid day has not passed. The bucket's points expire at once in one
    ADMIN_POINTS_EXPIRATION transaction (answered APPROVED, the card's `expired` and balance already moved)."""
    ids.POINTS_BUCKET.check(bucket_id)
    program, member, card = require_program_member_card(db, program_id, member_id, card_id)
    cdef: dict[str, Any] | None = None
    for _ in range(points.MAX_WRITE_ATTEMPTS):
        item = points.find_expiring_bucket(db, card_id, bucket_id)
        if item is None:
            if bucket_store.get_settled_bucket(db, card_id, bucket_id) is None:
                raise not_found(ids.POINTS_BUCKET.resource_type, bucket_id)
            raise invalid_points_bucket_status("Points bucket must be in ACTIVE status in order to be expired")
        if cdef is None:
            require_active_program(program, "Cannot expire points when program status is not ACTIVE")
            require_active_member(member, "Cannot expire points when member status is not ACTIVE")
            cdef = store.get_card_definition(db, card["card_definition_id"]) or {}
            if not points_expiration_enabled(cdef):
                raise locked("points_expiration_not_enabled", "Points expiration not enabled",  # ours (spec-map A7)
                             "The card definition of this card does not have points expiration enabled")
        if str(item["data"]["expiration_date"]) < points.local_day(now_iso()):
            raise invalid_points_bucket_status(f"Points bucket expired on {item['data']['expiration_date']}; "
                                               "the daily job removes its points")
        ctx = points.expire_buckets(db, {**card, "customer_id": member["customer_id"]}, [item], manual=True)
        if ctx is not None:
            return {"transaction": ctx, "status": "TRANSACTION_CREATED", "message": EXPIRATION_MESSAGE}
        # the bucket's points moved (a credit or a debit) between the read and the write: read it again
    raise LoyaltyError(409, "concurrent_modification", "Concurrent modification",
                       "The points bucket is being changed by many requests at once; retry the request")


# ---------------------------------------------------------------------------------------------- expiring points (v1)
V1_EXPIRATION_LIST = {"limit": Plain(10, 1, 100), "page": Plain(1, 1, 100)}


def list_points_expiration(db: Table, campaign_ref: str, member_ref: str, params: list[tuple[str, str]]) -> dict[str, Any]:
    """GET /v1/loyalties/{campaignId}/members/{memberId}/points-expiration: a v1 card's ACTIVE expiring buckets (`lopb_`),
    soonest first, `limit` per `page`; `total` counts them all. Expired buckets are not listed, and points that never
    expire have no bucket (earning-map §14 E8)."""
    query = parse_plain(params, V1_EXPIRATION_LIST)
    card = card_by_code(db, campaign_ref, member_ref)
    buckets = [v1_points_bucket_view(bucket_store.expiring_bucket_from_item(i), card)
               for i in bucket_store.get_expiring_buckets(db, card["id"])]
    start = (query["page"] - 1) * query["limit"]
    return {"object": "list", "data_ref": "data", "data": buckets[start:start + query["limit"]], "total": len(buckets)}
