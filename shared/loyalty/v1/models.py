"""v1 request bodies: loyalty campaigns, add member (publish a card), card balance updates and campaign earning rules."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, StrictFloat, StrictInt, StrictStr, field_validator, model_validator

from loyalty.components.scalars import NotNull
from loyalty.core import codes
from loyalty.core.fields import (
    MAX_SAFE_INT,
    Bool,
    DateTime,
    Loc,
    Metadata,
    NonNegativeInt,
    PositiveInt,
    Strict,
    TimeOfDay,
    invalid_at,
)
from loyalty.customers.models import MemberCustomer, Short, SourceId, Text, iso_date

MAX_CODE_LENGTH = codes.MAX_CODE_LENGTH
DEFAULT_CODE_LENGTH = 8
DEFAULT_CHARSET = codes.DEFAULT_CHARSET
_DURATION = re.compile(r"P(?!$)(\d{1,6}Y)?(\d{1,6}M)?(\d{1,6}W)?(\d{1,6}D)?(T(?=\d)(\d{1,9}H)?(\d{1,9}M)?(\d{1,9}S)?)?")


# ---------------------------------------------------------------------------------------------- scalars
def _date_or_datetime(value: str) -> str:
    """A `YYYY-MM-DD` date, or an ISO 8601 date-time reduced to its UTC date (what the SDK sends)."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return iso_date(value)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("cannot be recognized as a ISO-8601 compliant date") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
    return parsed.date().isoformat()


def duration_parts(value: str) -> tuple[int, int, timedelta]:
    """An ISO 8601 duration as (years, months, the rest); ValueError when it is not one."""
    match = _DURATION.fullmatch(value)
    if match is None:
        raise ValueError("must be an ISO 8601 duration, e.g. P1D or PT1H")
    y, mo, w, d, _, h, mi, s = (int(g[:-1]) if g and not g.startswith("T") else 0 for g in match.groups())
    return y, mo, timedelta(weeks=w, days=d, hours=h, minutes=mi, seconds=s)


def _duration(value: str) -> str:
    years, months, rest = duration_parts(value)
    if years * 366 + months * 31 + rest.total_seconds() / 86400 > 100 * 366:
        raise ValueError("must not be longer than 100 years")
    return value


def _code(value: str) -> str:
    if codes.unsafe_in_code(value):
        raise ValueError(f"must not contain {codes.UNSAFE_DESCRIPTION}")
    return value


DateLike = Annotated[StrictStr, AfterValidator(_date_or_datetime)]
Duration = Annotated[StrictStr, Field(max_length=64), AfterValidator(_duration)]
CampaignName = Annotated[StrictStr, Field(min_length=1, max_length=200)]
Code = Annotated[StrictStr, Field(min_length=1, max_length=MAX_CODE_LENGTH), AfterValidator(_code)]
DayOfWeek = Annotated[StrictInt, Field(ge=0, le=6)]
Points = Annotated[StrictInt, Field(ge=-MAX_SAFE_INT, le=MAX_SAFE_INT)]


# ---------------------------------------------------------------------------------------------- customers
# ---------------------------------------------------------------------------------------------- campaigns
class ValidityTimeframe(Strict):
    """Recurring validity: active for `duration` every `interval`."""

    interval: Duration
    duration: Duration


class DailyWindow(Strict):
    """One daily validity window."""

    start_time: TimeOfDay
    days_of_week: Annotated[list[DayOfWeek], Field(min_length=1, max_length=7)]
    expiration_time: TimeOfDay


class ValidityHours(Strict):
    """Happy-hours style validity."""

    daily: Annotated[list[DailyWindow], Field(min_length=1, max_length=10)]


class ExpirationRules(Strict):
    """How earned points expire (stored and returned; not enforced by this server)."""

    period_type: Literal["FIXED_DAY_OF_YEAR", "MONTH"]
    period_value: Annotated[StrictInt, Field(ge=1, le=1200)] | None = None
    rounding_type: Literal["END_OF_MONTH", "END_OF_QUARTER", "END_OF_HALF_YEAR", "END_OF_YEAR", "PARTICULAR_MONTH"] | None = None
    rounding_value: Annotated[StrictInt, Field(ge=0, le=12)] | None = None
    fixed_month: Annotated[StrictInt, Field(ge=1, le=12)] | None = None
    fixed_day: Annotated[StrictInt, Field(ge=1, le=31)] | None = None


