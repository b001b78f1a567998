"""POST /v1/loyalties[/{campaignId}]/members/{memberId}/redemption: a v1 loyalty card spends points on a reward assigned to
its campaign, synchronously (v1 answers 200 with a redemption `r_...`).

The same rules as a v2 purchase (loyalty.purchases), without the PENDING step: the cost is the assignment's points,
checked against the card's balance and the card definition's spending limits (loyalty.cards.spending); the reward's stock
is taken; a CAMPAIGN reward's points are credited to the holder's card of that campaign as a POINTS_PURCHASED, and a
MATERIAL reward returns its product. All of it is ONE TransactWriteItems, conditioned on the card's counters and bucket
mirrors as read, on the assignment's version (so the points cost spent is the one read) and on the reward's stock; it is
re-read and retried when a concurrent write moved the card. The card transaction is a POINTS_SPENT_ON_REWARD (the v1
POINTS_REDEMPTION) carrying the redemption; there is no v1 redemptions API to read it back from."""

from __future__ import annotations

import random
import time
from typing import Any, cast
from urllib.parse import unquote

from loyalty.cards import buckets, ledger, spending
from loyalty.cards.store import add_counter_move, add_transaction
from loyalty.components.fulfilment import unfulfillable_reason
from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.errors import LoyaltyError, invalid_payload, locked, not_found
from loyalty.core.ids import new_alnum_id
from loyalty.core.settings import get_settings
from loyalty.customers.service import customer_view
from loyalty.db.table import Table
from loyalty.db.transact import TransactionConflict
from loyalty.earning.buckets import InsufficientPoints
from loyalty.earning.v1policy import v1_card_definition
from loyalty.members.records import Card
from loyalty.members.store import card_from_row
from loyalty.purchases.service import PURCHASED_REASON, REASON, out_of_stock
from loyalty.v1 import store as campaign_store
from loyalty.v1.lookup import voucher_not_found, voucher_view
from loyalty.v1.models import MAX_CODE_LENGTH
from loyalty.v1.transfers import mirrored_consumption
from loyalty.v1rewards.models import RedemptionRequest
from loyalty.v1rewards.views import REWARD_ID, fulfilment_view

ATTEMPTS = 16
"""How often a redemption re-reads a card that other writes keep moving before it answers 409."""


def _found(items: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(item["PK"], item["SK"]): item for item in items}


def _pick(found: dict[tuple[str, str], dict[str, Any]], key: Any) -> dict[str, Any] | None:
    return found.get((key.pk, key.sk))


