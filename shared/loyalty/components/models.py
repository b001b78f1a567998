"""Wire models and response builders of the v2 program components: card definitions, earning rules, rewards, tier structures."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    model_validator,
)

from loyalty.components.rules import (
    CostRulesGroup,
    EarningRulesGroup,
    RuleError,
    RulesGroup,
    check_cost_rules,
)
from loyalty.components.scalars import (
    _MONTH_DAYS,
    Amount,
    BenefitId,
    CalendarUnit,
    CampaignId,
    ComponentStatus,
    EventSchemaId,
    Month,
    NotNull,
    OptionalName,
    PeriodUnit,
    ProductId,
    ProductsCollectionId,
    SegmentId,
    SkuId,
    TierId,
    _formula,
    _items_match_type,
    _js_number,
    _json_number,
)
from loyalty.core import codes, ids
from loyalty.core.clock import now_iso
from loyalty.core.fields import (
    CardDefinitionId,
    DateTime,
    Loc,
    Metadata,
    Name,
    NonNegativeInt,
    PositiveInt,
    SpendingId,
    Strict,
    TierStructureId,
    Variants,
    invalid_at,
    unique_items,
)
from loyalty.core.validity import ValidityHours

# ---------------------------------------------------------------------------------------------------------------------
# Shared sub-objects: periods, dates, validity hours, limits
# ---------------------------------------------------------------------------------------------------------------------


class Period(Strict):
    """A `{value, unit}` duration; subclasses narrow the units and cap `value` per unit."""

    value: PositiveInt
    unit: str
    MAXIMA: ClassVar[Mapping[str, int]] = {}

    @model_validator(mode="after")
    def _unit_maximum(self) -> Self:
        top = self.MAXIMA.get(self.unit)
        if top is not None and self.value > top:
            raise invalid_at("value", f"must be less than or equal to {top} when unit is {self.unit}", self.value)
        return self


class ExpirationPeriod(Period):
    """Rolling points expiration period: at most 90 days, 12 months or 5 years."""

    unit: PeriodUnit
    MAXIMA = {"DAY": 90, "MONTH": 12, "YEAR": 5}


class ShortPeriod(Period):
    """Sliding-expiration, pending and cancel period: at most 90 days, 12 months or 1 year."""

    unit: PeriodUnit
    MAXIMA = {"DAY": 90, "MONTH": 12, "YEAR": 1}


class CooldownPeriod(Period):
    """Cooldown period: at most 24 hours, 90 days, 52 weeks, 12 months or 1 year."""

    unit: Literal["HOUR", "DAY", "WEEK", "MONTH", "YEAR"]
    MAXIMA = {"HOUR": 24, "DAY": 90, "WEEK": 52, "MONTH": 12, "YEAR": 1}


class TrackingPeriod(Period):
    """Tier points-earned tracking period: at most 90 days, 52 weeks, 12 months or 5 years."""

    unit: Literal["DAY", "WEEK", "MONTH", "YEAR"]
    MAXIMA = {"DAY": 90, "WEEK": 52, "MONTH": 12, "YEAR": 5}


class TierPeriod(Period):
    """Tier expiration period (days, months or years; no per-unit maximum)."""

    unit: PeriodUnit


class GracePeriod(TierPeriod):
    """Tier downgrade grace period."""

    round_up: NotNull[StrictBool] = None


class CalendarDate(Strict):
    """A recurring day of the year; `day` is limited by the month (29 Feb, 30 Apr/Jun/Sep/Nov)."""

    day: Annotated[StrictInt, Field(ge=1, le=31)]
    month: Month

    @model_validator(mode="after")
    def _day_in_month(self) -> Self:
        top = _MONTH_DAYS.get(self.month, 31)
        if self.day > top:
            raise invalid_at("day", f"must be less than or equal to {top} when month is {self.month}", self.day)
        return self


CalendarDates = Annotated[list[CalendarDate], Field(min_length=1, max_length=20)]


class CurrentPeriod(Strict):
    """The calendar unit a time-based limit resets on."""

    unit: CalendarUnit


class TimeBasedPeriod(Variants):
    """The period of a time-based limit (only `CURRENT_PERIOD` exists)."""

    type: Literal["CURRENT_PERIOD"]
    current_period: CurrentPeriod | None = None
    VARIANTS = {"CURRENT_PERIOD": ("current_period",)}


class Maximum(Strict):
    """`{max}`: the cap of a time-based limit (points or triggers)."""

    max: PositiveInt


class LimitGroup(Strict):
    """`{type: NO_LIMIT|LIMITED, limits}`: `limits` empty/null for NO_LIMIT, one item for LIMITED."""

    type: Literal["NO_LIMIT", "LIMITED"]
    limits: list[Any] | None = None
    AT_LEAST_ONE: ClassVar[bool] = False

    @model_validator(mode="after")
    def _limits_match_type(self) -> Self:
        _items_match_type(self.limits, self.type, "NO_LIMIT", "limits", at_least=self.AT_LEAST_ONE)
        return self


class FixedCooldown(Strict):
    """A fixed cooldown."""

    period: CooldownPeriod


class Cooldown(Variants):
    """Cooldown between triggers or purchases."""

    type: Literal["NO_COOLDOWN", "FIXED_COOLDOWN"]
    fixed_cooldown: FixedCooldown | None = None
    VARIANTS = {"FIXED_COOLDOWN": ("fixed_cooldown",)}


class FrequencyLimit(Strict):
    """At most `triggers.max` triggers (or purchases) per current calendar period."""

    type: Literal["TIME_BASED"]
    period: TimeBasedPeriod
    triggers: Maximum


class Frequency(LimitGroup):
    """How often an earning rule may trigger, or a reward be purchased."""

    limits: Annotated[list[FrequencyLimit], Field(max_length=1)] | None = None


class TriggerLimits(Strict):
    """Cooldown and frequency limits of an earning rule's trigger."""

    cooldown: Cooldown | None = None
    frequency: Frequency | None = None


