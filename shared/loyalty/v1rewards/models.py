"""v1 request bodies of rewards (`/v1/rewards`) and of their assignments to loyalty campaigns (points costs)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import Field, StrictFloat, StrictInt, StrictStr, model_validator

from loyalty.core.fields import MAX_SAFE_INT, Bool, Metadata, NonNegativeInt, PositiveInt, Strict, invalid_at

RewardName = Annotated[StrictStr, Field(min_length=1, max_length=200)]
CampaignRef = Annotated[StrictStr, Field(min_length=1, max_length=200)]
RewardRef = Annotated[StrictStr, Field(pattern=r"^rew_[A-Za-z0-9]+$", max_length=64)]
ProductId = Annotated[StrictStr, Field(pattern=r"^prod_[A-Za-z0-9]+$", max_length=64)]
SkuId = Annotated[StrictStr, Field(pattern=r"^sku_[A-Za-z0-9]+$", max_length=64)]
Ratio = Annotated[StrictInt | StrictFloat, Field(gt=0, le=MAX_SAFE_INT)]
AttributeText = Annotated[StrictStr, Field(max_length=2000)]
RewardType = Literal["CAMPAIGN", "COIN", "MATERIAL"]
PARAMETER_OF_TYPE: dict[str, str] = {"CAMPAIGN": "campaign", "COIN": "coin", "MATERIAL": "product"}


class RewardCampaign(Strict):
    """`parameters.campaign` of a CAMPAIGN reward: the campaign whose voucher it gives (or whose card it credits)."""

    id: CampaignRef
    balance: Annotated[StrictInt, Field(ge=0, le=MAX_SAFE_INT)] | None = None
    type: Literal["DISCOUNT_COUPONS", "GIFT_VOUCHERS", "LOYALTY_PROGRAM"] | None = None


class RewardCoin(Strict):
    """`parameters.coin` of a COIN (pay with points) reward."""

    exchange_ratio: Ratio
    points_ratio: PositiveInt | None = None


class RewardProduct(Strict):
    """`parameters.product` of a MATERIAL reward."""

    id: ProductId
    sku_id: SkuId | None = None


class RewardParameters(Strict):
    """How the reward is delivered: exactly one of `campaign`, `coin`, `product`."""

    campaign: RewardCampaign | None = None
    coin: RewardCoin | None = None
    product: RewardProduct | None = None

    @model_validator(mode="after")
    def _one(self) -> Self:
        given = [name for name in ("campaign", "coin", "product") if getattr(self, name) is not None]
        if len(given) != 1:
            raise invalid_at((), "must have exactly one of campaign, coin, product")
        return self

    def reward_type(self) -> str:
        """The reward type these parameters describe."""
        return next(kind for kind, name in PARAMETER_OF_TYPE.items() if getattr(self, name) is not None)


class RewardAttributes(Strict):
    """`attributes` of a MATERIAL reward."""

    image_url: AttributeText | None = None
    description: AttributeText | None = None


def _material_only(model: RewardV1Create | RewardV1Update, kind: str | None) -> None:
    if kind is not None and kind != "MATERIAL":
        for name in ("stock", "attributes"):
            if getattr(model, name) is not None:
                raise invalid_at(name, f"is allowed only for MATERIAL rewards, not {kind}")


class RewardV1Create(Strict):
    """POST /v1/rewards (the type may be given, or is read from `parameters`)."""

    name: RewardName
    type: RewardType | None = None
    parameters: RewardParameters
    stock: NonNegativeInt | None = None
    attributes: RewardAttributes | None = None
    metadata: Metadata | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        kind = self.parameters.reward_type()
        if self.type is not None and self.type != kind:
            raise invalid_at("parameters", f"must hold {PARAMETER_OF_TYPE[self.type]} for a {self.type} reward")
        _material_only(self, kind)
        return self


class RewardV1Update(Strict):
    """PUT /v1/rewards/{rewardId}: the fields given replace the reward's (its type cannot change)."""

    name: RewardName | None = None
    type: RewardType | None = None
    parameters: RewardParameters | None = None
    stock: NonNegativeInt | None = None
    attributes: RewardAttributes | None = None
    metadata: Metadata | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if "name" in self.model_fields_set and self.name is None:
            raise invalid_at("name", "must not be null")
        if self.parameters is not None and self.type is not None and self.parameters.reward_type() != self.type:
            raise invalid_at("parameters", f"must hold {PARAMETER_OF_TYPE[self.type]} for a {self.type} reward")
        _material_only(self, self.type or (self.parameters.reward_type() if self.parameters else None))
        return self


# ---------------------------------------------------------------------------------------------- assignments
class AssignmentLoyalty(Strict):
    """`parameters.loyalty`: the points a card of the campaign spends on the reward."""

    points: PositiveInt
    auto_redeem: Bool | None = None


class AssignmentParameters(Strict):
    """`parameters` of an assignment."""

    loyalty: AssignmentLoyalty


class AssignmentLoyaltyUpdate(Strict):
    """`parameters.loyalty` of an assignment update."""

    points: PositiveInt | None = None
    auto_redeem: Bool | None = None


class AssignmentParametersUpdate(Strict):
    """`parameters` of an assignment update."""

    loyalty: AssignmentLoyaltyUpdate


class RewardAssignmentCreate(Strict):
    """POST /v1/rewards/{rewardId}/assignments: assign the reward to a loyalty campaign (id or name) at a points cost."""

    campaign: CampaignRef
    parameters: AssignmentParameters


class CampaignRewardAssignmentCreate(Strict):
    """One item of POST /v1/loyalties/{campaignId}/rewards: a reward and its points cost in this campaign."""

    reward: RewardRef
    parameters: AssignmentParameters


class RewardAssignmentUpdate(Strict):
    """PUT .../assignments/{assignmentId} and PUT /v1/loyalties/{campaignId}/rewards/{assignmentId}."""

    parameters: AssignmentParametersUpdate


class RedemptionReward(Strict):
    """`reward` of a v1 redemption: the reward to redeem (and, for a pay with points reward, the points to apply)."""

    id: Annotated[StrictStr, Field(min_length=1, max_length=64)]
    points: PositiveInt | None = None


class RedemptionRequest(Strict):
    """Body of POST /v1/loyalties[/{campaignId}]/members/{memberId}/redemption."""

    reward: RedemptionReward | None = None
    order: dict[str, Any] | None = None
    metadata: Metadata | None = None
