"""Putting one domain event on the stack's EventBridge bus (the only module that calls EventBridge)."""

from __future__ import annotations

from loyalty.core.settings import get_settings
from loyalty.db import clients

SOURCE = "loyalty.api"
"""The `source` of every event the API publishes (a rule matches it with `{"source": ["loyalty.api"]}`)."""


class PublishFailed(Exception):
    """EventBridge did not accept the event (no bus configured, or the entry came back with an error code)."""


def put_event(detail_type: str, detail: str) -> str:
    """Put one event on the bus named by settings (EVENT_BUS_NAME); its EventBridge id. Raises PublishFailed when the
    answer reports the entry failed (PutEvents answers 200 with per-entry errors), so the caller's job is retried."""
    bus = get_settings().event_bus_name
    if not bus:
        raise PublishFailed("no event bus is configured (EVENT_BUS_NAME)")
    answer = clients.events().put_events(Entries=[{"Source": SOURCE, "DetailType": detail_type, "Detail": detail,
                                                   "EventBusName": bus}])
    entries = answer.get("Entries") or [{}]
    if answer.get("FailedEntryCount") or entries[0].get("ErrorCode") or not entries[0].get("EventId"):
        raise PublishFailed(f"the bus refused the event: {entries[0].get('ErrorCode')}: {entries[0].get('ErrorMessage')}")
    return str(entries[0]["EventId"])
