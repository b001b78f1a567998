"""A customer's loyalty cards seen from the customers API: its activity (the v1 member activities of all its cards, merged
newest first) and its redeemables (its cards as customer redeemables holding the v1 voucher object)."""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from loyalty.cards.store import transaction_from_row
from loyalty.core import ids
from loyalty.core.clock import normalize_iso
from loyalty.customers import service as customers
from loyalty.customers import store as customers_store
from loyalty.db.table import Table
from loyalty.members import store as members_store
from loyalty.members.records import Card
from loyalty.v1 import store
from loyalty.v1.cards import ACTIVITY_TYPES, MAX_LIMIT, activity_view, invalid_query
from loyalty.v1.lookup import voucher_view

DEFAULT_LIMIT = 10
CAMPAIGN_TYPES = ("PROMOTION", "GIFT_VOUCHERS", "REFERRAL_PROGRAM", "DISCOUNT_COUPONS", "LOYALTY_PROGRAM")
ACTIVITY_PARAMS = ("limit", "order", "starting_after_id", "start_date", "end_date", "campaign_id", "campaign_type", "category",
                   "type")
ACTIVITIES_PARAMS = ("limit", "order", "starting_after", "starting_after_id", "campaign_type", "campaign_id", "product_id",
                     "start_date", "end_date")
UNSUPPORTED = {
    "category": "the project does not classify activities as ACTION or EFFECT",
    "product_id": "loyalty card activities name no product",
}


def _limit(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise invalid_query(f"Query parameter 'limit' must be a whole number from 1 to {MAX_LIMIT}")
    return int(value)


def _instant(name: str, value: str) -> str:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise invalid_query(f"Query parameter '{name}' must be an ISO 8601 date or timestamp") from None
    return normalize_iso(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))


def _single(pairs: Iterable[tuple[str, str]], allowed: tuple[str, ...]) -> dict[str, str]:
    """The query string as one value per allowed name; 400 for another name, a repeated one or an unsupported filter."""
    out: dict[str, str] = {}
    for name, value in pairs:
        if name not in allowed:
            raise invalid_query(f"Query parameter '{name}' is not allowed (allowed: {', '.join(allowed)})")
        if name in out:
            raise invalid_query(f"Query parameter '{name}' is given more than once")
        if name in UNSUPPORTED:
            raise invalid_query(f"Query parameter '{name}' is not supported: {UNSUPPORTED[name]}")
        out[name] = value
    return out


def _customer_id(db: Table, customer_ref: str) -> str:
    """The id of the customer a path's `customerId` names (id or source id); 404 `customer` otherwise."""
    return str(customers.get_customer(db, customer_ref)["id"])


def customer_cards(db: Table, customer_id: str) -> list[Card]:
    """The customer's v1 loyalty cards: one Query of its membership claims, then one Query per member (a customer holds
    one member per program or campaign, so a handful)."""
    cards: list[Card] = []
    for member_id in customers_store.membership_member_ids(db, customer_id):
        found = members_store.get_member_with_cards(db, member_id)
        if found is not None:
            cards += [card for card in found[1] if "voucher_id" in card and card.get("holder_id", customer_id) == customer_id]
    return cards


