"""A v1 campaign's loyalty cards as lists: the members list (cards as vouchers), the campaign's and a card's transactions
(in the v1 transaction shape), and a card's activities."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from loyalty.core.clock import normalize_iso
from loyalty.core.errors import LoyaltyError
from loyalty.customers import service as customers
from loyalty.db.table import Table
from loyalty.members.store import card_from_row
from loyalty.v1 import store
from loyalty.v1.lookup import require_campaign, voucher_view

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
MAX_PAGE = 100  # as the other v1 lists (list_earning_rules_v1, list_orders)


def invalid_query(details: str) -> LoyaltyError:
    """400 `invalid_query_params`."""
    return LoyaltyError(400, "invalid_query_params", "Invalid query params", details)


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
            if name in seen:
                raise invalid_query(f"Query parameter '{name}' is given more than once")
            seen.add(name)
            if name == "limit":
                self.limit = _number(name, value, MAX_LIMIT)
            elif name == "page":
                self.page = _number(name, value, MAX_PAGE)
            elif name == "order":
                if value not in orders:
                    raise invalid_query(f"Query parameter 'order' must be one of: {', '.join(orders)}")
                self.order = value
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
        return _members_page([voucher_view(card, base) for card in cards], total)
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
    return _members_page([voucher_view(card, base) for card in params.window(kept)], len(kept))


def _members_page(vouchers: list[dict[str, Any]], total: int) -> dict[str, Any]:
    return {"object": "list", "data_ref": "vouchers", "vouchers": vouchers, "total": total}
