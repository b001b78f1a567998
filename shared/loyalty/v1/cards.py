"""A v1 campaign's loyalty cards as lists: the members list (cards as vouchers), the campaign's and a card's transactions
(in the v1 transaction shape), and a card's activities."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from loyalty.cards.store import transaction_from_row
from loyalty.core import ids
from loyalty.core.clock import normalize_iso
from loyalty.core.errors import LoyaltyError
from loyalty.core.listing import invalid_query
from loyalty.customers import service as customers
from loyalty.db.table import Table
from loyalty.members import store as members_store
from loyalty.members.store import card_from_row
from loyalty.v1 import store
from loyalty.v1.lookup import card_by_code, require_campaign, voucher_view

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
MAX_PAGE = 100  # as the other v1 lists (list_earning_rules_v1, list_orders)


def _number(name: str, value: str, high: int) -> int:
    if not value.isdigit() or not 1 <= int(value) <= high:
        raise invalid_query(f"Query parameter '{name}' must be a whole number from 1 to {high}")
    return int(value)


def _instant(name: str, value: str) -> str:
    """An ISO 8601 timestamp or date of a filter, in the API's format (so it compares with stored timestamps as text)."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid_query(f"Query parameter '{name}' must be an ISO 8601 date or timestamp") from None
    return normalize_iso(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))


def _first_time(seen: set[str], name: str) -> None:
    """400 when a query parameter comes a second time."""
    if name in seen:
        raise invalid_query(f"Query parameter '{name}' is given more than once")
    seen.add(name)


def _order(value: str, orders: tuple[str, ...]) -> str:
    """The `order` asked for, when the list offers it."""
    if value not in orders:
        raise invalid_query(f"Query parameter 'order' must be one of: {', '.join(orders)}")
    return value


class ListParams:
    """The query string of a v1 page-numbered list: `limit`, `page`, `order` and the list's own filters, each at most
    once (`ids` may repeat); 400 `invalid_query_params` for anything else."""

    def __init__(self, pairs: Iterable[tuple[str, str]], orders: tuple[str, ...], filters: tuple[str, ...] = ()) -> None:
        self.limit, self.page, self.order = DEFAULT_LIMIT, 1, orders[0]
        self.filters: dict[str, str] = {}
        self.ids: list[str] = []
        seen: set[str] = set()
        for name, value in pairs:
            if name in ("ids", "ids[]") and "ids" in filters:
                self.ids.append(value)
                continue
            _first_time(seen, name)
            if name == "limit":
                self.limit = _number(name, value, MAX_LIMIT)
            elif name == "page":
                self.page = _number(name, value, MAX_PAGE)
            elif name == "order":
                self.order = _order(value, orders)
            elif name in filters:
                self.filters[name] = _instant(name, value) if name.endswith(("[before]", "[after]")) else value
            else:
                raise invalid_query(f"Query parameter '{name}' is not allowed")

    @property
    def descending(self) -> bool:
        """True for a `-field` order."""
        return self.order.startswith("-")

    def window(self, rows: list[Any]) -> list[Any]:
        """This page of the rows."""
        return rows[(self.page - 1) * self.limit: self.page * self.limit]


def _in_range(value: str | None, filters: dict[str, str], field: str) -> bool:
    before, after = filters.get(f"{field}[before]"), filters.get(f"{field}[after]")
    if before is None and after is None:
        return True
    if value is None:
        return False
    return (before is None or value < before) and (after is None or value > after)


# ---------------------------------------------------------------------------------------------- members
MEMBER_ORDERS = ("-created_at", "created_at", "updated_at", "-updated_at", "code", "-code")
MEMBER_FILTERS = ("customer", "created_at[before]", "created_at[after]", "updated_at[before]", "updated_at[after]", "code", "ids")


def _holder(db: Table, customer_ref: str) -> str | None:
    """The customer id a `customer` filter names (an id, else a source id); None when no customer has it."""
    try:
        return str(customers.get_customer(db, customer_ref)["id"])
    except LoyaltyError as error:
        if error.status == 404:
            return None
        raise


