"""Delivering webhooks (the webhook queue's function): POST a delivery's stored event body to its webhook's URL, signed,
and record the attempt. A 2xx ends the delivery DELIVERED; anything else raises so that SQS retries (the function backs
the message off), until MAX_ATTEMPTS POSTs end it FAILED. A delivery that ended is never POSTed again, and a short lease
(one conditional update) keeps two receivers of the same message from POSTing at once."""

from __future__ import annotations

import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from loyalty.core.clock import now_iso, now_ms
from loyalty.core.logs import logger
from loyalty.core.settings import get_settings
from loyalty.db.table import Table
from loyalty.jobs.models import DeliverWebhook
from loyalty.jobs.settle import RETIRED
from loyalty.webhooks import store
from loyalty.webhooks.models import (
    KEPT_ATTEMPTS,
    LEASE_MS,
    MAX_ATTEMPTS,
    SIGNATURE_HEADER,
    TIMEOUT_SECONDS,
    signature,
    webhook_secret,
)

USER_AGENT = "loyalty-webhooks/1"
MAX_ERROR = 300  # characters of an attempt's error kept
BACKOFF_BASE_SECONDS = 10
BACKOFF_MAX_SECONDS = 900


class DeliveryFailed(Exception):
    """The receiver did not answer 2xx (or another receiver holds the delivery): SQS delivers the message again."""


@dataclass(frozen=True)
class Response:
    """What one POST came to: the status code (None when no answer came) and the error, if any."""

    status_code: int | None
    error: str | None


Post = Callable[[str, bytes, dict[str, str]], Response]


def post(url: str, body: bytes, headers: dict[str, str]) -> Response:
    """POST with the standard library (TIMEOUT_SECONDS; redirects are not followed: a 3xx is a failure)."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - http(s) only (service.check_url)
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as answer:
            answer.read(1024)
            return Response(int(answer.status), None)
    except urllib.error.HTTPError as exc:
        return Response(int(exc.code), f"HTTP {exc.code}")
    except Exception as exc:  # noqa: BLE001 - any failure to reach the receiver is an attempt that failed
        return Response(None, f"{type(exc).__name__}: {exc}"[:MAX_ERROR])


def backoff_seconds(receive_count: int) -> int:
    """How long a failed delivery's message stays invisible after receive number `receive_count` (10 s, doubling, at most 15 min)."""
    return min(BACKOFF_BASE_SECONDS * 2 ** max(receive_count - 1, 0), BACKOFF_MAX_SECONDS)


def deliver(db: Table, job: DeliverWebhook, send: Post = post) -> str:
    """Run one delivery job: POST once and record it (see the module's docstring); the outcome. Raises DeliveryFailed to
    have the message retried."""
    item = store.get_delivery(db, job)
    if item is None:
        return "missing"
    if item["status"] != "PENDING":
        return f"already_{item['status'].lower()}"
    token = secrets.token_hex(8)
    if not store.lease(db, job, token, now_ms(), LEASE_MS):
        raise DeliveryFailed(f"delivery {job.delivery_id} is being delivered by another receiver or has ended")
    data = dict(item["data"])
    count = int(item.get("attempt_count", 0)) + 1
    webhook = store.get_webhook(db, job.webhook_id)
    if webhook is None or not webhook.get("active"):
        attempt = {"at": now_iso(), "status_code": None, "duration_ms": 0,
                   "error": "the webhook was deleted" if webhook is None else "the webhook is inactive"}
        data["attempts"] = [*data.get("attempts", []), attempt][-KEPT_ATTEMPTS:]
        store.record_attempt(db, job, token, data, "FAILED", count - 1)
        return "failed"
    body = str(item["body"]).encode()
    sent_at = int(time.time())
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               SIGNATURE_HEADER: signature(webhook_secret(get_settings().cursor_secret, db.project_id, job.webhook_id), sent_at, body),
               "X-Loyalty-Event-Id": str(data["event_id"]), "X-Loyalty-Event-Type": str(data["event_type"]),
               "X-Loyalty-Delivery-Id": job.delivery_id}
    started = time.monotonic()
    answer = send(str(webhook["url"]), body, headers)
    duration = int((time.monotonic() - started) * 1000)
    ok = answer.status_code is not None and 200 <= answer.status_code < 300
    attempt = {"at": now_iso(), "status_code": answer.status_code, "duration_ms": duration, "error": None if ok else answer.error}
    data["attempts"] = [*data.get("attempts", []), attempt][-KEPT_ATTEMPTS:]
    status = "DELIVERED" if ok else ("FAILED" if count >= MAX_ATTEMPTS else "PENDING")
    if not store.record_attempt(db, job, token, data, status, count):
        logger.warning("webhook delivery lease lost before its attempt was recorded", extra={"delivery": job.delivery_id})
    if status == "PENDING":
        raise DeliveryFailed(f"delivery {job.delivery_id} attempt {count}: {attempt['error']}")
    return status.lower()


def retire_delivery(db: Table, job: DeliverWebhook) -> str:
    """End a delivery the sweeper found out of sends: FAILED (once), unless it ended meanwhile."""
    item = store.get_delivery(db, job)
    if item is None or item["status"] != "PENDING":
        return "already_settled"
    data = {**item["data"], "attempts": [*item["data"].get("attempts", []), {
        "at": now_iso(), "status_code": None, "duration_ms": 0, "error": "out of sends"}][-KEPT_ATTEMPTS:]}
    return RETIRED if store.retire_delivery(db, job, data) else "already_settled"
