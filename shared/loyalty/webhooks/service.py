"""Webhooks (ours, not Voucherify's: Voucherify configures webhooks in its dashboard only): the management routes, and
`fan_out`, which the event publisher calls to add one delivery per subscribed webhook to its transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.errors import LoyaltyError, invalid_payload, not_found
from loyalty.core.listing import DEFAULT_LIMIT, MAX_LIMIT, Plain, only_parameters
from loyalty.core.settings import get_settings
from loyalty.db.cursors import decode_cursor, encode_cursor
from loyalty.db.table import Table
from loyalty.db.transact import Transaction
from loyalty.jobs.models import DeliverWebhook
from loyalty.webhooks import store
from loyalty.webhooks.models import (
    ALL_EVENTS,
    EVENT_TYPES,
    MAX_WEBHOOKS,
    WebhookCreate,
    WebhookUpdate,
    webhook_secret,
)

LIMIT = Plain(default=DEFAULT_LIMIT, low=1, high=MAX_LIMIT)
"""A deliveries page's `limit`: the lists' default and bounds."""
CURSOR_PREFIX = "whdc_"


# ------------------------------------------------------------------------------------------------ validation
def check_url(url: str) -> str:
    """A webhook URL: absolute https (http too when the runtime allows it: the local one), a host, no user info; 400
    otherwise."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise invalid_payload("Property 'url' must be a valid URL") from None
    allowed = ("https", "http") if get_settings().webhooks_allow_http else ("https",)
    if parts.scheme not in allowed:
        raise invalid_payload(f"Property 'url' must be an {' or '.join(allowed)} URL")
    if not parts.hostname:
        raise invalid_payload("Property 'url' must name a host")
    if "@" in parts.netloc:
        raise invalid_payload("Property 'url' must not contain user info")
    if any(c.isspace() or ord(c) < 0x20 for c in url):
        raise invalid_payload("Property 'url' must not contain whitespace or control characters")
    return url


def check_events(events: Iterable[str]) -> list[str]:
    """The event types of a webhook, each once, in the order given: each one of EVENT_TYPES, or `*` alone; 400 otherwise."""
    chosen = list(dict.fromkeys(events))
    if ALL_EVENTS in chosen and len(chosen) > 1:
        raise invalid_payload("Property 'events' must be ['*'] or a list of event types, not both")
    for event in chosen:
        if event != ALL_EVENTS and event not in EVENT_TYPES:
            raise invalid_payload(f"Property 'events' holds an unknown event type '{event[:100]}' (known: {', '.join(EVENT_TYPES)})")
    return chosen


def _view(db: Table, webhook: Mapping[str, Any], *, with_secret: bool) -> dict[str, Any]:
    out = dict(webhook)
    if with_secret:
        out["secret"] = webhook_secret(get_settings().cursor_secret, db.project_id, webhook["id"])
    return out


def _require(db: Table, webhook_id: str) -> dict[str, Any]:
    ids.WEBHOOK.check(webhook_id)
    webhook = store.get_webhook(db, webhook_id)
    if webhook is None:
        raise not_found("webhook", webhook_id)
    return webhook


# ------------------------------------------------------------------------------------------------ routes
def create_webhook(db: Table, body: WebhookCreate) -> dict[str, Any]:
    """POST /v1/webhooks (ours): a new webhook with its signing `secret`; 400 for a bad URL or event type, or when the
    project has MAX_WEBHOOKS already."""
    now = now_iso()
    webhook = {"id": ids.WEBHOOK.new(), "object": "webhook", "url": check_url(body.url), "events": check_events(body.events),
               "active": body.active, "description": body.description, "created_at": now, "updated_at": None}
    try:
        store.create_webhook(db, webhook)
    except store.TooManyWebhooks:
        raise LoyaltyError(400, "limit_exceeded", "Limit exceeded",
                           f"A project may have at most {MAX_WEBHOOKS} webhooks; delete one first") from None
    return _view(db, webhook, with_secret=True)


def list_webhooks(db: Table) -> dict[str, Any]:
    """GET /v1/webhooks (ours): every webhook of the project (at most MAX_WEBHOOKS, so one page), oldest first."""
    webhooks = [_view(db, w, with_secret=False) for w in store.list_webhooks(db)]
    return {"object": "list", "data_ref": "webhooks", "webhooks": webhooks, "total": len(webhooks)}


def get_webhook(db: Table, webhook_id: str) -> dict[str, Any]:
    """GET /v1/webhooks/{webhookId} (ours): the webhook with its signing `secret`; 404 `webhook`."""
    return _view(db, _require(db, webhook_id), with_secret=True)