def _read(db: Table, campaign_ref: str | None, code: str, reward_id: str) -> dict[str, Any]:
    """The card item, its campaign, the reward, the campaign's assignment of it, the holder and (for a reward crediting a
    loyalty campaign) the holder's card there, in at most three BatchGetItems. 404 `voucher` / `campaign` / `reward`."""
    keys = db.keys
    ref = unquote(campaign_ref) if campaign_ref is not None else None
    by_name = ref is not None and campaign_store.CAMPAIGN_ID.fullmatch(ref) is None
    if ref is not None and (not ref or len(ref) > campaign_store.MAX_CAMPAIGN_REF):
        raise not_found("campaign", ref)
    first = _found(db.get_many([keys.card_code(code), keys.reward_v1(reward_id), *([keys.campaign_name(ref)] if by_name and ref else [])]))
    claim = _pick(first, keys.card_code(code))
    if claim is None:
        raise voucher_not_found(code)
    reward_item = _pick(first, keys.reward_v1(reward_id))
    card_key = keys.card(str(claim["member_id"]), str(claim["card_id"]))
    # the card's campaign is known only once the card is read: its assignment and campaign come with it when the path
    # names the campaign by id, and in a third read otherwise
    wanted = [card_key]
    if ref is not None and not by_name:
        wanted += [keys.campaign(ref), keys.reward_v1_assignment(reward_id, ref)]
    second = _found(db.get_many(wanted))
    card_item = _pick(second, card_key)
    if card_item is None or "voucher_id" not in card_item["data"]:
        raise voucher_not_found(code)
    campaign_id = str(card_item["data"]["campaign_id"])
    if ref is not None:
        named = ref
        if by_name:
            name = _pick(first, keys.campaign_name(ref))
            named = str(name["campaign_id"]) if name is not None and not name.get("released") else ""
        if named != campaign_id:
            raise voucher_not_found(code)
    if reward_item is None:
        raise not_found("reward", reward_id)
    reward = dict(reward_item["data"])
    holder = str(card_item["data"]["holder_id"])
    target_campaign = ((reward.get("parameters") or {}).get("campaign") or {}).get("id") if reward["type"] == "CAMPAIGN" else None
    third_keys = [keys.customer(holder)]
    if ref is None or by_name:
        third_keys += [keys.campaign(campaign_id), keys.reward_v1_assignment(reward_id, campaign_id)]
    if target_campaign:
        third_keys += [keys.membership(target_campaign, holder), keys.campaign(target_campaign)]
    third = _found(db.get_many(third_keys))
    second.update(third)
    campaign = _pick(second, keys.campaign(campaign_id))
    if campaign is None or campaign["data"].get("deleted") or campaign["data"].get("campaign_type") != "LOYALTY_PROGRAM":
        raise not_found("campaign", ref or campaign_id)
    assignment = _pick(second, keys.reward_v1_assignment(reward_id, campaign_id))
    if assignment is None:
        raise not_found("reward", reward_id)
    target_item = None
    if target_campaign:
        membership = _pick(third, keys.membership(target_campaign, holder))
        if membership is not None and membership.get("card_ids"):
            target_item = db.get(keys.card(str(membership["member_id"]), str(membership["card_ids"][0])))
    customer = _pick(third, keys.customer(holder))
    target_campaign_item = _pick(third, keys.campaign(target_campaign)) if target_campaign else None
    return {"card": card_item, "campaign": dict(campaign["data"]), "reward": reward_item, "assignment": assignment,
            "customer": customer["data"] if customer else {"id": holder}, "target": target_item,
            "target_campaign": target_campaign_item["data"] if target_campaign_item else None}


def points_exceeded(code: str, cost: int | None) -> LoyaltyError:
    """400 `loyalty_card_points_exceeded` (the spec's answer to a redemption the card's balance does not cover)."""
    return LoyaltyError(400, "loyalty_card_points_exceeded", "loyalty card points exceeded",
                        f"Loyalty card {code} holds fewer points than the reward costs" + (f" ({cost})" if cost else ""),
                        resource_type="voucher", resource_id=code)


def missing_reward() -> LoyaltyError:
    """400 `missing_reward` (the spec's answer to a redemption that names no reward)."""
    return LoyaltyError(400, "missing_reward", "Missing reward", "A reward is required when redeeming a LOYALTY_CARD")


def _cdef(campaign: dict[str, Any]) -> dict[str, Any]:
    """A v1 campaign as the card definition the spending and expiry rules read."""
    return v1_card_definition({"expiration_rules": ((campaign.get("voucher") or {}).get("loyalty_card") or {}).get("expiration_rules")}) or {}


def _refuse_unredeemable(read: dict[str, Any], cost: int) -> None:
    """The refusals decided before anything is written (423, as v2 purchases answer them)."""
    reward = read["reward"]["data"]
    campaign = read["campaign"]
    if not campaign.get("active", True):
        raise locked("campaign_not_active", f"Loyalty campaign '{campaign['id']}' is not active", "Given campaign is not active",
                     resource_type="campaign", resource_id=campaign["id"])
    unfulfillable = unfulfillable_reason(fulfilment_view(reward))
    if unfulfillable is not None:
        raise locked("reward_not_supported", "Reward not supported", unfulfillable, resource_type="reward", resource_id=reward["id"])
    target = (reward.get("parameters") or {}).get("campaign")
    if target is not None:
        if target["id"] == campaign["id"]:
            raise locked("reward_not_supported", "Reward not supported",
                         "A reward crediting points to the campaign that pays for it is not supported by this server",
                         resource_type="reward", resource_id=reward["id"])
        if read["target"] is None:
            raise locked("no_target_card", "No target card",
                         f"The card's holder holds no loyalty card of campaign {target['id']}, which this reward credits its points to",
                         resource_type="campaign", resource_id=target["id"])
    stock = reward.get("stock")
    if stock is not None and int(reward.get("redeemed", 0)) >= int(stock):
        raise out_of_stock()
    if int(read["card"].get("balance", 0)) < cost:
        raise points_exceeded(str(read["card"].get("code") or ""), cost)


