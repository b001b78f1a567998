"""Stored custom events, and the record the earning engine reads of one."""

from __future__ import annotations

from typing import Any, TypedDict

from loyalty.earning import records


class EventCard(TypedDict, total=False):
    """`loyalty` of a stored event: the card code the request attributed it to, and the card that code names."""

    code: str
    member_id: str
    card_id: str


class CustomEvent(TypedDict):
    """A tracked custom event as stored: `type` is its name, `schema_id` the `ms_` schema the name resolved to when it was
    tracked (None: no schema, the event earns nothing, earning-map E18)."""

    id: str
    type: str
    customer_id: str
    schema_id: str | None
    metadata: dict[str, Any]
    loyalty: EventCard | None
    referral: dict[str, Any] | None
    created_at: str


def engine_event(event: CustomEvent) -> records.CustomEvent:
    """The stored event as the earning engine reads it."""
    return records.CustomEvent(id=event["id"], name=event["type"], schema_id=event["schema_id"], metadata=dict(event["metadata"]))