class PurchaseLimits(TriggerLimits):
    """Cooldown and frequency limits of reward purchases (the same shape as trigger limits)."""


# ---------------------------------------------------------------------------------------------------------------------
# Points expiration (card definitions and earning-rule effects)
# ---------------------------------------------------------------------------------------------------------------------


class Rounding(Variants):
    """Rounding of a rolling expiration date; `value` (a month) only for END_OF_PARTICULAR_MONTH."""

    type: Literal["END_OF_MONTH", "END_OF_QUARTER", "END_OF_HALF_YEAR", "END_OF_YEAR", "END_OF_PARTICULAR_MONTH"]
    value: Month | None = None
    VARIANTS = {"END_OF_PARTICULAR_MONTH": ("value",)}


class RollingExpiration(Strict):
    """Points expire a fixed period after they are earned."""

    period: ExpirationPeriod
    rounding: Rounding | None = None


class CalendarExpiration(Strict):
    """Points expire on fixed calendar dates."""

    expiration_dates: CalendarDates


class SlidingExpiration(Strict):
    """Points expire after a period without the chosen activity."""

    earning_activity: NotNull[StrictBool] = None
    spending_activity: NotNull[StrictBool] = None
    custom_activity: NotNull[StrictBool] = None
    custom_activity_types: list[StrictStr] | None = None
    period: ShortPeriod

    @model_validator(mode="after")
    def _activities(self) -> Self:
        if not (self.earning_activity or self.spending_activity or self.custom_activity):
            raise invalid_at((), "must set at least one of earning_activity, spending_activity or custom_activity to true")
        if self.custom_activity:
            types = self.custom_activity_types or []
            if not 1 <= len(types) <= 10:
                raise invalid_at("custom_activity_types", "must contain 1 to 10 items when custom_activity is true")
            unique_items(types, "custom_activity_types")
        return self


class CardSlidingExpiration(SlidingExpiration):
    """Sliding expiration of a card definition: activity types are custom-event schema ids (at most 10)."""

    custom_activity_types: Annotated[list[EventSchemaId], Field(max_length=10)] | None = None


class PointsExpiration(Variants):
    """Points expiration policy: exactly the sub-object matching `type`."""

    type: Literal["NO_EXPIRATION", "ROLLING_EXPIRATION", "CALENDAR_EXPIRATION", "SLIDING_EXPIRATION"]
    rolling_expiration: RollingExpiration | None = None
    calendar_expiration: CalendarExpiration | None = None
    sliding_expiration: SlidingExpiration | None = None
    VARIANTS = {
        "ROLLING_EXPIRATION": ("rolling_expiration",),
        "CALENDAR_EXPIRATION": ("calendar_expiration",),
        "SLIDING_EXPIRATION": ("sliding_expiration",),
    }


class CardPointsExpiration(PointsExpiration):
    """Points expiration policy of a card definition."""

    sliding_expiration: CardSlidingExpiration | None = None


# ---------------------------------------------------------------------------------------------------------------------
# Card definition
# ---------------------------------------------------------------------------------------------------------------------

DEFAULT_CHARSET = codes.DEFAULT_CHARSET
DEFAULT_CODE_LENGTH = 10
MAX_CODE_LENGTH = codes.MAX_CODE_LENGTH


class CodeConfig(Strict):
    """Card code generation: prefix + pattern (each `#` a random `charset` character) + postfix. A code holds no whitespace,
    control characters or / ? # % \\, has at most 100 characters, and the config allows at least 1,000,000 distinct codes
    (the rule v1 and v2 share: loyalty.core.codes)."""

    length: codes.Length | None = None
    charset: codes.Charset | None = None
    prefix: codes.Affix | None = None
    postfix: codes.Affix | None = None
    pattern: codes.Pattern | None = None

    @model_validator(mode="after")
    def _usable(self) -> Self:
        codes.checked_request(self.shape())
        return self

    def shape(self) -> codes.CodeShape:
        """The codes this config gives (a pattern wins over length; defaults: 10 placeholders, alphanumeric charset)."""
        return codes.CodeShape.of(length=self.length, charset=self.charset, prefix=self.prefix, postfix=self.postfix,
                                  pattern=self.pattern, default_length=DEFAULT_CODE_LENGTH)


class PeriodBased(Strict):
    """Pending points activate after a period."""

    period: ShortPeriod


class FixedDates(Strict):
    """Pending points activate on fixed calendar dates."""

    dates: CalendarDates


class EventBased(Strict):
    """Pending points activate on custom events, or are cancelled after `cancel_period`."""

    event_types: Annotated[list[EventSchemaId], Field(min_length=1, max_length=10)]
    cancel_period: ShortPeriod

    @model_validator(mode="after")
    def _unique_events(self) -> Self:
        unique_items(self.event_types, "event_types")
        return self


class PendingPoints(Variants):
    """Pending points policy: exactly the sub-object matching `type`."""

    type: Literal["IMMEDIATE", "PERIOD_BASED", "FIXED_DATES", "EVENT_BASED"]
    period_based: PeriodBased | None = None
    fixed_dates: FixedDates | None = None
    event_based: EventBased | None = None
    VARIANTS = {"PERIOD_BASED": ("period_based",), "FIXED_DATES": ("fixed_dates",), "EVENT_BASED": ("event_based",)}