def _attempt(db: Table, read: dict[str, Any], body: RedemptionRequest) -> tuple[dict[str, Any], Card]:
    """One try: the whole redemption as one TransactWriteItems. Returns the redemption's reward part and the card after."""
    item, reward_item, assignment = read["card"], read["reward"], read["assignment"]
    reward = dict(reward_item["data"])
    cost = int(assignment["data"]["parameters"]["loyalty"]["points"])
    _refuse_unredeemable(read, cost)
    card = card_from_row(item)
    cdef = _cdef(read["campaign"])
    spending.check_spend(cdef, cost)
    now = now_iso()
    counters = {"total": int(item.get("total", 0)), "balance": int(item.get("balance", 0))}
    after = {"total": counters["total"], "balance": counters["balance"] - cost}
    redemption_id = new_alnum_id("r_")
    tx = db.transaction()
    for label, build in spending.spending_items(db, cdef, card, cost, now, get_settings().timezone):
        build(tx, label)
    write = buckets.CardWrite(card["member_id"], card["id"])
    mirrored_consumption(write, db, item, cost, "card")
    for label, build in write.items:
        build(tx, label)
    purchased_id = ids.CARD_TRANSACTION.new() if read["target"] is not None else None
    ctx = ledger.card_transaction(card, "POINTS_SPENT_ON_REWARD", -cost, REASON, "APPROVED", reward_id=reward["id"],
                                  reward={"id": reward["id"], "assignment_id": assignment["data"]["id"]}, redemption={"id": redemption_id},
                                  balance_after=after, **({"purchase_transaction": {"id": purchased_id}} if purchased_id else {}))
    add_transaction(tx, db, ctx, label="transaction")
    add_counter_move(tx, db, card["member_id"], card["id"], {"spent": cost}, cost, touch=now, expect=counters, marks=write.marks)
    tx.check("assignment", db.keys.reward_v1_assignment(reward["id"], read["campaign"]["id"]), "version = :v",
             values={"v": int(assignment.get("version", 0))})
    stock = "#d.#st = :null OR attribute_not_exists(#d.#st) OR #d.#st > #d.#r"
    tx.update("reward", db.keys.reward_v1(reward["id"]), "SET #d.#r = #d.#r + :one, version = version + :one",
              condition=f"attribute_exists(PK) AND ({stock})", names={"#d": "data", "#r": "redeemed", "#st": "stock"},
              values={"one": 1, "null": None})
    result: dict[str, Any] = {}
    if reward["type"] == "MATERIAL":
        result["product"] = (reward.get("parameters") or {}).get("product")
    if read["target"] is not None and purchased_id is not None:
        target = card_from_row(read["target"])
        points = int(reward["parameters"]["campaign"]["balance"])
        date, kind = buckets.points_expiry(_cdef(read["target_campaign"] or {}))
        purchased = ledger.card_transaction(target, "POINTS_PURCHASED", points, PURCHASED_REASON, "APPROVED",
                                            reward={"id": reward["id"]}, redemption={"id": redemption_id},
                                            card_transaction={"id": ctx["id"]})
        purchased["id"] = purchased_id
        purchased["details"]["points"] = {"total": points, "expiration_date": date, "expiration_type": kind}
        credit = buckets.CardWrite(target["member_id"], target["id"])
        if date is not None:
            credit.credit_expiring(db, dict(target), date, kind, points, ids.POINTS_BUCKET.new(), label="target_credit")
        for label, build in credit.items:
            build(tx, label)
        add_transaction(tx, db, purchased, label="purchased_transaction")
        add_counter_move(tx, db, target["member_id"], target["id"], {"purchased": points, "total": points}, None, label="target_card",
                         touch=now, marks=credit.marks)
        credited = dict(target)
        credited.update(total=int(target.get("total", 0)) + points, balance=int(target.get("balance", 0)) + points, updated_at=now)
        result["voucher"] = cast(Card, credited)
    tx.commit()
    out = dict(item)
    out.update(spent=int(item.get("spent", 0)) + cost, balance=after["balance"])
    for name, amount in write.marks.items():
        if amount is None:
            out.pop(name, None)
        else:
            out[name] = int(out.get(name, 0)) + amount
    out["data"] = {**item["data"], "updated_at": now}
    return {"redemption_id": redemption_id, "cost": cost, "result": result, "reward": reward,
            "assignment_id": assignment["data"]["id"], "date": now}, card_from_row(out)


