"""Stored orders: what an order item holds (the order as sent, merged over its updates, and the internal earning marks), and
the order as the earning engine reads it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from loyalty.earning import records as engine


class OrderData(TypedDict, total=False):
    """An order as stored in its item's `data`: the fields the client sent (merged over updates; items replaced as a whole,
    with each item's `price` and `amount` filled in where the request left them out) and its ids and timestamps.
    `amount` is None when the client never sent one (the view and the engine then sum the items)."""

    id: str
    source_id: str | None
    status: str
    amount: int | None
    initial_amount: int | None
    discount_amount: int | None
    items: list[dict[str, Any]]
    metadata: dict[str, Any]
    customer_id: str | None
    referrer_id: str | None
    created_at: str
    updated_at: str | None


class Order(OrderData, total=False):
    """An order as `store.get_order` reads it: its data, the item's version, and the internal marks of earning.

    `paid_at` is set once, the first time the order entered PAID (its EvaluateEarning job was stored with it);
    `canceled_at` is set once, when an order that has `paid_at` entered CANCELED (its RevokeOrderEarning job was stored
    with it). Neither is ever cleared, so a repeat PAID, CANCELED -> PAID or a second cancel earns and revokes nothing."""

    version: int
    paid_at: str | None
    canceled_at: str | None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _id(item: Mapping[str, Any], field: str, nested: str) -> str | None:
    if item.get(field):
        return str(item[field])
    sub = item.get(nested)
    return str(sub["id"]) if isinstance(sub, Mapping) and sub.get("id") else None


def engine_item(item: Mapping[str, Any]) -> engine.Item:
    """A stored order item as the engine reads it: product and SKU matched by Voucherify id only (earning-map E23)."""
    return engine.Item(
        quantity=_int(item.get("quantity")), price=_int(item.get("price")), amount=_int(item.get("amount")),
        discount_amount=_int(item.get("discount_amount")),
        product_id=_id(item, "product_id", "product"), sku_id=_id(item, "sku_id", "sku"),
        metadata=dict(item.get("metadata") or {}),
    )


def engine_order(order: OrderData) -> engine.Order:
    """A stored order as the engine reads it (`total_amount` is left to the engine's E5 rule, which the view shares)."""
    return engine.Order(
        id=order["id"], amount=order.get("amount"), initial_amount=order.get("initial_amount"),
        discount_amount=order.get("discount_amount"), items=tuple(engine_item(i) for i in order.get("items") or ()),
        metadata=dict(order.get("metadata") or {}),
    )
