"""Strict building blocks of every wire model: no silent coercion of wrong JSON types, variant checks, id field types."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from loyalty.core import ids
from loyalty.core.clock import normalize_iso

Loc = tuple[str | int, ...]

MAX_SAFE_INT = 9007199254740991
MAX_STORABLE_INT = 10**38 - 1  # DynamoDB numbers carry 38 significant digits
MAX_DEPTH = 24  # DynamoDB refuses an attribute nested 32 levels deep; the rest is room for the levels a resource sits
# under when an activity copies it (no valid body comes near: metadata stops at 16 levels)
MAX_METADATA_DEPTH = 16  # leaves room for the levels metadata sits under when it is copied into activities
MAX_METADATA_BYTES = 32 * 1024
_NUMBER_RANGE = "a finite number, 0 or between 1e-130 and 9.99e125 in magnitude"


def lone_surrogate(text: str) -> bool:
    """Whether `text` holds a lone UTF-16 surrogate (what a JSON `\\ud800` escape decodes to): not Unicode text, so it
    can be neither encoded as UTF-8 nor stored."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


_NOT_TEXT = "must be valid Unicode text (it holds a lone UTF-16 surrogate)"
_KEY_NOT_TEXT = "must not have a key that is not valid Unicode text (it holds a lone UTF-16 surrogate)"


def lone_surrogate_at(value: Any) -> tuple[Loc, str] | None:
    """Where (the string, or the object whose key it is) and why a JSON value holds a lone surrogate, or None."""
    pending: list[tuple[Any, Loc]] = [(value, ())]
    while pending:
        node, path = pending.pop()
        if isinstance(node, str):
            if lone_surrogate(node):
                return path, _NOT_TEXT
        elif isinstance(node, dict):
            for key, child in node.items():
                if isinstance(key, str) and lone_surrogate(key):
                    return path, _KEY_NOT_TEXT
                pending.append((child, (*path, key)))
        elif isinstance(node, list):
            pending.extend((child, (*path, i)) for i, child in enumerate(node))
    return None


def unstorable(value: Any, *, max_depth: int = MAX_DEPTH, max_int: int = MAX_STORABLE_INT) -> tuple[Loc, str] | None:
    """Where (relative to `value`) and why the table could not store a JSON value, or None: containers nested more than
    `max_depth` levels (`value` itself is level 1), empty object keys, lone surrogates, NaN, infinities, numbers outside
    DynamoDB's range, integers beyond `max_int`. The reason is the end of a sentence that starts with the location."""
    pending: list[tuple[Any, Loc]] = [(value, ())]
    while pending:
        node, path = pending.pop()
        if isinstance(node, dict | list) and len(path) >= max_depth:
            return (), f"must not be nested more than {max_depth} levels deep"
        if isinstance(node, dict):
            for key, child in node.items():
                if not isinstance(key, str) or not key:
                    return path, "must not have an empty key"
                if lone_surrogate(key):
                    return path, _KEY_NOT_TEXT
                pending.append((child, (*path, key)))
        elif isinstance(node, list):
            pending.extend((child, (*path, i)) for i, child in enumerate(node))
        elif isinstance(node, str):
            if lone_surrogate(node):
                return path, _NOT_TEXT
        elif isinstance(node, float):
            if not math.isfinite(node) or (node != 0 and not 1e-130 <= abs(node) < 9.99e125):
                return path, f"must be {_NUMBER_RANGE}"
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) > max_int:
            return path, f"must be an integer between -{max_int} and {max_int}"
    return None


def storable(value: Any) -> Any:
    """`value`, if the table can store it (see `unstorable`); else a validation error at the offending location."""
    found = unstorable(value)
    if found is not None:
        raise invalid_at(*found)
    return value


def metadata_problem(value: dict[str, Any]) -> tuple[Loc, str] | None:
    """Where (relative to the metadata) and why `value` breaks the one metadata policy of v1 and v2, or None: what the
    table cannot store, nesting deeper than MAX_METADATA_DEPTH levels, integers beyond +/-(2^53-1) (what JSON clients
    read exactly), more than MAX_METADATA_BYTES of JSON."""
    found = unstorable(value, max_depth=MAX_METADATA_DEPTH, max_int=MAX_SAFE_INT)
    if found is not None:
        return found
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_METADATA_BYTES:
        return (), f"must not be larger than {MAX_METADATA_BYTES // 1024} KB as JSON (it takes {size} bytes)"
    return None


def _metadata(value: dict[str, Any]) -> dict[str, Any]:
    found = metadata_problem(value)
    if found is not None:
        raise invalid_at(*found)
    return value