class GlobalLimit(Variants):
    """A per-card limit: a total {max}, or `TIME_BASED` {period, points} (subclasses name the total type)."""

    type: str
    max: NotNull[PositiveInt] = None
    period: NotNull[TimeBasedPeriod] = None
    points: NotNull[Maximum] = None


class EarningGlobalLimit(GlobalLimit):
    """A per-card earning limit: `BALANCE_BASED` {max} or `TIME_BASED` {period, points}."""

    type: Literal["BALANCE_BASED", "TIME_BASED"]
    VARIANTS = {"BALANCE_BASED": ("max",), "TIME_BASED": ("period", "points")}


class SpendingGlobalLimit(GlobalLimit):
    """A per-card spending limit: `SPENDING_BASED` {max} or `TIME_BASED` {period, points}."""

    type: Literal["SPENDING_BASED", "TIME_BASED"]
    VARIANTS = {"SPENDING_BASED": ("max",), "TIME_BASED": ("period", "points")}


class EarningTransactionLimit(Variants):
    """A per-transaction earning limit: `POINTS` {max} or `SPENDING` {min_amount}."""

    type: Literal["POINTS", "SPENDING"]
    max: NotNull[PositiveInt] = None
    min_amount: NotNull[PositiveInt] = None
    VARIANTS = {"POINTS": ("max",), "SPENDING": ("min_amount",)}


class SpendingTransactionLimit(Strict):
    """A per-transaction spending limit (only `POINTS` {max})."""

    type: Literal["POINTS"]
    max: PositiveInt


class EarningGlobalLimits(LimitGroup):
    """Per-card earning limits."""

    limits: Annotated[list[EarningGlobalLimit], Field(max_length=1)] | None = None


class EarningTransactionLimits(LimitGroup):
    """Per-transaction earning limits: one or more when LIMITED, each type at most once."""

    limits: list[EarningTransactionLimit] | None = None
    AT_LEAST_ONE = True

    @model_validator(mode="after")
    def _unique_types(self) -> Self:
        unique_items([limit.type for limit in self.limits or []], "limits")
        return self


class SpendingGlobalLimits(LimitGroup):
    """Per-card spending limits."""

    limits: Annotated[list[SpendingGlobalLimit], Field(max_length=1)] | None = None


class SpendingTransactionLimits(LimitGroup):
    """Per-transaction spending limits."""

    limits: Annotated[list[SpendingTransactionLimit], Field(max_length=1)] | None = None


class EarningLimits(Strict):
    """Points earning limits of a card definition."""

    global_: EarningGlobalLimits = Field(alias="global")
    transactions: EarningTransactionLimits


class SpendingLimits(Strict):
    """Points spending limits of a card definition."""

    global_: SpendingGlobalLimits = Field(alias="global")
    transactions: SpendingTransactionLimits


class SpentPointsMethod(Strict):
    """How spent points come back on an order refund."""

    type: Literal["RETURN_POINTS"]
    mode: Literal["REFUND_ALL", "REFUND_ITEM", "REFUND_AMOUNT"]


class EarnedPointsMethod(Variants):
    """How earned points are revoked on an order refund."""

    type: Literal["REVOKE_FROM_PENDING", "REVOKE_FROM_BALANCE"]
    mode: NotNull[Literal["REVOKE_TO_ZERO", "REVOKE_BELOW_ZERO"]] = None
    VARIANTS = {"REVOKE_FROM_BALANCE": ("mode",)}


class MethodGroup(Strict):
    """`{type: NONE|REFUNDABLE, methods}`: `methods` empty/null for NONE, exactly one for REFUNDABLE."""

    type: Literal["NONE", "REFUNDABLE"]
    methods: list[Any] | None = None

    @model_validator(mode="after")
    def _methods_match_type(self) -> Self:
        _items_match_type(self.methods, self.type, "NONE", "methods")
        return self


class SpentPointsRefunds(MethodGroup):
    """Refund policy of points spent on a refunded order."""

    methods: Annotated[list[SpentPointsMethod], Field(max_length=1)] | None = None


class EarnedPointsRefunds(MethodGroup):
    """Refund policy of points earned on a refunded order."""

    methods: Annotated[list[EarnedPointsMethod], Field(max_length=1)] | None = None


class CardRefunds(Strict):
    """Order refund handling of a card definition."""

    spent_points: SpentPointsRefunds
    earned_points: EarnedPointsRefunds


class BalanceSettings(Strict):
    """Card balance settings."""

    allow_negative: StrictBool


class ExchangeRatio(Strict):
    """Points-to-money exchange formula (a string, or a number stored as a string)."""

    formula: Annotated[StrictStr | StrictInt | StrictFloat, BeforeValidator(_formula)]


class PayWithPoints(Variants):
    """Pay-with-points: `NO_PAYMENTS`, or `EXCHANGE_RATIO` with a formula."""

    type: Literal["NO_PAYMENTS", "EXCHANGE_RATIO"]
    exchange_ratio: NotNull[ExchangeRatio] = None
    VARIANTS = {"EXCHANGE_RATIO": ("exchange_ratio",)}


_PENDING_TYPES = ("PERIOD_BASED", "FIXED_DATES", "EVENT_BASED")


