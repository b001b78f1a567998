"""Request body of `POST /v2/loyalties/examine/earning-rules` (`v2:ExamineEarningRulesRequest`, earning-map §10.1): the
trigger to examine, who is examined, and the hypothetical order, segment entry or custom event, strictly as the spec draws
them; and the engine records the order and the event become."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Self

from pydantic import Field, PlainValidator, StrictStr, ValidationError, ValidatorFunctionWrapHandler, WithJsonSchema, WrapValidator, model_validator

from loyalty.components.scalars import NotNull
from loyalty.core.fields import MAX_SAFE_INT, CustomerId, Metadata, Strict, Variants, invalid_at
from loyalty.core.ids import MEMBER
from loyalty.earning import records
from loyalty.earning.records import CUSTOM_EVENT, ORDER_PAID, SEGMENT_ENTERED
from loyalty.members.records import Card

MAX_ITEMS = 500
MAX_TEXT = 255
EXAMINED = "examine"
"""The id of the hypothetical order or event (the engine keys effects by it; Examine writes none)."""


def _allowed(*values: str) -> WrapValidator:
    """Voucherify's wording for a value outside an enum ("must be equal to one of the allowed values [ A, B ]")."""

    def check(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError:
            raise ValueError(f"must be equal to one of the allowed values [ {', '.join(values)} ]") from None

    return WrapValidator(check)


Event = Annotated[Literal["customer.order.paid", "customer.segment.entered", "customer.custom_event"],
                  _allowed(ORDER_PAID, SEGMENT_ENTERED, CUSTOM_EVENT)]
Mode = Annotated[Literal["ALL", "SPECIFIC"], _allowed("ALL", "SPECIFIC")]
IdentificationType = Annotated[Literal["customer_id", "customer_source_id", "member_id"],
                               _allowed("customer_id", "customer_source_id", "member_id")]
RelatedObject = Annotated[Literal["product", "sku"], _allowed("product", "sku")]
MemberId = Annotated[StrictStr, MEMBER.constraint]
SchemaId = Annotated[StrictStr, Field(pattern=r"^ms_[a-zA-Z0-9]+$", max_length=64)]
Text = Annotated[StrictStr, Field(max_length=MAX_TEXT)]


def _whole(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 16 else None


def _integer(minimum: int) -> PlainValidator:
    """An integer ≥ `minimum` given as a JSON integer or a string of digits (the spec's `string | number`)."""
    message = f"must be an integer of at least {minimum} (a number, or a string of digits), at most {MAX_SAFE_INT}"

    def check(value: Any) -> int:
        number = value if isinstance(value, int) and not isinstance(value, bool) else _whole(value) if isinstance(value, str) else None
        if number is None or not minimum <= number <= MAX_SAFE_INT:
            raise ValueError(message)
        return number

    return PlainValidator(check)


def _integer_schema(minimum: int) -> WithJsonSchema:
    return WithJsonSchema({"anyOf": [{"type": "integer", "minimum": minimum, "maximum": MAX_SAFE_INT},
                                     {"type": "string", "pattern": "^[0-9]{1,16}$"}]})


Amount = Annotated[int, _integer(0), _integer_schema(0)]
"""A non-negative amount in the smallest currency unit, as a number or a string of digits."""
Quantity = Annotated[int, _integer(1), _integer_schema(1)]


def _reference(value: Any) -> str:
    """A string, or a number written as JavaScript writes it (`12`, `12.5`): ids the spec lets be either."""
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise ValueError(f"must be at most {MAX_TEXT} characters")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or (isinstance(value, float) and not math.isfinite(value)):
        raise ValueError("must be a string or a number")
    if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_SAFE_INT:
        return str(int(value))
    return str(value) if isinstance(value, int) else repr(value)


Reference = Annotated[str, PlainValidator(_reference),
                      WithJsonSchema({"anyOf": [{"type": "string", "maxLength": MAX_TEXT}, {"type": "number"}]})]
"""An id given as a string or a number (read as text)."""


def _source_id(value: Any) -> str:
    text = _reference(value)
    if not text:
        raise ValueError("must not be empty")
    return text


SourceRef = Annotated[str, PlainValidator(_source_id),
                      WithJsonSchema({"anyOf": [{"type": "string", "minLength": 1, "maxLength": MAX_TEXT}, {"type": "number"}]})]


# ---------------------------------------------------------------------------------------------- trigger and who
class ExamineEarningRulesTriggerSpecific(Strict):
    """`trigger.specific`: the one event examined."""

    event: Event


class ExamineEarningRulesTrigger(Variants):
    """`trigger`: `ALL` events (no `specific`) or one `SPECIFIC` event."""

    VARIANTS = {"ALL": (), "SPECIFIC": ("specific",)}
    type: Mode
    specific: ExamineEarningRulesTriggerSpecific | None = None


class ExamineCustomerIdentification(Variants):
    """`customer_identification`: the customer by id or source id (all their programs), or a member (that program only)."""

    VARIANTS = {"customer_id": ("customer_id",), "customer_source_id": ("customer_source_id",), "member_id": ("member_id",)}
    type: IdentificationType
    customer_id: CustomerId | None = None
    customer_source_id: SourceRef | None = None
    member_id: MemberId | None = None

    def reference(self) -> str:
        """The id the caller named (what a 404 repeats)."""
        return str(self.customer_id or self.customer_source_id or self.member_id)


# ---------------------------------------------------------------------------------------------- contexts
class ExamineMetadataOverride(Strict):
    """`customer` / `member`: metadata merged over the stored record's for this examination only."""

    metadata: Metadata | None = None


class ExamineEarningRulesOrderItemProduct(Strict):
    """`items[].product`."""

    id: Reference | None = None
    source_id: Reference | None = None
    price: Amount | None = None


class ExamineEarningRulesOrderItemSku(Strict):
    """`items[].sku`."""

    id: Reference | None = None
    source_id: Reference | None = None
    price: Amount | None = None


class ExamineEarningRulesOrderItem(Strict):
    """`order.items[]`: a hypothetical line."""

    id: Text | None = None
    source_id: Reference | None = None
    product_id: Reference | None = None
    sku_id: Reference | None = None
    related_object: RelatedObject | None = None
    amount: Amount | None = None
    discount_amount: Amount | None = None
    quantity: Quantity | None = None
    price: Amount | None = None
    product: ExamineEarningRulesOrderItemProduct | None = None
    sku: ExamineEarningRulesOrderItemSku | None = None
    metadata: Metadata | None = None

    def record(self) -> records.Item:
        """The line as the engine reads it: products and SKUs matched by id (earning-map E23)."""
        return records.Item(quantity=self.quantity, price=self.price, amount=self.amount, discount_amount=self.discount_amount,
                            product_id=self.product_id or (self.product.id if self.product else None),
                            sku_id=self.sku_id or (self.sku.id if self.sku else None), metadata=dict(self.metadata or {}))


class ExamineEarningRulesOrder(Strict):
    """`order`: the hypothetical order."""

    amount: Amount | None = None
    initial_amount: Amount | None = None
    discount_amount: Amount | None = None
    items: Annotated[list[ExamineEarningRulesOrderItem], Field(max_length=MAX_ITEMS)] | None = None
    metadata: Metadata | None = None

    def record(self) -> records.Order:
        """The order as the engine reads it (earning-map E5: the pre-discount amount is `amount`, the post-discount one
        `amount - discount_amount - Σ items.discount_amount`)."""
        return records.Order(id=EXAMINED, amount=self.amount, initial_amount=self.initial_amount, discount_amount=self.discount_amount,
                             items=tuple(item.record() for item in self.items or ()), metadata=dict(self.metadata or {}))


class ExamineContext(Strict):
    """The `customer` and `member` overrides every context may carry."""

    customer: NotNull[ExamineMetadataOverride] = None
    member: NotNull[ExamineMetadataOverride] = None

    def customer_metadata(self) -> dict[str, Any]:
        """The customer metadata overrides given (empty when none)."""
        return dict(self.customer.metadata or {}) if self.customer else {}


class ExamineEarningRulesCustomerOrderPaid(ExamineContext):
    """`customer_order_paid`."""

    order: NotNull[ExamineEarningRulesOrder] = None


class ExamineEarningRulesCustomerSegmentEntered(ExamineContext):
    """`customer_segment_entered`."""


class ExamineEarningRulesCustomEventAll(Strict):
    """`customer_custom_event.all.custom_event`: event metadata for every custom event examined."""

    metadata: Metadata | None = None


class ExamineEarningRulesCustomEventSpecific(Strict):
    """`customer_custom_event.specific.custom_event`: the event's schema and metadata."""

    schema_id: SchemaId
    metadata: Metadata | None = None


class ExamineEarningRulesCustomerCustomEventAll(ExamineContext):
    """`customer_custom_event.all`."""

    custom_event: NotNull[ExamineEarningRulesCustomEventAll] = None


class ExamineEarningRulesCustomerCustomEventSpecific(ExamineContext):
    """`customer_custom_event.specific`."""

    custom_event: ExamineEarningRulesCustomEventSpecific


class ExamineEarningRulesCustomerCustomEvent(Variants):
    """`customer_custom_event`: `ALL` custom events (`all`) or one (`specific`, by schema id)."""

    VARIANTS = {"ALL": ("all",), "SPECIFIC": ("specific",)}
    type: Mode
    all: ExamineEarningRulesCustomerCustomEventAll | None = None
    specific: ExamineEarningRulesCustomerCustomEventSpecific | None = None

    def context(self) -> ExamineContext:
        """The chosen variant's context."""
        chosen = self.all if self.type == "ALL" else self.specific
        assert chosen is not None
        return chosen

    def metadata(self) -> dict[str, Any]:
        """The event metadata given."""
        event = self.all.custom_event if self.all else self.specific.custom_event if self.specific else None
        return dict(event.metadata or {}) if event else {}


CONTEXTS = {ORDER_PAID: "customer_order_paid", SEGMENT_ENTERED: "customer_segment_entered", CUSTOM_EVENT: "customer_custom_event"}


class ExamineEarningRulesRequest(Strict):
    """`v2:ExamineEarningRulesRequest`: a SPECIFIC trigger takes exactly its context; ALL takes any of them; `member`
    overrides only when a member is identified."""

    trigger: ExamineEarningRulesTrigger
    customer_identification: ExamineCustomerIdentification
    customer_order_paid: NotNull[ExamineEarningRulesCustomerOrderPaid] = None
    customer_segment_entered: NotNull[ExamineEarningRulesCustomerSegmentEntered] = None
    customer_custom_event: NotNull[ExamineEarningRulesCustomerCustomEvent] = None

    @model_validator(mode="after")
    def _contexts(self) -> Self:
        specific = self.trigger.specific
        if specific is not None:
            wanted = CONTEXTS[specific.event]
            if getattr(self, wanted) is None:
                raise invalid_at(wanted, f"is required when trigger.specific.event is {specific.event}")
            for name in CONTEXTS.values():
                if name != wanted and getattr(self, name) is not None:
                    raise invalid_at(name, f"is not allowed when trigger.specific.event is {specific.event}")
        if self.customer_identification.type != "member_id":
            for loc, context in self._overrides():
                if context.member is not None:
                    raise invalid_at((*loc, "member"), "is allowed only when customer_identification.type is member_id")
        return self

    def _overrides(self) -> list[tuple[tuple[str, ...], ExamineContext]]:
        found: list[tuple[tuple[str, ...], ExamineContext]] = []
        if self.customer_order_paid is not None:
            found.append(((CONTEXTS[ORDER_PAID],), self.customer_order_paid))
        if self.customer_segment_entered is not None:
            found.append(((CONTEXTS[SEGMENT_ENTERED],), self.customer_segment_entered))
        if self.customer_custom_event is not None:
            event = self.customer_custom_event
            found.append(((CONTEXTS[CUSTOM_EVENT], "all" if event.type == "ALL" else "specific"), event.context()))
        return found

    def examined(self) -> tuple[str, ...]:
        """The triggers to evaluate: the SPECIFIC one, or all three."""
        specific = self.trigger.specific
        return (specific.event,) if specific is not None else (ORDER_PAID, SEGMENT_ENTERED, CUSTOM_EVENT)


# ---------------------------------------------------------------------------------------------- examine rewards
class ExamineRewardsRequest(ExamineContext):
    """`v2:ExamineRewardsRequest`: who is examined, with `customer` and `member` metadata overrides (`member` only when a
    member is identified)."""

    customer_identification: ExamineCustomerIdentification

    @model_validator(mode="after")
    def _member_override(self) -> Self:
        if self.member is not None and self.customer_identification.type != "member_id":
            raise invalid_at("member", "is allowed only when customer_identification.type is member_id")
        return self


@dataclass(frozen=True)
class Estimation:
    """One reward on one card: the cost examined and why it cannot be bought now (none: AVAILABLE)."""

    reward_id: str
    card_id: str
    points: int
    reasons: tuple[tuple[str, dict[str, Any]], ...]


@dataclass
class RewardsMembership:
    """An examined membership: the member, its program, its cards and its estimations."""

    member: dict[str, Any]
    program: dict[str, Any]
    cards: list[Card]
    estimations: list[Estimation] = field(default_factory=list)
