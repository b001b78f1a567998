"""Updates (PUT) by merging: the properties a request gives replace the stored ones (spec-map A18), and the result is
validated as a whole by the resource's create model."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from loyalty.core.errors import invalid_payload
from loyalty.core.fields import error_sentence

M = TypeVar("M", bound=BaseModel)


def described(error: ValidationError) -> str:
    """The first error of a validation as a sentence in the style of Voucherify's `details`."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "body"
    return f"Property '{where}' {error_sentence(first.get('msg'))}"


def merged(model: type[M], stored: dict[str, Any], body: BaseModel, fields: Iterable[str], variants: Iterable[str] = ()) -> M:
    """The create model of what `body` (a validated update) makes of `stored`: a property given replaces the stored one
    (null resets it to the create model's default); a new `type` drops the stored settings of the old one (`variants`).
    400 `invalid_payload` when the result is not a valid resource (e.g. settings that do not match its type)."""
    result = {name: stored[name] for name in fields if name in stored}
    given = body.model_dump(exclude_unset=True, by_alias=True)
    if "type" in given and given["type"] != result.get("type"):
        for name in variants:
            result.pop(name, None)
    result.update(given)
    try:
        return model.model_validate(result)
    except ValidationError as error:
        raise invalid_payload(described(error)) from None


def changed(before: dict[str, Any], after: dict[str, Any], always_editable: Iterable[str]) -> list[str]:
    """The properties that differ between two versions of a resource, besides `always_editable` ones."""
    free = set(always_editable)
    return sorted(k for k in set(before) | set(after) if k not in free and before.get(k) != after.get(k))