class CardDefinitionCreate(Strict):
    """Body of `POST /v2/loyalties/card-definitions` (CardDefinitionCreateRequest)."""

    name: Name
    type: Literal["INDIVIDUAL"]
    status: ComponentStatus | None = None
    code_config: CodeConfig | None = None
    points_expiration: CardPointsExpiration | None = None
    pending_points: PendingPoints | None = None
    earning_limits: EarningLimits | None = None
    spending_limits: SpendingLimits | None = None
    refunds: CardRefunds | None = None
    balance_settings: BalanceSettings | None = None
    pay_with_points: PayWithPoints | None = None
    metadata: Metadata | None = None

    @model_validator(mode="after")
    def _cross_field_rules(self) -> Self:
        allow_negative = self.balance_settings is not None and self.balance_settings.allow_negative
        expiration = self.points_expiration.type if self.points_expiration else "NO_EXPIRATION"
        pending = self.pending_points.type if self.pending_points else "IMMEDIATE"
        if allow_negative and expiration != "NO_EXPIRATION":
            raise invalid_at(("balance_settings", "allow_negative"), "can be true only when points_expiration.type is NO_EXPIRATION", True)
        methods = (self.refunds.earned_points.methods or []) if self.refunds else []
        for index, method in enumerate(methods):
            loc: Loc = ("refunds", "earned_points", "methods", index)
            if method.mode == "REVOKE_BELOW_ZERO" and not allow_negative:
                raise invalid_at((*loc, "mode"), "can be REVOKE_BELOW_ZERO only when balance_settings.allow_negative is true", method.mode)
            if method.type == "REVOKE_FROM_PENDING" and pending not in _PENDING_TYPES:
                raise invalid_at(
                    (*loc, "type"),
                    "can be REVOKE_FROM_PENDING only when pending_points.type is PERIOD_BASED, FIXED_DATES or EVENT_BASED",
                    method.type,
                )
        return self


class CardDefinitionUpdate(Strict):
    """Body of `PUT /v2/loyalties/card-definitions/{id}` (CardDefinitionUpdateRequest): every field optional, `type` and
    `status` not accepted. Given fields replace the stored ones (`null`: the create default; a `null` name: unchanged)."""

    name: Name | None = None
    code_config: CodeConfig | None = None
    points_expiration: CardPointsExpiration | None = None
    pending_points: PendingPoints | None = None
    earning_limits: EarningLimits | None = None
    spending_limits: SpendingLimits | None = None
    refunds: CardRefunds | None = None
    balance_settings: BalanceSettings | None = None
    pay_with_points: PayWithPoints | None = None
    metadata: Metadata | None = None



# ---------------------------------------------------------------------------------------------------------------------
# Earning rule
# ---------------------------------------------------------------------------------------------------------------------


class TriggerCustomEvent(Strict):
    """The custom event that triggers an earning rule."""

    schema_id: EventSchemaId


class TriggerSegment(Strict):
    """The segment whose entry triggers an earning rule."""

    id: SegmentId


class Trigger(Variants):
    """What triggers an earning rule; `custom_event` / `segment` exactly when the event needs them."""

    event: Literal["customer.order.paid", "customer.custom_event", "customer.segment.entered"]
    custom_event: TriggerCustomEvent | None = None
    segment: TriggerSegment | None = None
    SELECTOR = "event"
    VARIANTS = {"customer.custom_event": ("custom_event",), "customer.segment.entered": ("segment",)}


class TierRequirement(Strict):
    """Qualifying tiers of one tier structure."""

    tier_structure_id: TierStructureId
    tier_ids: Annotated[list[TierId], Field(min_length=1)]


class TierRules(Variants):
    """Which tiers may earn: `NO_REQUIREMENTS`, or `ANY_OF` the listed tiers."""

    type: Literal["NO_REQUIREMENTS", "ANY_OF"]
    any_of: Annotated[list[TierRequirement], Field(min_length=1)] | None = None
    VARIANTS = {"ANY_OF": ("any_of",)}


class PointsEffect(Strict):
    """A fixed number of points on a card definition."""

    value: NonNegativeInt
    card_definition_id: CardDefinitionId
    points_expiration: PointsExpiration | None = None


class Every(Strict):
    """'Every `every` gives `value` points'."""

    every: PositiveInt
    value: Amount


class MetadataEvery(Every):
    """'Every `every` of the numeric metadata `property` gives `value` points'."""

    property: Annotated[StrictStr, Field(min_length=1)]


class ApplicableProduct(Strict):
    """A product reference."""

    id: ProductId


class ApplicableSku(Strict):
    """A SKU reference."""

    id: SkuId


class ApplicableCollection(Strict):
    """A products-collection reference."""

    id: ProductsCollectionId


class ApplicableTo(Variants):
    """Which order items count: a product, a SKU or a products collection."""

    type: Literal["product", "sku", "products_collection"]
    product: NotNull[ApplicableProduct] = None
    sku: NotNull[ApplicableSku] = None
    products_collection: NotNull[ApplicableCollection] = None
    VARIANTS = {"product": ("product",), "sku": ("sku",), "products_collection": ("products_collection",)}


class ItemsEvery(Every):
    """'Every X gives Y points' over the matching order items."""

    applicable_to: Annotated[list[ApplicableTo], Field(min_length=1)]


class ProportionalOrder(Strict):
    """Order-based proportional calculation."""

    amount: NotNull[Every] = None
    total_amount: NotNull[Every] = None
    metadata: NotNull[MetadataEvery] = None


class ProportionalMetadata(Strict):
    """Customer- or custom-event-metadata-based proportional calculation."""

    metadata: MetadataEvery


class ProportionalOrderItems(Strict):
    """Order-items-based proportional calculation."""

    amount: NotNull[ItemsEvery] = None
    subtotal_amount: NotNull[ItemsEvery] = None
    quantity: NotNull[ItemsEvery] = None


