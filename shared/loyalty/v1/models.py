"""v1 request bodies: loyalty campaigns, add member (publish a card) and card balance updates."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StrictFloat, StrictInt, StrictStr, field_validator, model_validator

from loyalty.core import codes
from loyalty.core.fields import (
    MAX_SAFE_INT,
    Bool,
    DateTime,
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


class LoyaltyCampaignCreate(Strict):
    """POST /v1/loyalties (LoyaltiesCreateCampaignRequestBody, plus `description` which the SDK sends)."""

    name: CampaignName
    description: Text | None = None
    type: Literal["AUTO_UPDATE", "STATIC", "STANDALONE"] | None = None
    campaign_type: Literal["LOYALTY_PROGRAM"] | None = None
    join_once: Bool | None = None
    auto_join: Bool | None = None
    use_voucher_metadata_schema: Bool | None = None
    vouchers_count: Annotated[StrictInt, Field(ge=0, le=MAX_SAFE_INT)] | None = None
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
    voucher: CampaignLoyaltyVoucher
    loyalty_tiers_expiration: LoyaltyTiersExpiration | None = None

    @model_validator(mode="after")
    def _rules(self) -> LoyaltyCampaignCreate:
        if self.start_date and self.expiration_date and self.expiration_date <= self.start_date:
            raise ValueError("'expiration_date' must be after 'start_date'")
        if self.validity_timeframe is not None and self.start_date is None:
            raise ValueError("'start_date' is required when 'validity_timeframe' is given")
        if self.validity_day_of_week is not None and len(set(self.validity_day_of_week)) != len(self.validity_day_of_week):
            raise ValueError("'validity_day_of_week' must not contain duplicates")
        return self


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