class CampaignLoyaltyCard(Strict):
    """`voucher.loyalty_card`: the points every new card starts with."""

    points: NonNegativeInt
    expiration_rules: ExpirationRules | None = None


class VoucherRedemption(Strict):
    """`voucher.redemption`: how many times a card may be redeemed (null = unlimited)."""

    quantity: PositiveInt | None = None


class CodeConfig(Strict):
    """How card codes are generated: prefix + pattern ('#' = a random charset character) + postfix. A code holds no whitespace,
    control characters or / ? # % \\, has at most 100 characters, and the config allows at least 1,000,000 distinct codes
    (the rule v1 and v2 share: loyalty.core.codes)."""

    length: codes.Length | Annotated[StrictFloat, Field(ge=1, le=MAX_CODE_LENGTH)] | None = None
    charset: codes.Charset | None = None
    prefix: codes.Affix | None = None
    postfix: codes.Affix | None = None
    pattern: codes.Pattern | None = None
    initial_count: NonNegativeInt | None = None

    @model_validator(mode="after")
    def _usable(self) -> CodeConfig:
        if isinstance(self.length, float) and not self.length.is_integer():
            raise invalid_at("length", "must be a whole number", self.length)
        codes.checked_request(self.shape())
        return self

    def shape(self) -> codes.CodeShape:
        """The codes this config gives (a pattern wins over length; defaults: 8 placeholders, alphanumeric charset)."""
        return codes.CodeShape.of(length=self.length, charset=self.charset, prefix=self.prefix, postfix=self.postfix,
                                  pattern=self.pattern, default_length=DEFAULT_CODE_LENGTH)

    def normalized(self) -> dict[str, Any]:
        """The stored form: explicit length, charset and pattern (length = number of '#')."""
        shape = self.shape()
        out: dict[str, Any] = {"length": shape.placeholders, "charset": shape.charset, "pattern": shape.pattern}
        for name in ("prefix", "postfix", "initial_count"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out


class CampaignLoyaltyVoucher(Strict):
    """`voucher` of a loyalty campaign: the template of every card it issues."""

    type: Literal["LOYALTY_CARD"]
    loyalty_card: CampaignLoyaltyCard
    redemption: VoucherRedemption | None = None
    code_config: CodeConfig | None = None


class AreaIds(Strict):
    """Area / store ids of access settings."""

    areas_ids: Annotated[list[Short], Field(max_length=100)] | None = None
    area_stores_ids: Annotated[list[Short], Field(max_length=100)] | None = None
    area_all_stores_ids: Annotated[list[Short], Field(max_length=100)] | None = None

    def empty(self) -> bool:
        """True when no id is named."""
        return not (self.areas_ids or self.area_stores_ids or self.area_all_stores_ids)


class AccessSettings(Strict):
    """Area/store restrictions (accepted only when empty: this server has no areas or stores)."""

    assign: AreaIds | None = None
    unassign: AreaIds | None = None


class TiersStartDate(Strict):
    """`loyalty_tiers_expiration.start_date`."""

    type: Literal["IMMEDIATE", "NEXT_PERIOD"]


class TiersRounding(Strict):
    """`loyalty_tiers_expiration.expiration_date.rounding`."""

    type: Literal["MONTH", "QUARTER", "HALF_YEAR", "YEAR", "CUSTOM"] | None = None
    strategy: Literal["START", "END"] | None = None
    unit: Literal["MONTH"] | None = None
    value: Annotated[StrictInt, Field(ge=0, le=1200)] | None = None


class TiersExpirationDate(Strict):
    """`loyalty_tiers_expiration.expiration_date`."""

    type: Literal["END_OF_PERIOD", "END_OF_NEXT_PERIOD", "BALANCE_DROP", "CUSTOM"]
    extend: Duration
    rounding: TiersRounding | None = None


class LoyaltyTiersExpiration(Strict):
    """Tier expiration settings (stored and returned; v1 tiers are not implemented)."""

    qualification_type: Literal["BALANCE", "POINTS_IN_PERIOD"]
    qualification_period: Literal["MONTH", "QUARTER", "HALF_YEAR", "YEAR"] | None = None
    start_date: TiersStartDate
    expiration_date: TiersExpirationDate


class _CampaignSettings(Strict):
    """The settings a campaign create and a campaign update share: given fields replace the campaign's."""

    description: Text | None = None
    join_once: Bool | None = None
    auto_join: Bool | None = None
    start_date: DateTime | None = None
    expiration_date: DateTime | None = None
    validity_timeframe: ValidityTimeframe | None = None
    validity_day_of_week: Annotated[list[DayOfWeek], Field(max_length=7)] | None = None
    validity_hours: ValidityHours | None = None
    activity_duration_after_publishing: Duration | None = None
    category_id: Short | None = None
    category: Short | None = None
    metadata: Metadata | None = None
    access_settings: AccessSettings | None = None
    loyalty_tiers_expiration: LoyaltyTiersExpiration | None = None

    @model_validator(mode="after")
    def _distinct_days(self) -> _CampaignSettings:
        if self.validity_day_of_week is not None and len(set(self.validity_day_of_week)) != len(self.validity_day_of_week):
            raise ValueError("'validity_day_of_week' must not contain duplicates")
        return self


class LoyaltyCampaignCreate(_CampaignSettings):
    """POST /v1/loyalties (LoyaltiesCreateCampaignRequestBody, plus `description` which the SDK sends)."""

    name: CampaignName
    type: Literal["AUTO_UPDATE", "STATIC", "STANDALONE"] | None = None
    campaign_type: Literal["LOYALTY_PROGRAM"] | None = None
    use_voucher_metadata_schema: Bool | None = None
    vouchers_count: Annotated[StrictInt, Field(ge=0, le=MAX_SAFE_INT)] | None = None
    voucher: CampaignLoyaltyVoucher

    @model_validator(mode="after")
    def _rules(self) -> LoyaltyCampaignCreate:
        if self.start_date and self.expiration_date and self.expiration_date <= self.start_date:
            raise ValueError("'expiration_date' must be after 'start_date'")
        if self.validity_timeframe is not None and self.start_date is None:
            raise ValueError("'start_date' is required when 'validity_timeframe' is given")
        return self


class UpdateOptions(Strict):
    """`options` of a campaign update."""

    recalculate_tiers: Bool | None = None


class LoyaltyCampaignUpdate(_CampaignSettings):
    """PUT /v1/loyalties/{campaignId} (LoyaltiesUpdateCampaignRequestBody, plus the `loyalty_card` of its example): the
    given fields replace the campaign's; `null` clears an optional one."""

    type: Literal["AUTO_UPDATE", "STATIC"] | None = None
    unset_metadata_fields: Annotated[list[Short], Field(max_length=100)] | None = None
    loyalty_card: CampaignLoyaltyCard | None = None
    options: UpdateOptions | None = None


CampaignsOrder = Literal["created_at", "-created_at", "updated_at", "-updated_at"]
"""`order` of GET /v1/loyalties (ParameterOrderListCampaigns)."""
CampaignsExpand = Literal["category", "access_settings_assignments"]
"""`expand` of GET /v1/loyalties (ParameterExpandListCampaigns): both are always in the answer."""


# ---------------------------------------------------------------------------------------------- members
class MemberAdd(Strict):
    """POST /v1/loyalties/{campaignId}/members: publish a loyalty card to a customer."""

    customer: MemberCustomer
    voucher: Code | None = None
    source_id: SourceId | None = None
    metadata: Metadata | None = None
    channel: Short | None = None

    @field_validator("customer", mode="before")
    @classmethod
    def _customer_string(cls, value: Any) -> Any:
        """A string names the customer: `cust_…` is an id, anything else a source id (spec-map A22)."""
        if isinstance(value, str):
            if not value or len(value) > 255:
                raise ValueError("must be a customer id, a source id (1-255 characters) or an object")
            return {"id": value} if value.startswith("cust_") else {"source_id": value}
        return value


class BalanceUpdate(Strict):
    """POST /v1/loyalties/{campaignId}/members/{memberId}/balance: add (+) or remove (-) points."""

    points: Points
    expiration_type: Literal["PROGRAM_RULES", "CUSTOM_DATE", "NON_EXPIRING"] | None = None
    expiration_date: DateLike | None = None
    reason: Short | None = None
    source_id: SourceId | None = None

    @model_validator(mode="after")
    def _rules(self) -> BalanceUpdate:
        if self.points == 0:
            raise ValueError("'points' must not be 0")
        if self.points < 0 and (self.expiration_type is not None or self.expiration_date is not None):
            raise ValueError("'expiration_type' and 'expiration_date' apply only when adding points")
        if self.expiration_type == "CUSTOM_DATE" and self.expiration_date is None:
            raise ValueError("'expiration_date' is required when 'expiration_type' is CUSTOM_DATE")
        if self.expiration_date is not None and self.expiration_type not in (None, "CUSTOM_DATE"):
            raise ValueError("'expiration_date' is allowed only with 'expiration_type' CUSTOM_DATE")
        return self


# ---------------------------------------------------------------------------------------------- earning rules
ORDER_PAID = "order.paid"
SEGMENT_ENTERED = "customer.segment.entered"
TIER_EVENTS = ("customer.loyalty.tier.joined", "customer.loyalty.tier.left", "customer.loyalty.tier.upgraded",
               "customer.loyalty.tier.downgraded", "customer.loyalty.tier.prolonged")
ANY_TIER = "__ANY__"
TIER_CHANGE_EVENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "JOINED": (("joined", "to"),),
    "UPGRADED": (("joined", "to"), ("left", "from"), ("upgraded", "to")),
    "DOWNGRADED": (("joined", "to"), ("left", "from"), ("downgraded", "to")),
    "LEFT": (("left", "from"),),
    "PROLONGED": (("prolonged", "to"),),
}
"""The v1 tier events a tier transaction's change fires, each with the tier it concerns (`to`: the tier entered or kept;
`from`: the tier left): entering a tier (from none or from another) is `joined` for it, leaving one is `left` for it, and
a move up or down is also `upgraded` / `downgraded` into the tier entered."""
MAX_EVENT_NAME = 300