_PROPORTIONAL_SOURCES: dict[str, tuple[str, str]] = {
    "PRE_DISCOUNT_ORDER_AMOUNT": ("order", "amount"),
    "POST_DISCOUNT_ORDER_AMOUNT": ("order", "total_amount"),
    "ORDER_METADATA_VALUE": ("order", "metadata"),
    "CUSTOMER_METADATA_VALUE": ("customer", "metadata"),
    "CUSTOM_EVENT_METADATA_VALUE": ("custom_event", "metadata"),
    "PRE_DISCOUNT_ORDER_ITEMS_AMOUNT": ("order_items", "amount"),
    "POST_DISCOUNT_ORDER_ITEMS_AMOUNT": ("order_items", "subtotal_amount"),
    "ORDER_ITEMS_QUANTITY": ("order_items", "quantity"),
}


class PointsProportionalEffect(Strict):
    """Points proportional to an amount, a quantity or a metadata value (chosen by `calculation_type`)."""

    calculation_type: Literal[
        "PRE_DISCOUNT_ORDER_AMOUNT",
        "POST_DISCOUNT_ORDER_AMOUNT",
        "PRE_DISCOUNT_ORDER_ITEMS_AMOUNT",
        "POST_DISCOUNT_ORDER_ITEMS_AMOUNT",
        "ORDER_ITEMS_QUANTITY",
        "ORDER_METADATA_VALUE",
        "CUSTOMER_METADATA_VALUE",
        "CUSTOM_EVENT_METADATA_VALUE",
    ]
    card_definition_id: CardDefinitionId
    points_expiration: PointsExpiration | None = None
    order: NotNull[ProportionalOrder] = None
    customer: NotNull[ProportionalMetadata] = None
    custom_event: NotNull[ProportionalMetadata] = None
    order_items: NotNull[ProportionalOrderItems] = None

    @model_validator(mode="after")
    def _source_matches_calculation(self) -> Self:
        kind = self.calculation_type
        container, key = _PROPORTIONAL_SOURCES[kind]
        for other in ("order", "customer", "custom_event", "order_items"):
            if other != container and getattr(self, other) is not None:
                raise invalid_at(other, f"is not allowed when calculation_type is {kind}")
        source = getattr(self, container)
        if source is None:
            raise invalid_at(container, f"is required when calculation_type is {kind}")
        if getattr(source, key) is None:
            raise invalid_at((container, key), f"is required when calculation_type is {kind}")
        return self


class BenefitEffect(Strict):
    """A benefit granted by an earning."""

    id: BenefitId


class Effect(Variants):
    """What an earning gives: exactly the sub-object matching `type`."""

    type: Literal["POINTS", "POINTS_PROPORTIONAL", "BENEFIT"]
    points: NotNull[PointsEffect] = None
    points_proportional: NotNull[PointsProportionalEffect] = None
    benefit: NotNull[BenefitEffect] = None
    VARIANTS = {"POINTS": ("points",), "POINTS_PROPORTIONAL": ("points_proportional",), "BENEFIT": ("benefit",)}


class Earning(Strict):
    """One earning of an earning rule: optional rules and tier rules, and at least one effect."""

    name: OptionalName | None = None
    rules: EarningRulesGroup | None = None
    tier_rules: TierRules | None = None
    effects: Annotated[list[Effect], Field(min_length=1)]


_RULE_PREFIXES: dict[str, tuple[str, ...]] = {
    "customer.order.paid": ("customer.", "order."),
    "customer.custom_event": ("customer.", "custom_event.metadata"),
    "customer.segment.entered": ("customer.",),
}


def _rule_names(group: RulesGroup, loc: Loc) -> list[tuple[Loc, str]]:
    """Every rule `name` in a rules group (nested groups included), with its location."""
    found: list[tuple[Loc, str]] = []
    for key, rule in group.numbered_rules().items():
        if rule.name is not None:
            found.append(((*loc, key, "name"), rule.name))
        if rule.rules is not None:
            found.extend(_rule_names(rule.rules, (*loc, key, "rules")))
    return found


class EarningRuleCreate(Strict):
    """Body of `POST /v2/loyalties/earning-rules` (EarningRuleCreateRequest)."""

    name: Name
    trigger: Trigger
    earnings: Annotated[list[Earning], Field(min_length=1)]
    status: NotNull[ComponentStatus] = None
    error: RuleError | None = None
    validity_hours: ValidityHours | None = None
    start_date: DateTime | None = None
    end_date: DateTime | None = None
    metadata: Metadata | None = None
    trigger_limits: TriggerLimits | None = None

    @model_validator(mode="after")
    def _rule_names_fit_trigger(self) -> Self:
        event = self.trigger.event
        for index, earning in enumerate(self.earnings):
            if earning.rules is None:
                continue
            for loc, name in _rule_names(earning.rules, ("earnings", index, "rules")):
                if not name.startswith(_RULE_PREFIXES[event]):
                    raise invalid_at(loc, f"is not allowed when trigger.event is {event}", name)
        return self


EarningId = Annotated[StrictStr, ids.EARNING.constraint]
RewardCostId = Annotated[StrictStr, ids.REWARD_COST.constraint]


class EarningUpdate(Earning):
    """An earning of an update (EarningRuleEarningUpdate): with the `id` of an existing earning it replaces that one,
    without one it is a new earning."""

    id: NotNull[EarningId] = None


class EarningRuleUpdate(Strict):
    """Body of `PUT /v2/loyalties/earning-rules/{id}` (EarningRuleUpdateRequest): every field optional, `status` not
    accepted. Given fields replace the stored ones; `earnings` replaces the list (existing earnings named by `id`)."""

    name: NotNull[Name] = None
    trigger: NotNull[Trigger] = None
    earnings: NotNull[Annotated[list[EarningUpdate], Field(min_length=1)]] = None
    error: RuleError | None = None
    validity_hours: ValidityHours | None = None
    start_date: DateTime | None = None
    end_date: DateTime | None = None
    metadata: Metadata | None = None
    trigger_limits: TriggerLimits | None = None

    @model_validator(mode="after")
    def _earning_ids_once(self) -> Self:
        unique_items([earning.id for earning in self.earnings or [] if earning.id], "earnings")
        return self


