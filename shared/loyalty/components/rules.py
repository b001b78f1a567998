"""Rules groups of earning-rule earnings and reward costs (`{logic, "1": rule, ...}`) and the check of what a purchase
can evaluate: their own module, so that the program models (a program's reward costs) load them without the component
schemas."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, StrictStr, model_validator

from loyalty.components.scalars import NotNull, _condition_value, _unknown_property
from loyalty.core.fields import Loc, Strict, invalid_at
from loyalty.earning.conditions import LogicError, parse_logic

# ---------------------------------------------------------------------------------------------------------------------
# Rules (earning-rule earnings and reward costs)
# ---------------------------------------------------------------------------------------------------------------------

_RULE_KEY = re.compile(r"[1-9][0-9]*")
_OPERATORS = ("$is", "$is_not", "$in", "$not_in", "$less_than", "$less_than_or_equal", "$more_than", "$more_than_or_equal", "$from")


class RuleError(Strict):
    """The error message shown when a rule fails."""

    message: Annotated[StrictStr, Field(min_length=1, max_length=200)]


class ConditionObject(Strict):
    """A condition value that references another object (segment, product, ...)."""

    id: NotNull[StrictStr] = None
    object: NotNull[StrictStr] = None
    source_id: StrictStr | None = None
    type: StrictStr | None = None


ConditionValue = Annotated[ConditionObject | StrictStr | StrictInt | StrictBool, BeforeValidator(_condition_value)]
ConditionValues = Annotated[list[ConditionValue], Field(min_length=1)]


class Conditions(Strict):
    """Operator → non-empty array of values; the allowed operators and counts are set by subclasses."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, ConditionValues] = Field(init=False)  # type: ignore[assignment]
    OPERATORS: ClassVar[frozenset[str]] = frozenset(_OPERATORS)
    MIN_PROPERTIES: ClassVar[int] = 0
    MAX_PROPERTIES: ClassVar[int] = 10

    @model_validator(mode="before")
    @classmethod
    def _known_operators(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key, value in data.items():
                if key not in cls.OPERATORS:
                    raise _unknown_property(key, value)
            if not cls.MIN_PROPERTIES <= len(data) <= cls.MAX_PROPERTIES:
                raise invalid_at((), f"must have {cls.MIN_PROPERTIES} to {cls.MAX_PROPERTIES} operators", data)
        return data


class EarningConditions(Conditions):
    """Conditions of an earning-rule rule: at most 10 operators; `$dow` holds days of the week 0 to 6."""

    OPERATORS = frozenset((*_OPERATORS, "$dow"))

    @model_validator(mode="after")
    def _days_of_week(self) -> Self:
        days = (self.model_extra or {}).get("$dow")
        if days is not None:
            if len(days) > 7:
                raise invalid_at("$dow", "must NOT have more than 7 items", days)
            for index, day in enumerate(days):
                if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
                    raise invalid_at(("$dow", index), "must be an integer from 0 to 6", day)
        return self


class CostConditions(Conditions):
    """Conditions of a reward-cost rule: 1 to 10 operators."""

    OPERATORS = frozenset((*_OPERATORS, "$dow"))
    MIN_PROPERTIES = 1


class RulesGroup(Strict):
    """`{logic, "1": rule, "2": rule, ...}`: besides `logic`, only numbered keys (`^[1-9]\\d*$`) holding rule objects."""

    model_config = ConfigDict(extra="allow")
    logic: StrictStr
    MAX_PROPERTIES: ClassVar[int | None] = None

    @model_validator(mode="before")
    @classmethod
    def _numbered_rules(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key, value in data.items():
                if key != "logic" and not _RULE_KEY.fullmatch(key):
                    raise _unknown_property(key, value)
            if "logic" in data and len(data) < 2:
                raise invalid_at((), "must have at least one numbered rule besides 'logic'", data)
            if cls.MAX_PROPERTIES is not None and len(data) > cls.MAX_PROPERTIES:
                raise invalid_at((), f"must NOT have more than {cls.MAX_PROPERTIES} properties", data)
        return data

    def numbered_rules(self) -> dict[str, Any]:
        """The numbered rule objects, by key."""
        return dict(self.model_extra or {})


EarningRuleName = Literal[
    "customer.segment",
    "customer.metadata",
    "order.amount",
    "order.initial_amount",
    "order.total_amount",
    "order.metadata",
    "order.items.count",
    "order.items.price_any",
    "order.items.price_each",
    "order.items.every",
    "order.items.any",
    "order.items.none",
    "order.items.quantity",
    "order.items.aggregated_quantity",
    "order.items.price",
    "order.items.aggregated_amount",
    "order.items.cheapest",
    "order.items.most_expensive",
    "order.items.metadata",
    "custom_event.metadata",
]


class EarningRuleDefinition(Strict):
    """One numbered rule of an earning's rules group."""

    name: NotNull[EarningRuleName] = None
    property: StrictStr | None = None
    schema_id: StrictStr | None = None
    error: RuleError | None = None
    rules: EarningRulesGroup | None = None
    conditions: NotNull[EarningConditions] = None


class EarningRulesGroup(RulesGroup):
    """The rules group of an earning (EarningRuleRulesGroup)."""

    __pydantic_extra__: dict[str, EarningRuleDefinition] = Field(init=False)  # type: ignore[assignment]


class CostRuleDefinition(Strict):
    """One numbered rule of a reward cost's rules group."""

    name: NotNull[Literal["customer.segment", "customer.metadata", "member.metadata"]] = None
    property: StrictStr | None = None
    error: RuleError | None = None
    rules: CostRulesGroup | None = None
    conditions: NotNull[CostConditions] = None


class CostRulesGroup(RulesGroup):
    """The rules group of a reward cost (RewardCostRulesRequest): 2 to 10 properties."""

    __pydantic_extra__: dict[str, CostRuleDefinition] = Field(init=False)  # type: ignore[assignment]
    MAX_PROPERTIES = 10

# No model_rebuild() here: the forward references above (a rule's nested `rules`) are resolved when a model is first built
# (core.fields.Strict defers the build), so importing this module builds nothing.


def check_cost_rules(rules: CostRulesGroup, loc: Loc) -> None:
    """Refuse (400, at `loc`) the parts of a reward cost's rules group a purchase could not evaluate (see `Cost`)."""
    try:
        parse_logic(rules.logic)
    except LogicError as error:
        raise invalid_at((*loc, "logic"), f"does not parse: {error}", rules.logic) from None
    for key, rule in rules.numbered_rules().items():
        if rule.name is None:
            raise invalid_at((*loc, key, "name"), "is required: a purchase evaluates every rule", None)
        if rule.name != "customer.segment" and not rule.property:
            raise invalid_at((*loc, key, "property"), f"is required for {rule.name} rules", rule.property)
        if rule.rules is not None:
            raise invalid_at((*loc, key, "rules"), "nested rules groups are not evaluated by this server; use logic", None)
        for operator, values in ((rule.conditions.model_extra or {}) if rule.conditions is not None else {}).items():
            if operator == "$from":
                raise invalid_at((*loc, key, "conditions", "$from"), "has no documented meaning and is not evaluated by this server",
                                 values)
            if rule.name != "customer.segment" and any(isinstance(value, Mapping | BaseModel) for value in values):
                raise invalid_at((*loc, key, "conditions", operator), "must compare with plain values (strings, numbers, booleans)",
                                 None)
