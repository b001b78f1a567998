"""Wire models and the response builder of benefits: points, proportional points, material and digital benefits, with stock."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ValidationError, model_validator
from pydantic_core import InitErrorDetails

from loyalty.components.models import Amount, CampaignId, ComponentStatus, Material, NotNull, PointsProportionalEffect
from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.fields import CardDefinitionId, Name, NonNegativeInt, Strict, Variants

BENEFIT_TYPES = ("POINTS", "POINTS_PROPORTIONAL", "MATERIAL", "DIGITAL")
VARIANT_FIELDS = ("points", "points_proportional", "material", "digital")
_SOURCES = ("order", "customer", "custom_event", "order_items")


class BenefitPoints(Strict):
    """A fixed number of points on a card definition."""

    value: NonNegativeInt
    card_definition_id: CardDefinitionId


class BenefitPointsProportional(PointsProportionalEffect):
    """Points proportional to an amount, a quantity or a metadata value: the earning-rule effect's shape, without a
    points-expiration override; the sources that `calculation_type` does not use may be null."""

    @model_validator(mode="before")
    @classmethod
    def _benefit_shape(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if "points_expiration" in data:
                raise ValidationError.from_exception_data("invalid_payload", [InitErrorDetails(
                    type="extra_forbidden", loc=("points_expiration",), input=data["points_expiration"])])
            data = {k: v for k, v in data.items() if not (k in _SOURCES and v is None)}
        return data


class BenefitGiftVouchers(Strict):
    """A gift voucher from a gift campaign, credited with `balance`."""

    campaign_id: CampaignId
    balance: Amount


class BenefitDiscountCoupons(Strict):
    """A coupon from a discount campaign."""

    campaign_id: CampaignId


class BenefitDigital(Variants):
    """A digital benefit: exactly the sub-object matching `type`."""

    type: Literal["GIFT_VOUCHERS", "DISCOUNT_COUPONS"]
    gift_vouchers: BenefitGiftVouchers | None = None
    discount_coupons: BenefitDiscountCoupons | None = None
    VARIANTS = {"GIFT_VOUCHERS": ("gift_vouchers",), "DISCOUNT_COUPONS": ("discount_coupons",)}


class StockLimited(Strict):
    """The remaining quantity of a LIMITED stock."""

    quantity: NonNegativeInt


class BenefitStock(Variants):
    """`UNLIMITED`, or `LIMITED` with `limited.quantity`: the remaining quantity, one taken by each approved grant."""

    type: Literal["UNLIMITED", "LIMITED"]
    limited: StockLimited | None = None
    VARIANTS = {"LIMITED": ("limited",)}


class BenefitCreate(Variants):
    """Body of `POST /v2/loyalties/benefits` (BenefitCreateRequest): exactly the settings object matching `type`."""

    name: Name
    type: Literal["POINTS", "POINTS_PROPORTIONAL", "MATERIAL", "DIGITAL"]
    status: NotNull[ComponentStatus] = None
    points: BenefitPoints | None = None
    points_proportional: BenefitPointsProportional | None = None
    material: Material | None = None
    digital: BenefitDigital | None = None
    stock: BenefitStock | None = None
    VARIANTS = {"POINTS": ("points",), "POINTS_PROPORTIONAL": ("points_proportional",), "MATERIAL": ("material",),
                "DIGITAL": ("digital",)}


class BenefitUpdate(Strict):
    """Body of `PUT /v2/loyalties/benefits/{id}` (BenefitUpdateRequest): every property optional; the ones given replace
    the stored ones (a new `type` needs its settings object; `stock: null` resets it to UNLIMITED)."""

    name: NotNull[Name] = None
    type: NotNull[Literal["POINTS", "POINTS_PROPORTIONAL", "MATERIAL", "DIGITAL"]] = None
    points: BenefitPoints | None = None
    points_proportional: BenefitPointsProportional | None = None
    material: Material | None = None
    digital: BenefitDigital | None = None
    stock: BenefitStock | None = None


def unsupported_reason(benefit: dict[str, Any]) -> str | None:
    """Why this server cannot grant a benefit (a DIGITAL one: a coupon or gift voucher from a campaign), or None."""
    if benefit.get("type") != "DIGITAL":
        return None
    kind = (benefit.get("digital") or {}).get("type") or "DIGITAL"
    return (f"DIGITAL benefits ({kind}) are not supported by this server: they publish a voucher from a campaign, and "
            "this server has no campaigns to publish it from; use a POINTS, POINTS_PROPORTIONAL or MATERIAL benefit")


def card_definition_of(benefit: dict[str, Any]) -> str | None:
    """The card definition a points benefit credits (None for material and digital benefits)."""
    settings = benefit.get("points") or benefit.get("points_proportional") or {}
    return settings.get("card_definition_id")


def benefit_object(body: BenefitCreate) -> dict[str, Any]:
    """The stored and returned benefit (Benefit) for a validated create request: no metadata, stock UNLIMITED by default."""
    variant = body.type.lower()
    settings = getattr(body, variant)
    stock = body.stock.model_dump(exclude_none=True) if body.stock else {"type": "UNLIMITED"}
    return {
        "id": ids.BENEFIT.new(),
        "name": body.name,
        "type": body.type,
        "status": body.status or "DRAFT",
        "stock": stock,
        variant: settings.model_dump(by_alias=True, exclude_none=True),
        "created_at": now_iso(),
        "updated_at": None,
        "object": "benefit",
    }