# ---------------------------------------------------------------------------------------------------------------------
# Reward
# ---------------------------------------------------------------------------------------------------------------------


class MaterialProduct(Strict):
    """The product a material reward delivers."""

    id: ProductId


class MaterialSku(Strict):
    """The SKU a material reward delivers."""

    product_id: ProductId
    id: SkuId


class Material(Variants):
    """A material reward: a product or a SKU."""

    type: Literal["PRODUCT", "SKU"]
    product: MaterialProduct | None = None
    sku: MaterialSku | None = None
    VARIANTS = {"PRODUCT": ("product",), "SKU": ("sku",)}


class DiscountCoupons(Strict):
    """A coupon published from a discount campaign."""

    campaign_id: CampaignId


class GiftVouchers(Strict):
    """A gift voucher published from a gift campaign, credited with `balance`."""

    campaign_id: CampaignId
    balance: Annotated[StrictInt | StrictFloat, BeforeValidator(_json_number), Field(ge=0, allow_inf_nan=False), AfterValidator(_js_number)]


class LoyaltyCardPoints(Strict):
    """Points credited to the member's card of a card definition."""

    points: PositiveInt
    card_definition_id: CardDefinitionId


class Digital(Variants):
    """A digital reward: only the sub-object matching `type` may be non-null."""

    type: Literal["DISCOUNT_COUPONS", "GIFT_VOUCHERS", "LOYALTY_CARD_POINTS"]
    discount_coupons: DiscountCoupons | None = None
    gift_vouchers: GiftVouchers | None = None
    loyalty_card_points: LoyaltyCardPoints | None = None
    VARIANTS = {
        "DISCOUNT_COUPONS": ("discount_coupons",),
        "GIFT_VOUCHERS": ("gift_vouchers",),
        "LOYALTY_CARD_POINTS": ("loyalty_card_points",),
    }


class Spending(Strict):
    """The points a cost takes from the card of one card definition."""

    id: NotNull[SpendingId] = None
    name: OptionalName | None = None
    points: PositiveInt
    card_definition_id: CardDefinitionId


class Cost(Strict):
    """One price of a reward: exactly one spending, optionally guarded by rules (no `tier_rules`, spec-map A20).

    A purchase evaluates the rules (purchases/costs.py), so what it could not evaluate is refused here rather than stored
    and never holding: a `logic` that does not parse, a rule with no `name`, a metadata rule with no `property`, nested
    rules groups and the `$from` operator (no documented meaning). `customer.segment` rules are accepted and never hold
    until segments exist (earning-map E22)."""

    rules: NotNull[CostRulesGroup] = None
    spending: Annotated[list[Spending], Field(min_length=1, max_length=1)]

    @model_validator(mode="after")
    def _rules_a_purchase_evaluates(self) -> Self:
        if self.rules is not None:
            check_cost_rules(self.rules, ("rules",))
        return self


class RewardRefunds(Strict):
    """Whether reward purchases can be refunded."""

    type: Literal["NONE", "REFUNDABLE"]


class RewardCreate(Variants):
    """Body of `POST /v2/loyalties/rewards` (RewardCreateRequest)."""

    name: Name
    type: Literal["MATERIAL", "DIGITAL"]
    status: NotNull[ComponentStatus] = None
    validity_hours: ValidityHours | None = None
    start_date: DateTime | None = None
    end_date: DateTime | None = None
    material: Material | None = None
    digital: Digital | None = None
    costs: Annotated[list[Cost], Field(min_length=1, max_length=10)]
    purchase_limits: PurchaseLimits | None = None
    refunds: RewardRefunds | None = None
    metadata: Metadata | None = None
    VARIANTS = {"MATERIAL": ("material",), "DIGITAL": ("digital",)}


class CostUpdate(Cost):
    """A cost of an update (RewardCostUpdateRequest): with the `id` of an existing cost it replaces that one, without
    one it is a new cost."""

    id: NotNull[RewardCostId] = None


class RewardUpdate(Strict):
    """Body of `PUT /v2/loyalties/rewards/{id}` (RewardUpdateRequest): every field optional, `status` not accepted.
    Given fields replace the stored ones; a given `type` needs its own `material`/`digital`; `purchase_limits: null`
    resets the limits; `costs` replaces the list (existing costs named by `id`)."""

    name: NotNull[Name] = None
    type: NotNull[Literal["MATERIAL", "DIGITAL"]] = None
    validity_hours: ValidityHours | None = None
    start_date: DateTime | None = None
    end_date: DateTime | None = None
    material: Material | None = None
    digital: Digital | None = None
    costs: NotNull[Annotated[list[CostUpdate], Field(min_length=1, max_length=10)]] = None
    purchase_limits: PurchaseLimits | None = None
    refunds: RewardRefunds | None = None
    metadata: Metadata | None = None

    @model_validator(mode="after")
    def _cost_ids_once(self) -> Self:
        unique_items([cost.id for cost in self.costs or [] if cost.id], "costs")
        return self


# ---------------------------------------------------------------------------------------------------------------------
# Tier structure
# ---------------------------------------------------------------------------------------------------------------------


class PointBalance(Strict):
    """Tiers follow the balance of a card definition."""

    card_definition_id: CardDefinitionId


class PointEarned(Strict):
    """Tiers follow the points earned on a card definition within a tracking period."""

    card_definition_id: CardDefinitionId
    period: TrackingPeriod
    type: Literal["IMMEDIATELY", "NEXT_TRACKING_PERIOD"]