PROPORTIONAL_SOURCES: dict[str, tuple[str, str]] = {
    "ORDER_AMOUNT": ("order", "amount"),
    "ORDER_TOTAL_AMOUNT": ("order", "total_amount"),
    "ORDER_METADATA": ("order", "metadata"),
    "ORDER_ITEMS_QUANTITY": ("order_items", "quantity"),
    "ORDER_ITEMS_AMOUNT": ("order_items", "amount"),
    "ORDER_ITEMS_SUBTOTAL_AMOUNT": ("order_items", "subtotal_amount"),
    "CUSTOMER_METADATA": ("customer", "metadata"),
    "CUSTOM_EVENT_METADATA": ("custom_event", "metadata"),
}
"""calculation_type -> (the `loyalty` sub-object, the key in it) holding the ratio."""

_ORDER_CALCULATIONS = ("ORDER_AMOUNT", "ORDER_TOTAL_AMOUNT", "ORDER_METADATA", "ORDER_ITEMS_QUANTITY", "ORDER_ITEMS_AMOUNT",
                       "ORDER_ITEMS_SUBTOTAL_AMOUNT")
CALCULATIONS_BY_EVENT: dict[str, tuple[str, ...]] = {
    "order": _ORDER_CALCULATIONS,  # LoyaltiesEarningRulesCreateOrderPaidRequestBody: order and order-items ratios
    "segment": ("CUSTOMER_METADATA",),  # ...CreateEnteredSegmentRequestBody
    # ...CreateCustomEventRequestBody has custom-event metadata; the legacy earning-rules guide adds customer metadata
    "custom": ("CUSTOM_EVENT_METADATA", "CUSTOMER_METADATA"),
    # ...CreateTierChangeRequestBody: FIXED only (the spec's GET examples show customer-metadata ratios, which the request
    # body does not take; a tier change credits its rule's fixed points, earning-map §8.5)
    "tier": (),
}
"""The proportional calculation types each kind of event takes (FIXED points go with every event)."""

