"""Inputs and results of the earning engine: plain frozen dataclasses, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

ORDER_PAID: Final = "customer.order.paid"
CUSTOM_EVENT: Final = "customer.custom_event"
SEGMENT_ENTERED: Final = "customer.segment.entered"
Trigger = Literal["customer.order.paid", "customer.custom_event", "customer.segment.entered"]

POINTS_EARNED: Final = "POINTS_EARNED"
PENDING_POINTS_ADDED: Final = "PENDING_POINTS_ADDED"


@dataclass(frozen=True)
class Item:
    """One order item as the engine reads it (`ord:OrderItem` / `ord:OrderCalculatedItem`); amounts in minor units."""

    quantity: int | None = None
    price: int | None = None
    amount: int | None = None
    discount_amount: int | None = None
    applied_discount_amount: int | None = None
    subtotal_amount: int | None = None
    product_id: str | None = None
    sku_id: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def line_amount(self) -> int | None:
        """`amount`, else `price * quantity` (`ord:OrderCalculatedItem.amount`), else unknown."""
        if self.amount is not None:
            return self.amount
        if self.price is not None and self.quantity is not None:
            return self.price * self.quantity
        return None

    def subtotal(self) -> int | None:
        """`subtotal_amount`, else the line amount less its applied (or requested) discount (earning-map §1.2)."""
        if self.subtotal_amount is not None:
            return self.subtotal_amount
        amount = self.line_amount()
        if amount is None:
            return None
        discount = self.applied_discount_amount if self.applied_discount_amount is not None else self.discount_amount
        return amount - (discount or 0)


@dataclass(frozen=True)
class Order:
    """The PAID order that fired earning (earning-map §1.2); amounts in minor units (cents)."""

    id: str
    amount: int | None = None
    initial_amount: int | None = None
    discount_amount: int | None = None
    total_amount: int | None = None
    items: tuple[Item, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def pre_discount(self) -> int:
        """`amount`, else the sum of the items' amounts (`ord:OrderCalculated.amount`)."""
        if self.amount is not None:
            return self.amount
        return sum(item.line_amount() or 0 for item in self.items)

    def post_discount(self) -> int:
        """`total_amount`, else `amount - discount_amount - Σ items.discount_amount` (earning-map §1.2, E5)."""
        if self.total_amount is not None:
            return self.total_amount
        items_discount = sum(item.discount_amount or 0 for item in self.items)
        return self.pre_discount() - (self.discount_amount or 0) - items_discount


@dataclass(frozen=True)
class CustomEvent:
    """The tracked custom event (earning-map §1.3); `schema_id` is the `ms_` schema its name resolves to (E18), or None."""

    id: str
    name: str
    schema_id: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Card:
    """One of the member's cards: the target of points effects on its card definition.

    `pending_points_type` is the card definition's `pending_points.type` (it decides the CTX type, earning-map §2.1 step 11);
    `earning_limits` is the card definition's `earning_limits` object, when the caller has it."""

    id: str
    card_definition_id: str
    pending_points_type: str = "IMMEDIATE"
    earning_limits: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Membership:
    """An ACTIVE membership of the customer in an ACTIVE program, with the cards it holds.

    `earning_rule_ids` are the rules assigned to the program (None: every rule given to the engine);
    `tier_ids` are the member's current tiers (None: unknown, so tier-gated earnings cannot be decided)."""

    member_id: str
    program_id: str
    program_name: str
    cards: tuple[Card, ...] = ()
    earning_rule_ids: frozenset[str] | None = None
    tier_ids: frozenset[str] | None = None


@dataclass(frozen=True)
class EarningContext:
    """Everything the engine reads: the trigger and its payload, the customer, the memberships and the time.

    `now` is passed in (a datetime or an ISO 8601 string, never read from a clock); `timezone` is the project's IANA time zone,
    in which validity hours and `$dow` are read (earning-map §2.1 step 4)."""

    trigger: Trigger
    now: datetime | str
    customer_id: str
    customer_metadata: Mapping[str, Any] = field(default_factory=dict)
    order: Order | None = None
    event: CustomEvent | None = None
    segment_id: str | None = None
    memberships: tuple[Membership, ...] = ()
    timezone: str = "UTC"

    def source_id(self) -> str:
        """The id of what fired earning: the order, the custom event or the segment entry."""
        if self.order is not None:
            return self.order.id
        if self.event is not None:
            return self.event.id
        return self.segment_id or ""


@dataclass(frozen=True)
class Earning:
    """Points one effect gives one card: what the writer turns into one CTX, conditioned on `idempotency_key` (earning-map §12)."""

    rule_id: str
    rule_name: str
    earning_id: str
    earning_index: int
    effect_index: int
    effect_type: str
    card_id: str
    card_definition_id: str
    member_id: str
    program_id: str
    points: int
    transaction_type: str
    reason: str
    metadata: Mapping[str, str]
    points_expiration: Mapping[str, Any] | None
    idempotency_key: str
    details: Mapping[str, Any] | None = None  # more card transaction details (a v1 tier-event earning's rule and tier)


@dataclass(frozen=True)
class BenefitGrant:
    """A BENEFIT effect, passed through as data: the writer records its BTX (earning-map §7)."""

    rule_id: str
    earning_id: str
    earning_index: int
    effect_index: int
    benefit_id: str
    member_id: str
    program_id: str
    idempotency_key: str


@dataclass(frozen=True)
class Skip:
    """Why a rule, an earning or an effect gave nothing (for Examine, logs and tests)."""

    rule_id: str
    member_id: str | None
    reason: str
    earning_id: str | None = None
    effect_index: int | None = None


@dataclass(frozen=True)
class Unsupported:
    """A stored feature the engine cannot evaluate: conditions on it evaluated as false, limits left to the writer."""

    rule_id: str
    feature: str
    detail: str
    earning_id: str | None = None
    member_id: str | None = None


@dataclass(frozen=True)
class Evaluation:
    """The engine's answer: points to write, benefits to grant, what gave nothing and what it could not evaluate."""

    earnings: tuple[Earning, ...]
    benefits: tuple[BenefitGrant, ...]
    skipped: tuple[Skip, ...]
    unsupported: tuple[Unsupported, ...]

    def points_by_card(self) -> dict[str, int]:
        """Total points per card id (Examine's `points_estimation`)."""
        totals: dict[str, int] = {}
        for earning in self.earnings:
            totals[earning.card_id] = totals.get(earning.card_id, 0) + earning.points
        return totals
