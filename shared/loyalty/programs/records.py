"""Stored program records: the program and its component assignments."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class Program(TypedDict):
    """A program as stored and answered (the seed's Program object)."""

    id: str
    name: str
    status: str
    start_date: str | None
    end_date: str | None
    validity_hours: dict[str, Any]
    metadata: dict[str, Any]
    created_at: str
    updated_at: str | None
    object: str


class Assignment(TypedDict):
    """A component assigned to a program: its kind (CDEF, ERULE, REWARD, TS), id, the assignment object, and for rewards
    the remaining LIMITED stock (None when UNLIMITED) and the times redeemed."""

    kind: str
    id: str
    data: dict[str, Any]
    stock_quantity: NotRequired[int | None]
    redeemed: NotRequired[int]