_RESERVED_EVENT_PREFIXES = ("customer.", "order.")
_EVENT_SUB_OBJECTS = {"segment": "segment", "custom": "custom_event", "tier": "loyalty_tier"}


def event_kind(event: str) -> str:
    """`order`, `segment`, `tier` or `custom` (any other name is a custom event's)."""
    if event == ORDER_PAID:
        return "order"
    if event == SEGMENT_ENTERED:
        return "segment"
    if event in TIER_EVENTS:
        return "tier"
    return "custom"


def tier_events(change: str, tier_from: str | None, tier_to: str | None) -> list[tuple[str, str]]:
    """The (v1 tier event, tier id) pairs a tier change fires (TIER_CHANGE_EVENTS); a pair without its tier is left out."""
    tiers = {"from": tier_from, "to": tier_to}
    return [(f"customer.loyalty.tier.{name}", tier) for name, side in TIER_CHANGE_EVENTS.get(change, ())
            if (tier := tiers[side]) is not None]


def _digits(value: Any) -> Any:
    """The spec's own examples send FIXED `points` as a string of digits ("5"); read it as the integer it names."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 16:
        return int(value)
    return value


def _alnum_id(prefix: str) -> Any:
    return Field(pattern=f"^{prefix}[A-Za-z0-9]+$", max_length=64)


FixedPoints = Annotated[NonNegativeInt, BeforeValidator(_digits)]
RatioPoints = NonNegativeInt
Formula = Annotated[StrictStr, Field(max_length=2000)]
PropertyName = Annotated[StrictStr, Field(min_length=1, max_length=255)]
ItemKind = Literal["products_collection", "product", "sku"]
ITEM_ID_PREFIXES = {"product": "prod_", "sku": "sku_", "products_collection": "pc_"}
ValidationRuleId = Annotated[StrictStr, _alnum_id("val_")]
EventName = Annotated[StrictStr, Field(min_length=1, max_length=MAX_EVENT_NAME)]


def _no_formula(formula: str | None) -> None:
    if formula is not None:
        raise invalid_at("points_formula", "is not supported by this server: give the number of `points`")


class Ratio(Strict):
    """'For every `every`, give `points`' (amounts in minor units: `every: 100` is one currency unit)."""

    every: PositiveInt
    points: RatioPoints
    points_formula: Formula | None = None

    @model_validator(mode="after")
    def _formula(self) -> Ratio:
        _no_formula(self.points_formula)
        return self


class MetadataRatio(Ratio):
    """A ratio over a numeric metadata `property`."""

    property: PropertyName


class ItemRef(Strict):
    """A product, SKU or products collection an order-items ratio counts."""

    object: ItemKind
    id: Annotated[StrictStr, Field(min_length=1, max_length=64)]

    @model_validator(mode="after")
    def _prefix(self) -> ItemRef:
        _check_item_id(self.object, self.id)
        return self


def _check_item_id(kind: str, item_id: str, loc: Loc = ("id",)) -> None:
    prefix = ITEM_ID_PREFIXES[kind]
    if not re.fullmatch(f"{prefix}[A-Za-z0-9]+", item_id):
        raise invalid_at(loc, f"must be the id of a {kind.replace('_', ' ')} ('{prefix}...')", item_id)


class ItemsRatio(Ratio):
    """A ratio over the order items matching `object` + `id`, or `applicable_to` (the first of which is also answered as
    `object` + `id`)."""

    object: ItemKind | None = None
    id: Annotated[StrictStr, Field(min_length=1, max_length=64)] | None = None
    applicable_to: Annotated[list[ItemRef], Field(min_length=1, max_length=100)] | None = None

    @model_validator(mode="after")
    def _items(self) -> ItemsRatio:
        if (self.object is None) != (self.id is None):
            raise invalid_at("id" if self.id is None else "object", "is required together with 'object' and 'id'")
        if self.object is not None and self.id is not None:
            _check_item_id(self.object, self.id)
        if self.applicable_to is None:
            if self.object is None:
                raise invalid_at("applicable_to", "is required unless 'object' and 'id' name the item")
            return self
        refs = [(ref.object, ref.id) for ref in self.applicable_to]
        if len(set(refs)) != len(refs):
            raise invalid_at("applicable_to", "must NOT have duplicate items")
        if self.object is not None and (self.object, self.id) != refs[0]:
            raise invalid_at("object", "must name the first item of 'applicable_to' when both are given")
        return self

    def items(self) -> list[dict[str, str]]:
        """The items counted, `applicable_to` form."""
        if self.applicable_to is not None:
            return [{"object": ref.object, "id": ref.id} for ref in self.applicable_to]
        assert self.object is not None and self.id is not None
        return [{"object": self.object, "id": self.id}]


class OrderRatios(Strict):
    """`loyalty.order`: one ratio, over the order's amount, total amount or a metadata property."""

    amount: Ratio | None = None
    total_amount: Ratio | None = None
    metadata: MetadataRatio | None = None