def _conflict_error(conflict: TransactionConflict, reward_id: str) -> Exception | None:
    """The answer a failed transaction gives (None: the card moved meanwhile, re-read and retry)."""
    if conflict.failed(spending.LABEL):
        return spending.spending_limit_reached("The card definition's spending limit does not allow this redemption")
    if conflict.failed("reward"):
        return out_of_stock()
    if conflict.failed("assignment"):
        return None
    if conflict.failed("target_card"):
        return locked("no_target_card", "No target card", "The loyalty card this reward credits is gone", resource_type="reward",
                      resource_id=reward_id)
    return None


def redeem_reward(db: Table, campaign_ref: str | None, member_ref: str, body: RedemptionRequest, base: str) -> dict[str, Any]:
    """Redeem a reward with a v1 card's points; answers the redemption (200, result SUCCESS). 404 `voucher` / `campaign` /
    `reward` (a reward not assigned to the card's campaign); 400 `loyalty_card_points_exceeded` when the balance does not
    cover the cost, `missing_reward`, and `invalid_payload` for pay-with-points input (`reward.points`, `order`), which
    this server does not support; 423 `reward_out_of_stock`, `reward_not_supported`,
    `no_target_card`, `campaign_not_active`, `spending_limit_reached`. Reads: 3 BatchGetItems (a 4th GetItem for a reward
    crediting another card); writes: 1 TransactWriteItems (re-read and retried when the card moved meanwhile)."""
    code = unquote(member_ref)
    if not code or len(code) > MAX_CODE_LENGTH:
        raise voucher_not_found(code)
    if body.reward is None:
        raise missing_reward()
    if body.order is not None or body.reward.points is not None:
        raise invalid_payload("Pay with points (COIN) rewards are not supported by this server, so a redemption takes neither "
                              "`order` nor `reward.points`: the reward's points cost is the one its campaign assignment sets")
    reward_id = body.reward.id
    if not REWARD_ID.fullmatch(reward_id):
        raise not_found("reward", reward_id)
    for attempt in range(ATTEMPTS):
        read = _read(db, campaign_ref, code, reward_id)
        try:
            done, card = _attempt(db, read, body)
            break
        except InsufficientPoints:
            raise points_exceeded(code, None) from None
        except TransactionConflict as conflict:
            error = _conflict_error(conflict, reward_id)
            if error is not None:
                raise error from None
        time.sleep(random.uniform(0.002, 0.01) * min(attempt + 1, 5))
    else:
        raise LoyaltyError(409, "concurrent_modification", "Concurrent modification",
                           "The card is being changed by many requests at once; retry the request")
    customer = customer_view(cast(Any, read["customer"])) if "created_at" in read["customer"] else dict(read["customer"])
    brief = {k: customer[k] for k in ("id", "name", "email", "source_id", "metadata") if customer.get(k) is not None} | {"object": "customer"}
    reward = done["reward"]
    result = dict(done["result"])
    if "voucher" in result:
        result["voucher"] = voucher_view(result["voucher"], base, db)
    return {
        "id": done["redemption_id"],
        "object": "redemption",
        "date": done["date"],
        "customer_id": card["holder_id"],
        "tracking_id": None,
        "metadata": body.metadata or {},
        "amount": done["cost"],
        "redemption": None,
        "result": "SUCCESS",
        "status": "SUCCEEDED",
        "order": None,
        "channel": {"channel_type": "API"},
        "customer": brief,
        "related_object_type": "voucher",
        "related_object_id": card["voucher_id"],
        "voucher": voucher_view(card, base, db),
        "reward": {"customer": brief, "assignment_id": done["assignment_id"], "voucher": None, "product": None, "sku": None,
                   "loyalty_tier_id": None, **result, **reward, "object": "reward"},
        "loyalty_card": {"points": done["cost"]},
    }