# ---------------------------------------------------------------------------------------------- activity
def _activity_page(db: Table, customer_ref: str, query: dict[str, str], after_date: str | None) -> tuple[list[dict[str, Any]], bool]:
    limit = _limit(query["limit"]) if "limit" in query else DEFAULT_LIMIT
    order = query.get("order", "-created_at")
    if order not in ("-created_at", "created_at"):
        raise invalid_query("Query parameter 'order' must be one of: -created_at, created_at")
    descending = order.startswith("-")
    after = query.get("starting_after_id")
    if after is not None and not ids.CARD_TRANSACTION.matches(after):
        raise invalid_query("Query parameter 'starting_after_id' must be an activity id of this list")
    campaign_type = query.get("campaign_type")
    if campaign_type is not None and campaign_type not in CAMPAIGN_TYPES:
        raise invalid_query(f"Query parameter 'campaign_type' must be one of: {', '.join(CAMPAIGN_TYPES)}")
    start = _instant("start_date", query["start_date"]) if "start_date" in query else None
    end = _instant("end_date", query["end_date"]) if "end_date" in query else None
    wanted_type = query.get("type")
    cards = customer_cards(db, _customer_id(db, customer_ref))
    if "campaign_id" in query:
        cards = [card for card in cards if card["campaign_id"] == query["campaign_id"]]
    if campaign_type not in (None, "LOYALTY_PROGRAM"):
        cards = []  # the project's only campaigns are loyalty programs

    def keep(item: dict[str, Any]) -> bool:
        data = item["data"]
        if item.get("status") != "APPROVED" or data["type"] not in ACTIVITY_TYPES:
            return False
        if wanted_type is not None and ACTIVITY_TYPES[data["type"]] != wanted_type:
            return False
        stamp = data["created_at"]
        if after_date is not None and (stamp >= after_date if descending else stamp <= after_date):
            return False
        return (start is None or stamp >= start) and (end is None or stamp <= end)

    # one Query per card (limit + 1 items each), merged by transaction id (ids are time-ordered across cards)
    streams = []
    more = False
    for card in cards:
        items, card_more = store.card_transactions(db, card["id"], after, descending, keep, limit)
        more = more or card_more
        streams.append([(item["data"]["id"], activity_view(transaction_from_row(item), card)) for item in items])
    merged = [view for _, view in heapq.merge(*streams, key=lambda pair: pair[0], reverse=descending)]
    return merged[:limit], more or len(merged) > limit