class FixedDuration(Strict):
    """Tier membership expires after a fixed period."""

    period: TierPeriod


class TierCalendarExpiration(Strict):
    """Tier membership expires on fixed calendar dates."""

    calendar_dates: CalendarDates


class TierSlidingExpiration(Strict):
    """Tier membership expiration slides forward on member activity."""

    earning_activity: NotNull[StrictBool] = None
    spending_activity: NotNull[StrictBool] = None
    custom_activity: NotNull[StrictBool] = None
    custom_activity_types: NotNull[Annotated[list[Annotated[StrictStr, Field(min_length=1)]], Field(max_length=10)]] = None
    period: TierPeriod | None

    @model_validator(mode="after")
    def _unique_types(self) -> Self:
        unique_items(self.custom_activity_types, "custom_activity_types")
        return self


class TierExpiration(Variants):
    """Tier membership expiration: exactly the sub-object matching `type`."""

    type: Literal["NO_RETENTION", "SLIDING_EXPIRATION", "FIXED_DURATION", "CALENDAR_EXPIRATION"]
    fixed_duration: FixedDuration | None = None
    calendar_expiration: TierCalendarExpiration | None = None
    sliding_expiration: TierSlidingExpiration | None = None
    VARIANTS = {
        "FIXED_DURATION": ("fixed_duration",),
        "CALENDAR_EXPIRATION": ("calendar_expiration",),
        "SLIDING_EXPIRATION": ("sliding_expiration",),
    }


class Downgrade(Strict):
    """Downgrade behaviour; no grace period with NO_DOWNGRADE."""

    type: Literal["MULTI_LEVEL", "SINGLE_LEVEL", "NO_DOWNGRADE"]
    grace_period: GracePeriod | None = None

    @model_validator(mode="after")
    def _no_grace_without_downgrade(self) -> Self:
        if self.type == "NO_DOWNGRADE" and self.grace_period is not None:
            raise invalid_at("grace_period", "is not allowed when type is NO_DOWNGRADE")
        return self


class TierStructureCreate(Variants):
    """Body of `POST /v2/loyalties/tier-structures` (TierStructureCreateRequest)."""

    name: Name
    type: Literal["POINT_BALANCE", "POINT_EARNED"]
    point_balance: PointBalance | None = None
    point_earned: PointEarned | None = None
    expiration: TierExpiration | None = None
    downgrade: Downgrade | None = None
    metadata: Metadata | None = None
    status: NotNull[ComponentStatus] = None
    VARIANTS = {"POINT_BALANCE": ("point_balance",), "POINT_EARNED": ("point_earned",)}


# ---------------------------------------------------------------------------------------------------------------------
# Response builders
# ---------------------------------------------------------------------------------------------------------------------


def _dump(model: BaseModel | None) -> Any:
    """A validated sub-object as plain JSON-ready data, unset properties left out (None stays None)."""
    return None if model is None else model.model_dump(by_alias=True, exclude_none=True)


def _metadata(value: Metadata | None) -> dict[str, Any]:
    return copy.deepcopy(value) if value else {}


def _group(group: LimitGroup | MethodGroup | None, field: str, off: str) -> dict[str, Any]:
    """A `{type, limits|methods}` object whose list is always an array."""
    if group is None:
        return {"type": off, field: []}
    items = getattr(group, field) or []
    return {"type": group.type, field: [_dump(item) for item in items]}


def _code_config(config: CodeConfig | None) -> dict[str, Any]:
    shape = (config or CodeConfig()).shape()
    return {"pattern": shape.pattern, "length": shape.placeholders, "charset": shape.charset, "prefix": shape.prefix,
            "postfix": shape.postfix}


def _points_expiration(policy: PointsExpiration | None) -> dict[str, Any]:
    """An expiration policy; a sliding expiration always lists its three flags and its activity types."""
    if policy is None:
        return {"type": "NO_EXPIRATION"}
    out: dict[str, Any] = _dump(policy)
    sliding = policy.sliding_expiration
    if sliding is not None:
        out["sliding_expiration"] = {
            "earning_activity": bool(sliding.earning_activity),
            "spending_activity": bool(sliding.spending_activity),
            "custom_activity": bool(sliding.custom_activity),
            "custom_activity_types": list(sliding.custom_activity_types or []),
            "period": _dump(sliding.period),
        }
    return out


def _pay_with_points(config: PayWithPoints | None) -> dict[str, Any]:
    if config is None or config.exchange_ratio is None:
        return {"type": "NO_PAYMENTS"}
    formula = config.exchange_ratio.formula
    text = formula if isinstance(formula, str) else str(_js_number(formula))
    return {"type": config.type, "exchange_ratio": {"formula": text}}


def _usage_limits(limits: TriggerLimits | None) -> dict[str, Any]:
    """Trigger or purchase limits with the defaults: no cooldown, NO_LIMIT with `limits: []`."""
    cooldown = limits.cooldown if limits else None
    frequency = limits.frequency if limits else None
    return {
        "cooldown": _dump(cooldown) if cooldown else {"type": "NO_COOLDOWN"},
        "frequency": _group(frequency, "limits", "NO_LIMIT"),
    }