def list_members(db: Table, campaign_ref: str, pairs: Iterable[tuple[str, str]], base: str) -> dict[str, Any]:
    """GET /v1/loyalties/{campaignId}/members: a page (`limit` 1-100, default 10; `page` from 1) of the campaign's loyalty
    cards as vouchers, the most recent first unless `order` says otherwise, filtered by holder (`customer`: id or source
    id), `created_at` / `updated_at` ranges, `code` and `ids`; `total` counts the cards that pass the filters. Unfiltered
    and by creation: one Query of the campaign's card list (+ a counting Query when more follow); otherwise the whole
    list is read (at most store.MAX_SORTED cards)."""
    params = ListParams(pairs, MEMBER_ORDERS, MEMBER_FILTERS)
    campaign = require_campaign(db, campaign_ref)
    collection = db.keys.campaign_cards_list(campaign["id"])
    by_creation = params.order.lstrip("-") == "created_at"
    if by_creation and not params.filters and not params.ids:
        items, more = store.list_campaign_items(db, collection, want=params.page * params.limit, descending=params.descending)
        total = store.count_campaign_items(db, collection) if more else len(items)
        cards = [card_from_row(item) for item in params.window(items)]
        return _members_page([voucher_view(card, base, db) for card in cards], total)
    items, more = store.list_campaign_items(db, collection, want=None, descending=params.descending)
    if more:
        raise invalid_query(f"This campaign has more than {store.MAX_SORTED:,} cards: list them by created_at without filters")
    cards = [card_from_row(item) for item in items]
    holder = _holder(db, params.filters["customer"]) if "customer" in params.filters else None
    wanted_ids = set(params.ids)
    kept = [card for card in cards
            if ("customer" not in params.filters or card.get("holder_id") == holder)
            and ("code" not in params.filters or card.get("code") == params.filters["code"])
            and (not wanted_ids or card.get("voucher_id") in wanted_ids)
            and _in_range(card.get("created_at"), params.filters, "created_at")
            and _in_range(card.get("updated_at"), params.filters, "updated_at")]
    if not by_creation:
        field = params.order.lstrip("-")
        kept.sort(key=lambda card: str(card.get(field) or card.get("created_at") or ""), reverse=params.descending)
    return _members_page([voucher_view(card, base, db) for card in params.window(kept)], len(kept))


def _members_page(vouchers: list[dict[str, Any]], total: int) -> dict[str, Any]:
    return {"object": "list", "data_ref": "vouchers", "vouchers": vouchers, "total": total}


# ---------------------------------------------------------------------------------------------- transactions
V1_TYPES = {
    "POINTS_EARNED": "POINTS_ACCRUAL",
    "PENDING_POINTS_ACTIVATED": "PENDING_POINTS_ACTIVATION",
    "ADMIN_CREDIT": "POINTS_ADDITION",
    "ADMIN_DEBIT": "POINTS_REMOVAL",
    "POINTS_EXPIRED": "POINTS_EXPIRATION",
    "ADMIN_POINTS_EXPIRATION": "POINTS_EXPIRATION",
    "POINTS_SPENT_ON_REWARD": "POINTS_REDEMPTION",
    "POINTS_SPENT_ON_ORDER": "POINTS_REDEMPTION",
    "POINTS_RETURNED": "POINTS_REFUND",
    "POINTS_TRANSFER_IN": "POINTS_TRANSFER_IN",
    "POINTS_TRANSFER_OUT": "POINTS_TRANSFER_OUT",
}
"""The v1 transaction type of each card transaction type (earning-map §6); the others (pending points added or canceled,
purchased points) have no v1 transaction and are not listed."""
AUTOMATIC = {"POINTS_ACCRUAL", "PENDING_POINTS_ACTIVATION", "POINTS_EXPIRATION", "POINTS_REDEMPTION", "POINTS_REFUND"}
PASSED_DETAILS = ("order", "event", "earning_rule", "segment", "loyalty_tier", "holder_loyalty_tier", "custom_event",
                  "event_schema", "redemption", "rollback", "reward", "pending_points", "destination_voucher", "source_voucher")
"""Card transaction details that the v1 transaction shows as they are."""
TRANSACTION_ORDERS = ("-id", "id")
_FILTER = re.compile(r"filters\[(id|voucher_id)\]\[conditions\]\[\$(is|is_not|in|not_in)\](\[\d*\])?")


