"""The domain event (`evt_`) and its builders: which event an approved card transaction or a tier transaction stands for,
with a deterministic id, so that a replayed source builds the same event (and finds it written already)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, TypedDict

from loyalty.v1.cards import ACTIVITY_TYPES
from loyalty.v1.models import tier_events

EVENT_PREFIX = "evt_"
V1_CAMPAIGN_PREFIX = "camp_"


class Event(TypedDict):
    """A loyalty domain event as published (EventBridge `detail`): `type` is the customer activity / tier event name."""

    id: str
    object: str
    type: str
    created_at: str
    project_id: str
    data: dict[str, Any]


def event_id(source_id: str, event_type: str) -> str:
    """The id of the event of type `event_type` a source (card transaction, tier transaction) stands for: the same for
    every replay of that source."""
    return EVENT_PREFIX + hashlib.sha256(f"{source_id}|{event_type}".encode()).hexdigest()[:32]


def _scope(program_id: str) -> dict[str, str]:
    """`campaign_id` for a v1 campaign's card, `program_id` for a v2 program's."""
    return {"campaign_id": program_id} if program_id.startswith(V1_CAMPAIGN_PREFIX) else {"program_id": program_id}


def _event(project_id: str, source_id: str, event_type: str, at: str, data: dict[str, Any]) -> Event:
    return Event(id=event_id(source_id, event_type), object="event", type=event_type, created_at=at, project_id=project_id,
                 data=data)


def has_event(ctx: Mapping[str, Any]) -> bool:
    """True when a card transaction's type stands for a customer activity (and so for an event)."""
    return str(ctx.get("type")) in ACTIVITY_TYPES


def card_transaction_event(project_id: str, ctx: Mapping[str, Any], customer_id: str | None, code: str | None,
                           at: str) -> Event | None:
    """The event an APPROVED card transaction stands for (its customer activity type, v1/cards.py ACTIVITY_TYPES), or None
    for a type that stands for none (a reward's points credited, a purchase reversed, ...)."""
    event_type = ACTIVITY_TYPES.get(str(ctx.get("type")))
    if event_type is None:
        return None
    data = {"customer_id": customer_id, "member_id": ctx["member_id"], **_scope(str(ctx["program_id"])),
            "card_id": ctx["card_id"], "code": code, "transaction": dict(ctx)}
    return _event(project_id, str(ctx["id"]), event_type, at, data)


def tier_transaction_events(project_id: str, ttx: Mapping[str, Any], customer_id: str | None, code: str | None,
                            at: str) -> list[Event]:
    """The tier events a tier transaction fires (v1/models.py TIER_CHANGE_EVENTS: an upgrade is `joined` the new tier,
    `left` the old one and `upgraded`), each naming the tier it concerns."""
    details = ttx.get("details") or {}
    tier_from = details.get("tier_from")
    events = []
    for event_type, tier_id in tier_events(str(ttx["type"]), tier_from, details.get("tier_to")):
        data = {"customer_id": customer_id, "member_id": ttx["member_id"], **_scope(str(ttx["program_id"])),
                "card_id": ttx["card_id"], "code": code, "tier_structure_id": ttx.get("tier_structure_id"),
                "tier_id": tier_id, "tier_from": tier_from, "tier_to": details.get("tier_to"), "tier_transaction": dict(ttx)}
        events.append(_event(project_id, str(ttx["id"]), event_type, at, data))
    return events
