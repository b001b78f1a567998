"""Stored metadata schema records."""

from __future__ import annotations

from typing import Any, TypedDict


class MetadataSchema(TypedDict):
    """A metadata schema as stored and answered (`ms:MetadataSchemaDeprecated`); `related_object` is the event name."""

    id: str
    related_object: str
    properties: dict[str, dict[str, Any]]
    allow_defined_only: bool
    created_at: str
    updated_at: str | None
    object: str