def transaction_view(ctx: Mapping[str, Any], voucher_id: str | None) -> dict[str, Any]:
    """A card transaction as the v1 LoyaltyCardTransaction (`details.balance` with the points moved, and the card's total
    and balance after it when the write recorded them)."""
    kind = V1_TYPES[ctx["type"]]
    details = ctx.get("details") or {}
    after = details.get("balance_after") or {}
    balance: dict[str, Any] = {"type": "loyalty_card", **({"total": after["total"]} if "total" in after else {}),
                               "object": "balance", "points": int((details.get("points") or {}).get("total", 0)),
                               **({"balance": after["balance"]} if "balance" in after else {}),
                               "operation_type": "AUTOMATIC" if kind in AUTOMATIC else "MANUAL",
                               "related_object": {"id": voucher_id, "type": "voucher"}}
    return {
        "id": ctx["id"],
        "source_id": details.get("source_id"),
        "voucher_id": voucher_id,
        "campaign_id": ctx["program_id"],
        "source": "Automation" if kind in ("POINTS_ACCRUAL", "PENDING_POINTS_ACTIVATION", "POINTS_EXPIRATION") else "API",
        "reason": details.get("reason"),
        "type": kind,
        "details": {"balance": balance, **{name: details[name] for name in PASSED_DETAILS if details.get(name) is not None}},
        "related_transaction_id": details.get("related_transaction_id"),
        "created_at": ctx["created_at"],
    }


class TransactionParams:
    """The query string of a v1 transactions list: `limit` (1-100, default 10), `order` (id / -id, default -id),
    `starting_after_id`, and `filters[id|voucher_id][conditions][$is|$is_not|$in|$not_in]`."""

    def __init__(self, pairs: Iterable[tuple[str, str]], filter_fields: tuple[str, ...],
                 orders: tuple[str, ...] = TRANSACTION_ORDERS) -> None:
        self.limit, self.order, self.after = DEFAULT_LIMIT, orders[0], None
        self.conditions: list[tuple[str, str, set[str]]] = []
        seen: set[str] = set()
        for name, value in pairs:
            matched = _FILTER.fullmatch(name)
            if matched and matched.group(1) in filter_fields:
                values = {v for v in value.split(",") if v}
                self.conditions.append((matched.group(1), matched.group(2), values))
                continue
            if name == "filters[junction]" and value in ("and", "AND"):
                continue
            _first_time(seen, name)
            if name == "limit":
                self.limit = _number(name, value, MAX_LIMIT)
            elif name == "order":
                self.order = _order(value, orders)
            elif name == "starting_after_id":
                if not ids.CARD_TRANSACTION.matches(value):
                    raise invalid_query("Query parameter 'starting_after_id' must be a transaction id")
                self.after = value
            else:
                raise invalid_query(f"Query parameter '{name}' is not allowed")

    def passes(self, values: dict[str, str | None]) -> bool:
        """True when a transaction with these field values meets every filter condition."""
        for field, op, wanted in self.conditions:
            inside = values.get(field) in wanted
            if inside != (op in ("is", "in")):
                return False
        return True


def _listable(item: dict[str, Any]) -> bool:
    return item.get("status") == "APPROVED" and item["data"]["type"] in V1_TYPES


def _transactions_page(views: list[dict[str, Any]], more: bool) -> dict[str, Any]:
    page: dict[str, Any] = {"object": "list", "data_ref": "data", "data": views, "has_more": more}
    if more and views:
        page["more_starting_after"] = views[-1]["id"]
    return page


