"""Validation helpers and scalar types of the v2 component models: no model classes, so that a module needing only
these (v1 and examine models, payments) does not load the component schemas (loyalty.components.models)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BeforeValidator, Field, StrictFloat, StrictInt, StrictStr, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from loyalty.core.fields import MAX_SAFE_INT, hex_id, invalid_at

# ---------------------------------------------------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------------------------------------------------

T = TypeVar("T")


def _unknown_property(key: str, value: Any) -> ValidationError:
    """The error pydantic gives for a property the schema does not allow (`additionalProperties: false`)."""
    return ValidationError.from_exception_data("invalid_payload", [InitErrorDetails(type="extra_forbidden", loc=(key,), input=value)])


def _not_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("value_error", "must not be null")
    return value


NotNull = Annotated[T | None, BeforeValidator(_not_null)]
"""An optional property the spec does not make nullable: it may be omitted, but an explicit `null` is refused."""


def _items_match_type(items: Sequence[Any] | None, kind: str, off: str, field: str, *, at_least: bool = False) -> None:
    """`items` must be empty/null when `type` is `off`, and hold one item (`at_least`: one or more) otherwise."""
    count = len(items or ())
    if kind == off and count:
        raise invalid_at(field, f"must be empty or null when type is {off}")
    if kind != off and count == 0:
        raise invalid_at(field, f"must contain {'at least' if at_least else 'exactly'} 1 item when type is {kind}")


def _json_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("value_error", "must be number")
    return value


PLAIN_NUMBER = re.compile(r"\s*\+?(\d{1,15}(\.\d{0,15})?|\.\d{1,15})\s*")


def exchange_ratio(formula: Any) -> Fraction | None:
    """The exact value of a pay-with-points `exchange_ratio.formula` (a number, or a string holding a plain number): the
    order amount, in the smallest currency unit (cents), that one point pays; None when it is not a positive number."""
    if isinstance(formula, bool):
        return None
    if isinstance(formula, int | float):
        if not math.isfinite(formula):
            return None
        value = Fraction(Decimal(str(formula)))
    elif isinstance(formula, str) and len(formula) <= 100 and PLAIN_NUMBER.fullmatch(formula):
        value = Fraction(Decimal(formula.strip()))
    else:
        return None
    return value if value > 0 else None


def _formula(value: Any) -> Any:
    if isinstance(value, str) and not 1 <= len(value) <= 2000:
        raise PydanticCustomError("value_error", "must be a string of 1 to 2000 characters, or a number")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise PydanticCustomError("value_error", "must be a string or a finite number")
    if exchange_ratio(value) is None:
        raise PydanticCustomError("value_error", "must be a positive number (or a string holding one): the order amount in cents "
                                  "that one point pays; other formulas are not supported")
    return value


def _condition_value(value: Any) -> Any:
    if not isinstance(value, dict | str | int):  # bool is an int
        raise PydanticCustomError("value_error", "must be an object, a string, an integer or a boolean")
    return value


def _js_number(value: int | float) -> int | float:
    """JSON has one number type: an integral float (`10.0`) is stored and returned as the integer it equals."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


# ---------------------------------------------------------------------------------------------------------------------
# Scalar types
# ---------------------------------------------------------------------------------------------------------------------


BenefitId = Annotated[StrictStr, hex_id("lben_")]
TierId = Annotated[StrictStr, hex_id("lt_")]
EventSchemaId = Annotated[StrictStr, Field(pattern=r"^ms_[a-zA-Z0-9]+")]
SegmentId = Annotated[StrictStr, Field(pattern=r"^seg_[a-zA-Z0-9]+")]
CampaignId = Annotated[StrictStr, Field(pattern=r"^camp_[a-zA-Z0-9]+")]
ProductId = Annotated[StrictStr, Field(pattern=r"^prod_[a-f0-9]+")]
SkuId = Annotated[StrictStr, Field(pattern=r"^sku_[a-f0-9]+")]
ProductsCollectionId = Annotated[StrictStr, Field(pattern=r"^pc_[a-zA-Z0-9]+")]
Amount = Annotated[StrictInt | StrictFloat, BeforeValidator(_json_number), Field(ge=0, le=MAX_SAFE_INT), AfterValidator(_js_number)]
"""A JSON number from 0 to 2^53-1 (integral values come back as ints)."""
Month = Annotated[StrictInt, Field(ge=1, le=12)]
OptionalName = Annotated[StrictStr, Field(max_length=200)]
ComponentStatus = Literal["DRAFT", "ACTIVE"]
PeriodUnit = Literal["DAY", "MONTH", "YEAR"]
CalendarUnit = Literal["DAY", "WEEK", "MONTH", "QUARTER", "YEAR"]

_MONTH_DAYS = {2: 29, 4: 30, 6: 30, 9: 30, 11: 30}
