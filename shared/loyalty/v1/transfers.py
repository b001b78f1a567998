"""POST /v1/loyalties/{campaignId}/members/{memberId}/transfers: points move from other loyalty cards to one card, all in
one TransactWriteItems: every source card debited (its soonest-expiring points first, each source conditioned on its
balance and its buckets as read) and the target credited (its points expiring as the target campaign says), with a
POINTS_TRANSFER_OUT transaction on each source and a POINTS_TRANSFER_IN on the target for each, pointing at each other."""

from __future__ import annotations

import random
import time
from typing import Any, cast
from urllib.parse import unquote

from loyalty.cards import buckets, ledger
from loyalty.cards.store import add_counter_move, add_transaction
from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.errors import LoyaltyError, invalid_payload, not_found
from loyalty.db.keys import Key, parse_marks
from loyalty.db.table import Table
from loyalty.db.transact import MAX_ITEMS, TransactionConflict
from loyalty.earning.buckets import InsufficientPoints, consume
from loyalty.earning.v1policy import v1_card_definition
from loyalty.members.records import Card
from loyalty.members.store import card_from_row
from loyalty.v1 import store
from loyalty.v1.lookup import CAMPAIGN_ID, voucher_not_found, voucher_view
from loyalty.v1.models import MAX_CODE_LENGTH, MAX_TRANSFER_SOURCES, TransferEntry

TRANSFER_ATTEMPTS = 16
"""How often a transfer re-reads cards that other writes keep moving before it answers 409."""
REASON = "Points transfer"


def _checked(entries: list[TransferEntry], target_code: str) -> None:
    if not entries:
        raise invalid_payload("Provide at least one loyalty card to transfer points from")
    if len(entries) > MAX_TRANSFER_SOURCES:
        raise invalid_payload(f"A transfer takes points from at most {MAX_TRANSFER_SOURCES} loyalty cards")
    codes = [entry.code for entry in entries]
    if len(set(codes)) != len(codes):
        raise invalid_payload("Each loyalty card may appear once in a transfer")
    if target_code in codes:
        raise invalid_payload("A loyalty card cannot transfer points to itself")


def _read(db: Table, campaign_ref: str, target_code: str,
          entries: list[TransferEntry]) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """The target campaign, the target card item and each source card item, in two BatchGetItems (the code claims, with
    the campaign's name claim when the path names it; then the cards with the campaign). 404 `campaign` / `voucher`."""
    ref = unquote(campaign_ref)
    if not ref or len(ref) > store.MAX_CAMPAIGN_REF:
        raise not_found("campaign", ref)
    by_id = CAMPAIGN_ID.fullmatch(ref) is not None
    codes = [target_code, *(entry.code for entry in entries)]
    keys = db.keys
    first = [keys.card_code(code) for code in codes] + ([] if by_id else [keys.campaign_name(ref)])
    found = {(item["PK"], item["SK"]): item for item in db.get_many(first)}
    campaign_id = ref
    if not by_id:
        name = found.get((keys.campaign_name(ref).pk, keys.campaign_name(ref).sk))
        if name is None or name.get("released"):
            raise not_found("campaign", ref)
        campaign_id = name["campaign_id"]
    claims = [found.get((keys.card_code(code).pk, keys.card_code(code).sk)) for code in codes]
    card_keys = [keys.card(str(c["member_id"]), str(c["card_id"])) if c is not None else None for c in claims]
    wanted = [keys.campaign(campaign_id), *(k for k in card_keys if k is not None)]
    second = {(item["PK"], item["SK"]): item for item in db.get_many(wanted)}
    campaign = second.get((keys.campaign(campaign_id).pk, keys.campaign(campaign_id).sk))
    if campaign is None or campaign.get("deleted") or campaign["data"].get("campaign_type") != "LOYALTY_PROGRAM":
        raise not_found("campaign", ref)
    cards = [second.get((k.pk, k.sk)) if k is not None else None for k in card_keys]
    for code, item in zip(codes, cards, strict=True):
        if item is None or "voucher_id" not in item["data"]:  # no such code, gone, or a v2 program card
            raise voucher_not_found(code)
    if cards[0] is None or cards[0]["data"]["campaign_id"] != campaign_id:
        raise voucher_not_found(target_code)
    return dict(campaign["data"]), cast(dict[str, Any], cards[0]), cast(list[dict[str, Any]], cards[1:])


def mirrored_consumption(write: buckets.CardWrite, db: Table, item: dict[str, Any], amount: int, label: str) -> None:
    """The expiring-bucket debits of taking `amount` points from a card, planned from the card item's mirrors of its
    buckets (no read of the buckets): soonest-expiring first, then never-expiring points. Each debit is conditioned on
    its bucket holding what the mirror says."""
    _, expiring = parse_marks(item)
    records: list[dict[str, Any]] = [{"id": f"{day}#{kind}", "points": points, "expiration_date": day, "status": "ACTIVE"}
                                     for day, kind, points in expiring]
    available = sum(r["points"] for r in records)
    for i, (ref, taken) in enumerate(consume(records, min(amount, available))):
        day, kind = ref.split("#", 1)
        key: Key = db.keys.expiring_bucket(str(item["data"]["id"]), day, kind)
        held = int(next(r["points"] for r in records if r["id"] == ref))
        bucket = {"PK": key.pk, "SK": key.sk, "points": held, "data": {"expiration_date": day, "expiration_type": kind}}
        write.debit_expiring(db, bucket, taken, label=f"{label}:consume:{i}")


def _brief(card: Card, total: int, balance: int) -> dict[str, Any]:
    """A card as a transfer transaction names the other side."""
    return {"id": card["voucher_id"], "code": card.get("code"), "type": "LOYALTY_CARD", "campaign": card["campaign"],
            "campaign_id": card["campaign_id"], "loyalty_card": {"points": total, "balance": balance}, "is_referral_code": False,
            "holder_id": card.get("holder_id"), "created_at": card["created_at"], "object": "voucher"}