def card_definition_object(body: CardDefinitionCreate) -> dict[str, Any]:
    """The stored and returned card definition (CardDefinition) for a validated create request."""
    limits = (body.earning_limits, body.spending_limits)
    refunds = body.refunds
    return {
        "id": ids.CARD_DEFINITION.new(),
        "name": body.name,
        "type": body.type,
        "status": body.status or "DRAFT",
        "code_config": _code_config(body.code_config),
        "points_expiration": _points_expiration(body.points_expiration),
        "pending_points": _dump(body.pending_points) or {"type": "IMMEDIATE"},
        "earning_limits": {
            "global": _group(limits[0].global_ if limits[0] else None, "limits", "NO_LIMIT"),
            "transactions": _group(limits[0].transactions if limits[0] else None, "limits", "NO_LIMIT"),
        },
        "spending_limits": {
            "global": _group(limits[1].global_ if limits[1] else None, "limits", "NO_LIMIT"),
            "transactions": _group(limits[1].transactions if limits[1] else None, "limits", "NO_LIMIT"),
        },
        "refunds": {
            "spent_points": _group(refunds.spent_points if refunds else None, "methods", "NONE"),
            "earned_points": _group(refunds.earned_points if refunds else None, "methods", "NONE"),
        },
        "balance_settings": {"allow_negative": bool(body.balance_settings and body.balance_settings.allow_negative)},
        "pay_with_points": _pay_with_points(body.pay_with_points),
        "metadata": _metadata(body.metadata),
        "created_at": now_iso(),
        "updated_at": None,
        "object": "card_definition",
    }


def _effect(effect: Effect) -> dict[str, Any]:
    """An earning effect; a points-expiration override is written out like a card definition's."""
    out: dict[str, Any] = _dump(effect)
    for key in ("points", "points_proportional"):
        points = getattr(effect, key)
        if points is not None and points.points_expiration is not None:
            out[key]["points_expiration"] = _points_expiration(points.points_expiration)
    return out


def earning_object(earning: Earning, earning_id: str | None = None) -> dict[str, Any]:
    """One stored earning (EarningRuleEarningResponse) with its id (a new `lernei_` one unless given) and default tier rules."""
    return {
        "id": earning_id or ids.EARNING.new(),
        "name": earning.name,
        "rules": _dump(earning.rules),
        "tier_rules": _dump(earning.tier_rules) or {"type": "NO_REQUIREMENTS"},
        "effects": [_effect(effect) for effect in earning.effects],
    }


def earning_rule_object(body: EarningRuleCreate) -> dict[str, Any]:
    """The stored and returned earning rule (EarningRuleResponse) for a validated create request."""
    trigger = body.trigger
    return {
        "id": ids.EARNING_RULE.new(),
        "name": body.name,
        "status": body.status or "DRAFT",
        "earnings": [earning_object(earning) for earning in body.earnings],
        "trigger": {"event": trigger.event, "custom_event": _dump(trigger.custom_event), "segment": _dump(trigger.segment)},
        "error": _dump(body.error),
        "validity_hours": _dump(body.validity_hours) or {"type": "ANY_TIME"},
        "start_date": body.start_date,
        "end_date": body.end_date,
        "trigger_limits": _usage_limits(body.trigger_limits),
        "metadata": _metadata(body.metadata),
        "created_at": now_iso(),
        "updated_at": None,
        "object": "earning_rule",
    }


def cost_object(cost: Cost, cost_id: str | None = None) -> dict[str, Any]:
    """One stored reward cost (RewardCostResponse): its id (a new `lrcst_` one unless given), `rules` only when given,
    spending ids kept when given, else assigned."""
    out: dict[str, Any] = {"id": cost_id or ids.REWARD_COST.new()}
    if cost.rules is not None:
        out["rules"] = _dump(cost.rules)
    out["spending"] = [
        {
            "id": spending.id or ids.COST_SPENDING.new(),
            "name": spending.name,
            "points": spending.points,
            "card_definition_id": spending.card_definition_id,
        }
        for spending in cost.spending
    ]
    return out


def reward_object(body: RewardCreate) -> dict[str, Any]:
    """The stored and returned reward (RewardResponse) for a validated create request."""
    out: dict[str, Any] = {
        "id": ids.REWARD.new(),
        "name": body.name,
        "type": body.type,
        "status": body.status or "DRAFT",
        "start_date": body.start_date,
        "end_date": body.end_date,
        "validity_hours": _dump(body.validity_hours) or {"type": "ANY_TIME"},
    }
    if body.type == "MATERIAL":
        out["material"] = _dump(body.material)
    else:
        out["digital"] = _dump(body.digital)
    out.update(
        refunds=_dump(body.refunds) or {"type": "NONE"},
        costs=[cost_object(cost) for cost in body.costs],
        purchase_limits=_usage_limits(body.purchase_limits),
        metadata=_metadata(body.metadata),
        created_at=now_iso(),
        updated_at=None,
        object="reward",
    )
    return out


def _tier_expiration(expiration: TierExpiration | None) -> dict[str, Any]:
    if expiration is None:
        return {"type": "NO_RETENTION"}
    out: dict[str, Any] = _dump(expiration)
    if expiration.sliding_expiration is not None:
        out["sliding_expiration"].setdefault("custom_activity_types", [])
    return out


def tier_structure_object(body: TierStructureCreate) -> dict[str, Any]:
    """The stored and returned tier structure (TierStructure) for a validated create request."""
    out: dict[str, Any] = {"id": ids.TIER_STRUCTURE.new(), "name": body.name, "type": body.type}
    if body.type == "POINT_BALANCE":
        out["point_balance"] = _dump(body.point_balance)
    else:
        out["point_earned"] = _dump(body.point_earned)
    out.update(
        expiration=_tier_expiration(body.expiration),
        downgrade=_dump(body.downgrade) or {"type": "NO_DOWNGRADE"},
        metadata=_metadata(body.metadata),
        status=body.status or "DRAFT",
        created_at=now_iso(),
        updated_at=None,
        object="tier_structure",
    )
    return out
