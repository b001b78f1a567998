"""Stored customer records."""

from __future__ import annotations

from typing import Any, TypedDict


class Customer(TypedDict, total=False):
    """A customer as stored (the editable CustomerBase fields, its ids and timestamps)."""

    id: str
    source_id: str | None
    name: str | None
    description: str | None
    email: str | None
    phone: str | None
    birthdate: str | None
    birthday: str | None
    address: dict[str, Any] | None
    metadata: dict[str, Any]
    created_at: str
    updated_at: str | None
    object: str