class OrderItemsRatios(Strict):
    """`loyalty.order_items`: one ratio, over the matching items' quantity, amount or subtotal amount."""

    quantity: ItemsRatio | None = None
    amount: ItemsRatio | None = None
    subtotal_amount: ItemsRatio | None = None


class MetadataRatios(Strict):
    """`loyalty.customer` / `loyalty.custom_event`: a ratio over a metadata property."""

    metadata: MetadataRatio | None = None


class RuleLoyalty(Strict):
    """How many points a rule gives: FIXED `points`, or PROPORTIONAL to what `calculation_type` names."""

    type: Literal["FIXED", "PROPORTIONAL"]
    points: FixedPoints | None = None
    points_formula: Formula | None = None
    calculation_type: Literal[
        "ORDER_AMOUNT", "ORDER_TOTAL_AMOUNT", "ORDER_METADATA", "ORDER_ITEMS_QUANTITY", "ORDER_ITEMS_AMOUNT",
        "ORDER_ITEMS_SUBTOTAL_AMOUNT", "CUSTOMER_METADATA", "CUSTOM_EVENT_METADATA",
    ] | None = None
    order: OrderRatios | None = None
    order_items: OrderItemsRatios | None = None
    customer: MetadataRatios | None = None
    custom_event: MetadataRatios | None = None

    @model_validator(mode="after")
    def _shape(self) -> RuleLoyalty:
        containers = ("order", "order_items", "customer", "custom_event")
        if self.type == "FIXED":
            _no_formula(self.points_formula)
            if self.points is None:
                raise invalid_at("points", "is required when type is FIXED")
            for name in ("calculation_type", *containers):
                if getattr(self, name) is not None:
                    raise invalid_at(name, "is not allowed when type is FIXED")
            return self
        for name in ("points", "points_formula"):
            if getattr(self, name) is not None:
                raise invalid_at(name, "is not allowed when type is PROPORTIONAL (give it in the ratio)")
        kind = self.calculation_type
        if kind is None:
            raise invalid_at("calculation_type", "is required when type is PROPORTIONAL")
        container, key = PROPORTIONAL_SOURCES[kind]
        for other in containers:
            if other != container and getattr(self, other) is not None:
                raise invalid_at(other, f"is not allowed when calculation_type is {kind}")
        source = getattr(self, container)
        if source is None:
            raise invalid_at(container, f"is required when calculation_type is {kind}")
        for name in type(source).model_fields:
            if name != key and getattr(source, name) is not None:
                raise invalid_at((container, name), f"is not allowed when calculation_type is {kind}")
        if getattr(source, key) is None:
            raise invalid_at((container, key), f"is required when calculation_type is {kind}")
        return self

    def ratio(self) -> Ratio | None:
        """The PROPORTIONAL ratio (None for FIXED)."""
        if self.calculation_type is None:
            return None
        container, key = PROPORTIONAL_SOURCES[self.calculation_type]
        ratio: Ratio = getattr(getattr(self, container), key)
        return ratio


