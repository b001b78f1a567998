"""The $default route's function in-process: 404 with the Voucherify error body, no authentication, no AWS call."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.calls import CallRecorder
from local.gateway import build_http_event
from local.template import load_template
from loyalty.db import clients
from tests import support
from tests.integration.conftest import Stack

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ROUTE = next(r for r in load_template(ROOT / "template.yaml").routes if r.path == "$default")


def not_found_event(method: str, path: str, headers: list[tuple[str, str]] | None = None, body: bytes = b"") -> dict[str, Any]:
    """The event API Gateway sends to the $default route for `method path`."""
    return build_http_event(DEFAULT_ROUTE, {}, method, path, [("host", "api.example.test"), *(headers or [])], body,
                            req_id="NotFound0001=")


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/v2/loyalties/no-such-route"),
    ("DELETE", "/v2/loyalties/programs"),  # a known path with a method no route serves
    ("POST", "/"),
    ("PATCH", "/v1/loyalties/camp_1/members/x/balance"),
])
def test_answers_404_with_the_error_body(stack: Stack, method: str, path: str) -> None:
    recorder = CallRecorder().attach(clients.dynamodb(), clients.sqs())
    try:
        with recorder.record() as tally:
            resp = support.invoke("route_not_found", not_found_event(method, f"{path}?limit=1", body=b'{"a": 1}'))
    finally:
        recorder.detach()
    assert resp["statusCode"] == 404 and resp["headers"]["Content-Type"] == "application/json"
    assert json.loads(resp["body"]) == {"code": 404, "key": "not_found", "message": "Resource not found",
                                        "details": f"No route for {method} {path}", "request_id": "v-NotFound0001="}
    assert tally.calls == [], "the $default route neither authenticates nor reads anything"


def test_credentials_do_not_matter(stack: Stack) -> None:
    """Valid, invalid or no credentials: the same 404 (no route means nothing to authenticate for)."""
    bodies = []
    for headers in (list(stack.headers.items()), [("x-app-id", "acme.bad"), ("x-app-token", "acme.bad.token")], []):
        resp = support.invoke("route_not_found", not_found_event("GET", "/v2/nothing", headers))
        bodies.append((resp["statusCode"], json.loads(resp["body"])["key"]))
    assert bodies == [(404, "not_found")] * 3


def test_the_sample_event_of_events_folder(stack: Stack) -> None:
    event = json.loads((ROOT / "events" / "route_not_found.json").read_text())
    resp = support.invoke("route_not_found", event)
    body = json.loads(resp["body"])
    assert resp["statusCode"] == 404 and body["request_id"] == f"v-{event['requestContext']['requestId']}"
    assert body["details"] == f"No route for {event['requestContext']['http']['method']} {event['rawPath']}"