def update_webhook(db: Table, webhook_id: str, body: WebhookUpdate) -> dict[str, Any]:
    """PUT /v1/webhooks/{webhookId} (ours): replace the fields given; 404 `webhook`, 400 as on create."""
    webhook = _require(db, webhook_id)
    changes: dict[str, Any] = {}
    if body.url is not None:
        changes["url"] = check_url(body.url)
    if body.events is not None:
        changes["events"] = check_events(body.events)
    if body.active is not None:
        changes["active"] = body.active
    if "description" in body.model_fields_set:
        changes["description"] = body.description
    updated = {**webhook, **changes, "updated_at": now_iso()}
    if not store.replace_webhook(db, updated):
        raise not_found("webhook", webhook_id)
    return _view(db, updated, with_secret=True)


def delete_webhook(db: Table, webhook_id: str) -> None:
    """DELETE /v1/webhooks/{webhookId} (ours): 204; 404 `webhook`."""
    ids.WEBHOOK.check(webhook_id)
    if not store.delete_webhook(db, webhook_id):
        raise not_found("webhook", webhook_id)


def list_deliveries(db: Table, webhook_id: str, pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """GET /v1/webhooks/{webhookId}/deliveries (ours): a page of the webhook's deliveries, newest first (`limit` 1..100,
    default 10; `cursor` from the previous page), each with its status and attempts; 404 `webhook`."""
    params = list(pairs)
    only_parameters((name for name, _ in params), ("limit", "cursor"))
    query = dict(params)
    limit = LIMIT.read("limit", query["limit"]) if "limit" in query else LIMIT.default
    start = None
    if "cursor" in query:
        start = decode_cursor(CURSOR_PREFIX, f"{db.project_id}:{webhook_id}", query["cursor"], db.secret)["start"]
    _require(db, webhook_id)
    items, last = store.deliveries_page(db, webhook_id, limit, start)
    out: dict[str, Any] = {"object": "list", "data_ref": "deliveries",
                           "deliveries": [{**item["data"], "status": item["status"]} for item in items], "has_more": last is not None}
    if last is not None:
        out["cursor"] = encode_cursor(CURSOR_PREFIX, f"{db.project_id}:{webhook_id}", {"start": last}, db.secret, db.cursor_ttl)
    return out


# ------------------------------------------------------------------------------------------------ the publisher's side
def delivery_id(event_id: str, webhook_id: str) -> str:
    """The deterministic id of the delivery of one event to one webhook."""
    return f"{ids.WEBHOOK_DELIVERY.prefix}{hashlib.sha256(f'{event_id}|{webhook_id}'.encode()).hexdigest()[:24]}"


def subscribed(webhook: Mapping[str, Any], event_type: str) -> bool:
    """Whether an ACTIVE webhook receives events of this type."""
    events = webhook.get("events") or []
    return bool(webhook.get("active")) and (ALL_EVENTS in events or event_type in events)


def fan_out(db: Table, tx: Transaction, event: Mapping[str, Any]) -> list[DeliverWebhook]:
    """Add to `tx` one PENDING delivery (a conditional put: its id is derived from the event's and the webhook's) per
    ACTIVE webhook of the project subscribed to the event's type, each carrying its pending-job marker; return the
    delivery jobs to send once `tx` is committed. Reads the project's webhooks (one Query). The event must be the
    project's."""
    if event.get("project_id") != db.project_id:
        raise ValueError("an event fans out to its own project's webhooks only")
    body = _event_body(event)
    jobs: list[DeliverWebhook] = []
    for webhook in store.list_webhooks(db):
        if not subscribed(webhook, str(event["type"])):
            continue
        did = delivery_id(str(event["id"]), webhook["id"])
        job = DeliverWebhook(project_id=db.project_id, webhook_id=webhook["id"], delivery_id=did,
                             sort_key=f"{event['created_at']}#{did}")
        delivery = {"id": did, "object": "webhook_delivery", "webhook_id": webhook["id"], "event_id": event["id"],
                    "event_type": event["type"], "created_at": event["created_at"], "attempts": []}
        store.add_delivery(db, tx, delivery, body, job)
        jobs.append(job)
    return jobs


def _event_body(event: Mapping[str, Any]) -> str:
    """The exact JSON every attempt POSTs (compact, keys in the event's order)."""
    return json.dumps(dict(event), separators=(",", ":"), ensure_ascii=False)
