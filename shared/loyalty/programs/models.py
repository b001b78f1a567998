"""Program request bodies: create (seed and newer `rewards[]` forms) and component references."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, StrictInt, model_validator

from loyalty.components.rules import CostRulesGroup, check_cost_rules
from loyalty.core.fields import (
    CardDefinitionId,
    DateTime,
    EarningRuleId,
    Metadata,
    Name,
    NonNegativeInt,
    PositiveInt,
    RewardId,
    SpendingId,
    Str,
    Strict,
    TierStructureId,
)
from loyalty.core.validity import ValidityHours

MAX_STOCK = 2147483647


class IdRef(Strict):
    """`{id}` reference to a component."""

    id: Str


class CardDefinitionRef(Strict):
    """A card definition to assign."""

    id: CardDefinitionId


class EarningRuleRef(Strict):
    """An earning rule to assign."""

    id: EarningRuleId


class IdRewardRef(Strict):
    """A reward to unassign."""

    id: RewardId


class TierStructureRef(Strict):
    """A tier structure to assign."""

    id: TierStructureId


class CostSpending(Strict):
    """Seed form: points priced on one card definition."""

    points: PositiveInt
    card_definition_id: CardDefinitionId
    id: SpendingId | None = None
    name: Annotated[Str, Field(max_length=200)] | None = None


class RewardCostOverride(Strict):
    """Seed form: the price of a reward inside this program. Its `rules` are a reward cost's rules group, held to what a
    purchase evaluates (components.models.check_cost_rules)."""

    spending: Annotated[list[CostSpending], Field(min_length=1, max_length=1)]
    rules: CostRulesGroup | None = None

    @model_validator(mode="after")
    def _rules_a_purchase_evaluates(self) -> Self:
        if self.rules is not None:
            check_cost_rules(self.rules, ("rules",))
        return self


class LimitedStock(Strict):
    """`limited` of a LIMITED stock."""

    quantity: NonNegativeInt


class StockObject(Strict):
    """Newer form: `{type: UNLIMITED|LIMITED, limited: {quantity}}`."""

    type: Literal["UNLIMITED", "LIMITED"]
    limited: LimitedStock | None = None

    @model_validator(mode="after")
    def _limited_matches_type(self) -> StockObject:
        if self.type == "LIMITED" and self.limited is None:
            raise ValueError("'limited' is required when stock type is LIMITED")
        if self.type == "UNLIMITED" and self.limited is not None:
            raise ValueError("'limited' must be null when stock type is UNLIMITED")
        return self


class ProgramRewardAssign(Strict):
    """A reward assignment: seed `{id, costs, stock: int}` or newer `{id, stock: {type, limited}}`."""

    id: RewardId
    costs: Annotated[list[RewardCostOverride], Field(min_length=1, max_length=10)] | None = None
    stock: Annotated[StrictInt, Field(ge=0, le=MAX_STOCK)] | StockObject | None = None

    def stock_quantity(self) -> int | None:
        """The remaining quantity for LIMITED stock, None for UNLIMITED."""
        if isinstance(self.stock, int):
            return self.stock
        if self.stock is None or self.stock.type == "UNLIMITED":
            return None
        assert self.stock.limited is not None
        return self.stock.limited.quantity


def _unique(refs: list[IdRef] | list[CardDefinitionRef] | list[EarningRuleRef] | list[TierStructureRef] | list[ProgramRewardAssign] | None,
            field: str) -> None:
    if refs:
        ids = [r.id for r in refs]
        if len(set(ids)) != len(ids):
            raise ValueError(f"'{field}' must not contain duplicate ids")


class ProgramCreate(Strict):
    """POST /v2/loyalties/programs."""

    name: Name
    status: Literal["DRAFT", "ACTIVE"] | None = None
    start_date: DateTime | None = None
    end_date: DateTime | None = None
    validity_hours: ValidityHours | None = None
    metadata: Metadata | None = None
    card_definitions: Annotated[list[CardDefinitionRef], Field(min_length=1, max_length=10)] | None = None
    earning_rules: Annotated[list[EarningRuleRef], Field(min_length=1, max_length=10)] | None = None
    rewards: Annotated[list[ProgramRewardAssign], Field(min_length=1, max_length=10)] | None = None
    tier_structures: Annotated[list[TierStructureRef], Field(min_length=1, max_length=10)] | None = None

    @model_validator(mode="after")
    def _rules(self) -> ProgramCreate:
        for field in ("card_definitions", "earning_rules", "rewards", "tier_structures"):
            _unique(getattr(self, field), field)
        if self.tier_structures and len(self.tier_structures) > 1:
            raise ValueError("a program can have at most one tier structure")
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValueError("'end_date' must be after 'start_date'")
        return self


class ProgramUpdate(Strict):
    """PUT /v2/loyalties/programs/{programId}: the fields given replace the stored ones (a non-DRAFT program only
    takes `name` and `metadata`)."""

    name: Name | None = None
    start_date: DateTime | None = None
    end_date: DateTime | None = None
    validity_hours: ValidityHours | None = None
    metadata: Metadata | None = None


class RewardAssignItem(Strict):
    """A reward to assign in a batch: its id and its stock in this program."""

    id: RewardId
    stock: StockObject

    def stock_quantity(self) -> int | None:
        """The remaining quantity for LIMITED stock, None for UNLIMITED."""
        return self.stock.limited.quantity if self.stock.limited is not None else None


class _Batch(Strict):
    """Assign and/or unassign up to 10 components each; unassign runs first; an id appears once in the whole batch."""

    unassign: Annotated[list[IdRef], Field(max_length=10)] | None = None

    def ids(self, field: str) -> list[str]:
        return [item.id for item in getattr(self, field) or []]

    @model_validator(mode="after")
    def _distinct(self) -> _Batch:
        assign, unassign = self.ids("assign"), self.ids("unassign")
        if not assign and not unassign:
            raise ValueError("a batch must assign or unassign at least one item")
        for field, values in (("assign", assign), ("unassign", unassign)):
            if len(set(values)) != len(values):
                raise ValueError(f"'{field}' must not contain duplicate ids")
        both = sorted(set(assign) & set(unassign))
        if both:
            raise ValueError(f"{both[0]} is both assigned and unassigned in one batch")
        return self


class CardDefinitionBatch(_Batch):
    """POST /v2/loyalties/programs/{programId}/card-definitions/batch."""

    assign: Annotated[list[CardDefinitionRef], Field(max_length=10)] | None = None
    unassign: Annotated[list[CardDefinitionRef], Field(max_length=10)] | None = None  # type: ignore[assignment]


class EarningRuleBatch(_Batch):
    """POST /v2/loyalties/programs/{programId}/earning-rules/batch."""

    assign: Annotated[list[EarningRuleRef], Field(max_length=10)] | None = None
    unassign: Annotated[list[EarningRuleRef], Field(max_length=10)] | None = None  # type: ignore[assignment]


class TierStructureBatch(_Batch):
    """POST /v2/loyalties/programs/{programId}/tier-structures/batch."""

    assign: Annotated[list[TierStructureRef], Field(max_length=10)] | None = None
    unassign: Annotated[list[TierStructureRef], Field(max_length=10)] | None = None  # type: ignore[assignment]


class RewardBatch(_Batch):
    """POST /v2/loyalties/programs/{programId}/rewards/batch."""

    assign: Annotated[list[RewardAssignItem], Field(max_length=10)] | None = None
    unassign: Annotated[list[IdRewardRef], Field(max_length=10)] | None = None  # type: ignore[assignment]


class RewardAssignmentUpdate(Strict):
    """PUT /v2/loyalties/programs/{programId}/rewards/{rewardId}: the reward's stock in this program."""

    stock: StockObject