def list_customer_activity(db: Table, customer_ref: str, pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """GET /v1/customers/{customerId}/activity: a page of the activities of the customer's loyalty cards (each approved
    card transaction as the member activity it stands for), newest first (`order=created_at` oldest first), after
    `starting_after_id`; filtered by `campaign_id`, `campaign_type` (only LOYALTY_PROGRAM has any), `type` and
    `start_date` / `end_date`; `category` is refused (400)."""
    query = _single(pairs, ACTIVITY_PARAMS)
    views, more = _activity_page(db, customer_ref, query, None)
    page: dict[str, Any] = {"object": "list", "data_ref": "data", "data": views, "has_more": more}
    if more and views:
        page["more_starting_after"] = views[-1]["id"]
    return page


def list_customer_activities(db: Table, customer_ref: str, pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """GET /v1/customers/{customerId}/activities (deprecated): the same activities, a page of `limit` after
    `starting_after` (a created_at) or `starting_after_id`; `total` counts this page (the spec's list has no has_more,
    so a page shorter than `limit` is the last); `product_id` is refused (400), `order` takes created_at / -created_at."""
    query = _single(pairs, ACTIVITIES_PARAMS)
    after_date = _instant("starting_after", query["starting_after"]) if "starting_after" in query else None
    views, _ = _activity_page(db, customer_ref, query, after_date)
    return {"object": "list", "data_ref": "data", "data": views, "total": len(views)}


# ---------------------------------------------------------------------------------------------- redeemables
REDEEMABLE_FIELDS = ("id", "redeemable_id", "redeemable_object", "holder_role", "campaign_id", "campaign_type", "voucher_type")
_REDEEMABLE_FILTER = re.compile(r"filters\[(\w+)\]\[conditions\]\[\$(\w+)\](\[\d*\])?")


def _redeemable_id(card: Card) -> str:
    """The customer redeemable's id: `rh_` and the card id's time-ordered part (so `order=id` is the cards' creation)."""
    return "rh_" + card["id"].split("_", 1)[-1]


def redeemable_view(card: Card, base: str, db: Table) -> dict[str, Any]:
    """A loyalty card as a CustomerRedeemable (the customer is its OWNER)."""
    return {"id": _redeemable_id(card), "created_at": card["created_at"], "redeemable_id": card["voucher_id"],
            "redeemable_object": "voucher", "customer_id": card["holder_id"], "holder_role": "OWNER",
            "campaign_id": card["campaign_id"], "campaign_type": "LOYALTY_PROGRAM", "voucher_type": "LOYALTY_CARD",
            "redeemable": {"type": "voucher", "voucher": voucher_view(card, base, db), "status": "ACTIVE"}}


class _Filters:
    """`filters[field][conditions][$op]` of list-customer-redeemables: `$is`, `$is_not`, `$in`, `$not_in` on the string
    fields, `$before` / `$after` on created_at, `filters[junction]=and`; 400 for any other."""

    def __init__(self) -> None:
        self.conditions: list[tuple[str, str, set[str]]] = []

    def add(self, name: str, value: str) -> bool:
        if name == "filters[junction]":
            if value.lower() != "and":
                raise invalid_query("Query parameter 'filters[junction]' supports only 'and'")
            return True
        matched = _REDEEMABLE_FILTER.fullmatch(name)
        if matched is None:
            return False
        field, op = matched.group(1), matched.group(2)
        if field == "created_at" and op in ("before", "after"):
            self.conditions.append((field, op, {_instant(name, value)}))
        elif field in REDEEMABLE_FIELDS and op in ("is", "is_not", "in", "not_in"):
            self.conditions.append((field, op, {v for v in value.split(",") if v}))
        else:
            raise invalid_query(f"Query parameter '{name}' is not supported (filters: {', '.join(REDEEMABLE_FIELDS)} with "
                                "$is, $is_not, $in, $not_in; created_at with $before, $after)")
        return True

    def passes(self, view: dict[str, Any]) -> bool:
        for field, op, wanted in self.conditions:
            if op in ("before", "after"):
                bound = next(iter(wanted))
                if not (view[field] < bound if op == "before" else view[field] > bound):
                    return False
            elif (view.get(field) in wanted) != (op in ("is", "in")):
                return False
        return True


def list_customer_redeemables(db: Table, customer_ref: str, pairs: Iterable[tuple[str, str]], base: str) -> dict[str, Any]:
    """GET /v1/customers/{customerId}/redeemables: the customer's loyalty cards as customer redeemables (the v1 voucher
    object inside), `order` id / -id (default -id: newest first), `limit`, `starting_after_id`, and `filters` on the
    redeemable fields; `total` counts those the filters select."""
    filters, seen = _Filters(), set()
    limit, order, after = DEFAULT_LIMIT, "-id", None
    for name, value in pairs:
        if filters.add(name, value):
            continue
        if name in seen:
            raise invalid_query(f"Query parameter '{name}' is given more than once")
        seen.add(name)
        if name == "limit":
            limit = _limit(value)
        elif name == "order":
            if value not in ("id", "-id"):
                raise invalid_query("Query parameter 'order' must be one of: id, -id")
            order = value
        elif name == "starting_after_id":
            after = value
        else:
            raise invalid_query(f"Query parameter '{name}' is not allowed (allowed: limit, order, starting_after_id, filters)")
    customer_id = _customer_id(db, customer_ref)
    views = sorted((redeemable_view(card, base, db) for card in customer_cards(db, customer_id)), key=lambda v: v["id"],
                   reverse=order == "-id")
    selected = [view for view in views if filters.passes(view)]
    total = len(selected)
    if after is not None:
        selected = [view for view in selected if (view["id"] < after if order == "-id" else view["id"] > after)]
    data = selected[:limit]
    page: dict[str, Any] = {"object": "list", "data_ref": "data", "data": data, "total": total,
                            "has_more": len(selected) > limit}
    if page["has_more"]:
        page["more_starting_after"] = data[-1]["id"]
    return page