Metadata = Annotated[dict[str, Any], AfterValidator(_metadata)]
"""Free-form `metadata`, one policy for v1 and v2 (see `metadata_problem`)."""


class Strict(BaseModel):
    """Base of every request model: unknown fields are refused (the spec's additionalProperties: false), and so is what
    the table cannot store (see `unstorable`), once the fields themselves are valid (so that a field's own, stricter
    rule, such as the `Metadata` policy, speaks first)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)  # built on first use: a route loads what it validates

    @model_validator(mode="wrap")
    @classmethod
    def _storable(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        model = handler(data)
        storable(data)
        return model


def _iso(value: str) -> str:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("must be an ISO 8601 date-time") from None
    return normalize_iso(parsed)


def _hhmm(value: str) -> str:
    parts = value.split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() and len(p) == 2 for p in parts):
        raise ValueError("must be a time HH:mm")
    h, m = int(parts[0]), int(parts[1])
    if h > 23 or m > 59:
        raise ValueError("must be a time HH:mm")
    return f"{h:02d}:{m:02d}"


DateTime = Annotated[StrictStr, AfterValidator(_iso)]
"""An ISO 8601 date-time (with or without milliseconds), normalised to `YYYY-MM-DDTHH:MM:SS.sssZ`."""
TimeOfDay = Annotated[StrictStr, AfterValidator(_hhmm)]
Name = Annotated[StrictStr, Field(min_length=1, max_length=200)]
Int = StrictInt
Bool = StrictBool
Str = StrictStr
Number = StrictInt | StrictFloat
PositiveInt = Annotated[StrictInt, Field(ge=1, le=MAX_SAFE_INT)]
NonNegativeInt = Annotated[StrictInt, Field(ge=0, le=MAX_SAFE_INT)]


def hex_id(prefix: str) -> Any:
    """The constraint of a v2 id (`^<prefix>[a-f0-9]+$`, at most 64 characters), as Annotated metadata."""
    return ids.IdKind(prefix, "").constraint


CardDefinitionId = Annotated[StrictStr, ids.CARD_DEFINITION.constraint]
EarningRuleId = Annotated[StrictStr, ids.EARNING_RULE.constraint]
RewardId = Annotated[StrictStr, ids.REWARD.constraint]
TierStructureId = Annotated[StrictStr, ids.TIER_STRUCTURE.constraint]
SpendingId = Annotated[StrictStr, ids.COST_SPENDING.constraint]
CustomerId = Annotated[StrictStr, Field(pattern=r"^cust_[A-Za-z0-9]+$", max_length=64)]


# ---------------------------------------------------------------------------------------------- variant checks
def error_sentence(msg: str | None) -> str:
    """A pydantic error message as the end of a sentence that starts with the property: without pydantic's
    "Value error, " / "Assertion failed, " prefix (its wording of a validator's ValueError or assert), lower-case first."""
    text = str(msg or "")
    for prefix in ("Value error, ", "Assertion failed, "):
        text = text.removeprefix(prefix)
    return text[0].lower() + text[1:] if text else "is invalid"


def invalid_at(loc: str | Loc, message: str, value: Any = None) -> ValidationError:
    """A validation error at `loc` (relative to the model being validated) whose msg is exactly `message`."""
    where = (loc,) if isinstance(loc, str) else loc
    return ValidationError.from_exception_data(
        "invalid_payload", [InitErrorDetails(type=PydanticCustomError("value_error", message), loc=where, input=value)]
    )


def only_matching(model: BaseModel, selector: str, variants: Mapping[str, Sequence[str]]) -> None:
    """Require the sub-objects of the variant chosen by `selector` and refuse those of every other variant."""
    chosen = str(getattr(model, selector))
    wanted = tuple(variants.get(chosen, ()))
    for name in wanted:
        if getattr(model, name) is None:
            raise invalid_at(name, f"is required when {selector} is {chosen}")
    for names in variants.values():
        for name in names:
            if name not in wanted and getattr(model, name) is not None:
                raise invalid_at(name, f"is not allowed when {selector} is {chosen}")


def unique_items(items: Sequence[Any] | None, field: str) -> None:
    """Refuse duplicates (the spec's `uniqueItems: true`)."""
    if items is not None and len(set(items)) != len(items):
        raise invalid_at(field, "must NOT have duplicate items")


class Variants(Strict):
    """Base of objects where exactly the sub-objects matching a selector (usually `type`) are present."""

    SELECTOR: ClassVar[str] = "type"
    VARIANTS: ClassVar[Mapping[str, tuple[str, ...]]] = {}

    @model_validator(mode="after")
    def _variant_fields(self) -> Self:
        only_matching(self, self.SELECTOR, self.VARIANTS)
        return self