class RuleSource(Strict):
    """`source` of a request: the rule's name (`banner`)."""

    banner: Annotated[StrictStr, Field(min_length=1, max_length=1000)] | None = None


class RuleSegment(Strict):
    """The segment whose entering fires a `customer.segment.entered` rule."""

    id: Annotated[StrictStr, _alnum_id("seg_")]


class RuleCustomEvent(Strict):
    """The schema (`ms_...`) of the custom event that fires the rule."""

    schema_id: Annotated[StrictStr, _alnum_id("ms_")]


class RuleTier(Strict):
    """The tier (`ltr_...`, or `__ANY__`) of a `customer.loyalty.tier.*` rule."""

    id: Annotated[StrictStr, Field(pattern=f"^(ltr_[A-Za-z0-9]+|{ANY_TIER})$", max_length=64)]


class RulePendingPoints(Strict):
    """Points wait `period_value` days before they count (`order.paid` rules only)."""

    period_type: Literal["DAY"] | None = None
    period_value: Annotated[StrictInt, Field(ge=1, le=90)]


class RuleExpirationRules(ExpirationRules):
    """When the points a rule gives expire (supersedes the campaign's `voucher.loyalty_card.expiration_rules`)."""

    @model_validator(mode="after")
    def _required(self) -> RuleExpirationRules:
        if self.period_type == "MONTH":
            if self.period_value is None:
                raise invalid_at("period_value", "is required when period_type is MONTH")
            for name in ("fixed_month", "fixed_day"):
                if getattr(self, name) is not None:
                    raise invalid_at(name, "is not allowed when period_type is MONTH")
            if self.rounding_type == "PARTICULAR_MONTH" and self.rounding_value is None:
                raise invalid_at("rounding_value", "is required when rounding_type is PARTICULAR_MONTH")
            if self.rounding_value is not None and self.rounding_type is None:
                raise invalid_at("rounding_type", "is required when rounding_value is given")
        else:
            for name in ("fixed_month", "fixed_day"):
                if getattr(self, name) is None:
                    raise invalid_at(name, "is required when period_type is FIXED_DAY_OF_YEAR")
            for name in ("period_value", "rounding_type", "rounding_value"):
                if getattr(self, name) is not None:
                    raise invalid_at(name, "is not allowed when period_type is FIXED_DAY_OF_YEAR")
            assert self.fixed_month is not None and self.fixed_day is not None
            if self.fixed_day > calendar.monthrange(2024, self.fixed_month)[1]:  # a leap year: 29 February is a day
                raise invalid_at("fixed_day", f"must be a day of month {self.fixed_month}", self.fixed_day)
        return self


