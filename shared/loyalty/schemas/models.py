"""The definition of one property of a metadata schema (`ms:MetadataSchemaDefinitionDeprecated`), as the operator gives it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, StrictInt, StrictStr

from loyalty.core.fields import Strict

PropertyType = Literal["string", "number", "object", "date", "datetime", "geopoint", "boolean", "image_url"]
Length = Annotated[StrictInt, Field(ge=0)]


class PropertyDefinition(Strict):
    """One metadata property: its type, whether it is an array and optional, and the dashboard's value constraints."""

    type: PropertyType
    array: StrictBool = False
    optional: StrictBool = True
    objectType: StrictStr | None = None  # the spec's spelling
    eq: list[Any] | None = None
    ne: list[Any] | None = None
    lt: StrictInt | None = None
    lte: StrictInt | None = None
    gt: StrictInt | None = None
    gte: StrictInt | None = None
    maxLength: Length | None = None
    minLength: Length | None = None
    exactLength: Length | None = None

    def stored(self) -> dict[str, Any]:
        """The definition as answered: type, array, optional and objectType always; each constraint only when set."""
        out = self.model_dump(exclude_none=True)
        out.setdefault("objectType", None)
        return out