def _attempt(db: Table, campaign: dict[str, Any], target_item: dict[str, Any], source_items: list[dict[str, Any]],
             entries: list[TransferEntry]) -> Card:
    """One try: the whole transfer as one TransactWriteItems, conditioned on every card still holding the counters read
    (TransactionConflict otherwise). Returns the target card as it is after."""
    target = card_from_row(target_item)
    now = now_iso()
    tx = db.transaction()
    total_in = sum(entry.points for entry in entries)
    target_read = {"total": int(target_item.get("total", 0)), "balance": int(target_item.get("balance", 0))}
    target_after = {"total": target_read["total"] + total_in, "balance": target_read["balance"] + total_in}
    expiry = v1_card_definition({"expiration_rules": (campaign["voucher"].get("loyalty_card") or {}).get("expiration_rules")})
    expiration_date, expiration_type = buckets.points_expiry(expiry) if expiry else (None, "NO_EXPIRATION")
    target_write = buckets.CardWrite(target["member_id"], target["id"])
    if expiration_date is not None:
        target_write.credit_expiring(db, dict(target), expiration_date, expiration_type, total_in, ids.POINTS_BUCKET.new(), label="credit")
    running = dict(target_read)
    for i, (entry, item) in enumerate(zip(entries, source_items, strict=True)):
        source = card_from_row(item)
        read = {"total": int(item.get("total", 0)), "balance": int(item.get("balance", 0))}
        if read["balance"] < entry.points:
            raise ledger.insufficient_balance()
        after = {"total": read["total"], "balance": read["balance"] - entry.points}
        running = {"total": running["total"] + entry.points, "balance": running["balance"] + entry.points}
        out_id, in_id = ids.CARD_TRANSACTION.new(), ids.CARD_TRANSACTION.new()
        common = {"reason": entry.reason or REASON, "source_id": entry.source_id}
        out = ledger.card_transaction(source, "POINTS_TRANSFER_OUT", -entry.points, entry.reason or REASON, "APPROVED",
                                      source_id=entry.source_id, balance_after=after, related_transaction_id=in_id,
                                      destination_voucher=_brief(target, target_after["total"], target_after["balance"]))
        into = ledger.card_transaction(target, "POINTS_TRANSFER_IN", entry.points, common["reason"], "APPROVED",
                                       source_id=entry.source_id, balance_after=dict(running), related_transaction_id=out_id,
                                       source_voucher=_brief(source, after["total"], after["balance"]),
                                       **({"points": {"total": entry.points, "expiration_date": expiration_date,
                                                      "expiration_type": expiration_type}}))
        out["id"], into["id"] = out_id, in_id
        write = buckets.CardWrite(source["member_id"], source["id"])
        mirrored_consumption(write, db, item, entry.points, f"source:{i}")
        for label, build in write.items:
            build(tx, label)
        add_transaction(tx, db, out, label=f"out:{i}")
        add_transaction(tx, db, into, label=f"in:{i}")
        add_counter_move(tx, db, source["member_id"], source["id"], {"subtracted": entry.points}, entry.points,
                         label=f"source:{i}", touch=now, expect=read, marks=write.marks)
    for label, build in target_write.items:
        build(tx, label)
    add_counter_move(tx, db, target["member_id"], target["id"], {"added": total_in, "total": total_in}, None, label="target",
                     touch=now, expect=target_read, marks=target_write.marks)
    if len(tx) > MAX_ITEMS:
        raise invalid_payload(f"This transfer would write {len(tx)} items, more than one transaction holds ({MAX_ITEMS}); "
                              "transfer from fewer cards at a time")
    tx.commit()
    marks = dict(target_write.marks)
    out_card = cast(dict[str, Any], dict(target_item))
    out_card.update(total=target_after["total"], balance=target_after["balance"], added=int(target_item.get("added", 0)) + total_in)
    for name, amount in marks.items():
        out_card[name] = int(out_card.get(name, 0)) + int(amount or 0)
    out_card["data"] = {**target_item["data"], "updated_at": now}
    return card_from_row(out_card)


def transfer_points(db: Table, campaign_ref: str, member_ref: str, entries: list[TransferEntry], base: str) -> dict[str, Any]:
    """POST .../members/{memberId}/transfers: move each entry's points from its card (any v1 loyalty card: every v1 card
    is published to a holder) to this campaign's card `memberId`; answers the target card as a voucher. 404 `campaign` /
    `voucher`; 400 for an empty, repeated or self-referencing list; 423 `insufficient_card_balance` when a source holds
    fewer points. Reads: 2 BatchGetItems; writes: 1 TransactWriteItems (re-read and retried when a card moved meanwhile)."""
    target_code = unquote(member_ref)
    if not target_code or len(target_code) > MAX_CODE_LENGTH:
        raise voucher_not_found(target_code)
    _checked(entries, target_code)
    for attempt in range(TRANSFER_ATTEMPTS):
        campaign, target_item, source_items = _read(db, campaign_ref, target_code, entries)
        try:
            card = _attempt(db, campaign, target_item, source_items, entries)
            return voucher_view(card, base, db)
        except InsufficientPoints:
            raise ledger.insufficient_balance() from None
        except TransactionConflict as conflict:
            if not any(label.startswith(("source:", "target", "credit")) for label in conflict.failed_labels):
                raise
        time.sleep(random.uniform(0.002, 0.01) * min(attempt + 1, 5))
    raise LoyaltyError(409, "concurrent_modification", "Concurrent modification",
                       "The cards are being changed by many requests at once; retry the request")