class RuleTimeframe(ValidityTimeframe):
    """Recurring validity: active for `duration` at the start of every `interval`, counted from `start_date`."""

    @model_validator(mode="after")
    def _positive(self) -> RuleTimeframe:
        for name in ("interval", "duration"):
            years, months, rest = duration_parts(getattr(self, name))
            if not (years or months or rest.total_seconds() > 0):
                raise invalid_at(name, "must be longer than zero")
        return self


EarningRulesOrder = Literal["created_at", "-created_at", "updated_at", "-updated_at"]
"""`order` of GET /v1/loyalties/{campaignId}/earning-rules (ParameterOrderListEarningRules)."""


class _RuleFields(Strict):
    """What a create and an update of a v1 earning rule share."""

    validation_rule_id: ValidationRuleId | None = None
    source: NotNull[RuleSource] = None
    active: NotNull[Bool] = None
    start_date: DateTime | None = None
    expiration_date: DateTime | None = None
    pending_points: RulePendingPoints | None = None
    expiration_rules: RuleExpirationRules | None = None
    validity_timeframe: RuleTimeframe | None = None
    validity_day_of_week: Annotated[list[DayOfWeek], Field(min_length=1, max_length=7)] | None = None
    validity_hours: ValidityHours | None = None
    metadata: Metadata | None = None