def list_card_transactions(db: Table, campaign_ref: str | None, member_ref: str, pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """GET /v1/loyalties[/{campaignId}]/members/{memberId}/transactions: a page of one loyalty card's transactions in the
    v1 shape, newest first (`order=id` for oldest first), after `starting_after_id`; `has_more` and `more_starting_after`
    lead to the next page. 404 `voucher` for an unknown code (or one of another campaign)."""
    params = TransactionParams(pairs, ("id",))
    card = card_by_code(db, campaign_ref, member_ref)
    items, more = store.card_transactions(
        db, card["id"], params.after, params.order.startswith("-"),
        lambda item: _listable(item) and params.passes({"id": item["data"]["id"]}), params.limit)
    return _transactions_page([transaction_view(transaction_from_row(item), card.get("voucher_id")) for item in items], more)


def list_campaign_transactions(db: Table, campaign_ref: str, pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """GET /v1/loyalties/{campaignId}/transactions: a page of the transactions of all the campaign's cards, in the v1
    shape, newest first (`order=id` for oldest first), after `starting_after_id`, filtered by transaction `id` and card
    (`voucher_id`: the campaign's card list is read to know its cards); the page's cards are read in one BatchGetItem
    for their voucher ids."""
    params = TransactionParams(pairs, ("id", "voucher_id"))
    campaign = require_campaign(db, campaign_ref)
    card_vouchers: dict[str, str | None] = {}
    if any(field == "voucher_id" for field, _, _ in params.conditions):
        listed, _ = store.list_campaign_items(db, db.keys.campaign_cards_list(campaign["id"]), want=None, descending=False)
        card_vouchers = {item["data"]["id"]: item["data"].get("voucher_id") for item in listed}

    def keep(item: dict[str, Any]) -> bool:
        data = item["data"]
        return _listable(item) and params.passes({"id": data["id"], "voucher_id": card_vouchers.get(data["card_id"])})

    items, more = store.campaign_transactions(db, campaign["id"], params.after, params.order.startswith("-"), keep, params.limit)
    if not card_vouchers:
        cards = members_store.get_cards(db, sorted({(i["data"]["member_id"], i["data"]["card_id"]) for i in items}))
        card_vouchers = {card["id"]: card.get("voucher_id") for card in cards}
    views = [transaction_view(transaction_from_row(i), card_vouchers.get(i["data"]["card_id"])) for i in items]
    return _transactions_page(views, more)


# ---------------------------------------------------------------------------------------------- activity
ACTIVITY_TYPES = {
    "POINTS_EARNED": "customer.rewarded.loyalty_points",
    "ADMIN_CREDIT": "customer.voucher.loyalty_card.points_added",
    "ADMIN_DEBIT": "customer.voucher.loyalty_card.points_added",
    "POINTS_TRANSFER_IN": "customer.voucher.loyalty_card.points_transferred",
    "POINTS_TRANSFER_OUT": "customer.voucher.loyalty_card.points_transferred",
    "POINTS_EXPIRED": "customer.voucher.loyalty_card.points_expired",
    "ADMIN_POINTS_EXPIRATION": "customer.voucher.loyalty_card.points_expired",
    "PENDING_POINTS_ADDED": "customer.voucher.loyalty_card.pending_points.added",
    "PENDING_POINTS_ACTIVATED": "customer.voucher.loyalty_card.pending_points.activated",
    "PENDING_POINTS_CANCELED": "customer.voucher.loyalty_card.pending_points.canceled",
    "POINTS_SPENT_ON_REWARD": "customer.reward_redemptions.completed",
    "POINTS_SPENT_ON_ORDER": "customer.redemption.succceeded",  # sic: the spec's enum spells it so
    "POINTS_RETURNED": "customer.redemption.rollback.succceeded",
}
"""The v1 member activity each card transaction type stands for (MemberActivity.type)."""
ACTIVITY_ORDERS = ("-created_at", "created_at")


def activity_view(ctx: Mapping[str, Any], card: Mapping[str, Any]) -> dict[str, Any]:
    """A card transaction as the v1 MemberActivity it stands for (the activity id is the transaction's)."""
    data: dict[str, Any] = {"voucher": {"id": card.get("voucher_id"), "code": card.get("code"), "type": "LOYALTY_CARD",
                                        "campaign": card.get("campaign"), "campaign_id": card.get("campaign_id"),
                                        "holder_id": card.get("holder_id"), "created_at": card.get("created_at"),
                                        "object": "voucher"},
                            "customer": {"id": card.get("holder_id"), "object": "customer"},
                            "points": int(((ctx.get("details") or {}).get("points") or {}).get("total", 0))}
    if ctx["type"] in V1_TYPES:
        data["transaction"] = transaction_view(ctx, card.get("voucher_id"))
    return {"id": ctx["id"], "type": ACTIVITY_TYPES[ctx["type"]],
            "data": {"data": data, "event_source": {"channel": "API"}}, "created_at": ctx["created_at"]}


def list_member_activity(db: Table, campaign_ref: str | None, member_ref: str, pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """GET /v1/loyalties[/{campaignId}]/members/{memberId}/activity: a page of one loyalty card's activities, newest first
    (`order=created_at` for oldest first), after `starting_after_id`: each approved card transaction as the member
    activity it stands for (points added, earned, transferred, expired; pending points added, activated, canceled;
    redemptions and their rollbacks)."""
    params = TransactionParams(pairs, (), ACTIVITY_ORDERS)
    card = card_by_code(db, campaign_ref, member_ref)
    items, more = store.card_transactions(
        db, card["id"], params.after, params.order.startswith("-"),
        lambda item: item.get("status") == "APPROVED" and item["data"]["type"] in ACTIVITY_TYPES, params.limit)
    return _transactions_page([activity_view(transaction_from_row(item), card) for item in items], more)