class CampaignEarningRuleCreate(_RuleFields):
    """One entry of POST /v1/loyalties/{campaignId}/earning-rules (LoyaltiesEarningRulesCreateRequestBody): the `event`,
    its sub-object (`segment`, `custom_event` or `loyalty_tier`) and the points (`loyalty`)."""

    event: EventName
    loyalty: RuleLoyalty
    segment: RuleSegment | None = None
    custom_event: RuleCustomEvent | None = None
    loyalty_tier: RuleTier | None = None

    @model_validator(mode="after")
    def _rules(self) -> CampaignEarningRuleCreate:
        kind = event_kind(self.event)
        if kind == "custom" and self.event.startswith(_RESERVED_EVENT_PREFIXES):
            raise invalid_at("event", f"must be {ORDER_PAID}, {SEGMENT_ENTERED}, customer.loyalty.tier.joined/left/upgraded/"
                                      "downgraded/prolonged or the name of a custom event", self.event)
        for other_kind, name in _EVENT_SUB_OBJECTS.items():
            if other_kind == kind and getattr(self, name) is None:
                raise invalid_at(name, f"is required when event is {self.event}")
            if other_kind != kind and getattr(self, name) is not None:
                raise invalid_at(name, f"is not allowed when event is {self.event}")
        allowed = CALCULATIONS_BY_EVENT[kind]
        if not allowed and self.loyalty.type != "FIXED":
            raise invalid_at(("loyalty", "type"), f"must be FIXED when event is {self.event}", self.loyalty.type)
        if self.loyalty.calculation_type is not None and self.loyalty.calculation_type not in allowed:
            raise invalid_at(("loyalty", "calculation_type"), f"must be one of {', '.join(allowed)} when event is {self.event}",
                             self.loyalty.calculation_type)
        if self.pending_points is not None and kind != "order":
            raise invalid_at("pending_points", f"can be used only with the {ORDER_PAID} event")
        if self.start_date and self.expiration_date and self.expiration_date <= self.start_date:
            raise invalid_at("expiration_date", "must be after 'start_date'")
        if self.validity_timeframe is not None and self.start_date is None:
            raise invalid_at("start_date", "is required when 'validity_timeframe' is given")
        if self.validity_day_of_week is not None and len(set(self.validity_day_of_week)) != len(self.validity_day_of_week):
            raise invalid_at("validity_day_of_week", "must NOT have duplicate items")
        return self


class CampaignEarningRuleUpdate(_RuleFields):
    """PUT /v1/loyalties/{campaignId}/earning-rules/{earningRuleId} (LoyaltiesEarningRulesUpdateRequestBody): the given
    fields replace the rule's (`null` removes an optional one); the event and its sub-object do not change."""

    loyalty: NotNull[RuleLoyalty] = None


# ---------------------------------------------------------------------------------------------- transfers
MAX_TRANSFER_SOURCES = 20


class TransferEntry(Strict):
    """One source card of POST .../members/{memberId}/transfers (LoyaltiesTransferPoints): the points it gives. The schema
    requires `source_id`, which its own example omits: it is optional here."""

    code: Code
    points: PositiveInt
    reason: Text | None = None
    source_id: SourceId | None = None


# ---------------------------------------------------------------------------------------------------- tiers
def tier_structure_of(campaign_id: str) -> dict[str, Any]:
    """The v2 tier structure a v1 campaign's tiers form: ranked by the card's balance (v1 `qualification_type` BALANCE),
    re-ranked on every change and moved down as far as the balance falls (v1 expiration BALANCE_DROP, start IMMEDIATE).
    Its id is the campaign's, and it tracks the campaign's cards (whose card definition id is the campaign id)."""
    return {"id": campaign_id, "type": "POINT_BALANCE", "point_balance": {"card_definition_id": campaign_id},
            "expiration": {"type": "NO_RETENTION"}, "downgrade": {"type": "MULTI_LEVEL"}, "status": "ACTIVE",
            "object": "tier_structure"}


def tier_of(tier: dict[str, Any]) -> dict[str, Any]:
    """A stored v1 tier (`ltr_`, points {from, to}) as the v2 tier the standing engine ranks (qualification POINTS)."""
    points = tier["points"]
    rng: dict[str, Any] = {"min_value": points["from"]}
    if points.get("to") is not None:
        rng["max_value"] = points["to"]
    return {"id": tier["id"], "tier_structure_id": tier["campaign_id"], "name": tier["name"],
            "qualification_rules": {"type": "POINTS", "points": rng}, "downgrade": {"type": "INHERIT"}}
