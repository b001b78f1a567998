"""Bad input on the webhook routes (ours): bad URLs (not https, user info, too long, no host), unknown or mixed event
types, malformed bodies and query strings, unknown or malformed ids, the 21st webhook: the Voucherify error body, 400 or
404, and nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.core.settings import get_settings
from loyalty.webhooks.models import MAX_URL_LENGTH, MAX_WEBHOOKS
from tests.integration.conftest import Stack, error_of

POINTS = "customer.rewarded.loyalty_points"
UNKNOWN = "wh_0000000000000000ff"
GOOD = {"url": "https://example.com/hook", "events": [POINTS]}
BAD_BODIES = [
    {},
    {"url": "https://example.com/hook"},
    {"events": [POINTS]},
    {**GOOD, "url": "http://example.com/hook"},  # http only where the runtime allows it (the local one)
    {**GOOD, "url": "ftp://example.com/hook"},
    {**GOOD, "url": "https://user:pass@example.com/hook"},
    {**GOOD, "url": "https:///nohost"},
    {**GOOD, "url": "https://example.com:port/"},
    {**GOOD, "url": "https://example.com/a b"},
    {**GOOD, "url": "example.com/hook"},
    {**GOOD, "url": "https://example.com/" + "a" * MAX_URL_LENGTH},
    {**GOOD, "url": ""},
    {**GOOD, "url": 7},
    {**GOOD, "events": []},
    {**GOOD, "events": ["customer.unknown"]},
    {**GOOD, "events": ["*", POINTS]},
    {**GOOD, "events": POINTS},
    {**GOOD, "events": [1]},
    {**GOOD, "active": "yes"},
    {**GOOD, "description": 5},
    {**GOOD, "secret": "mine"},
]


@pytest.fixture(scope="module")
def world(module_stack: Stack) -> dict[str, Any]:
    """One webhook to aim at (http URLs refused: the settings of a deployed stack)."""
    get_settings.cache_clear()
    assert not get_settings().webhooks_allow_http
    status, webhook = module_stack.call("create_webhook", "POST", "/v1/webhooks", GOOD)
    assert status == 200, webhook
    return {"webhook": webhook["id"]}


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


@pytest.mark.parametrize("body", BAD_BODIES, ids=range(len(BAD_BODIES)))
def test_bad_bodies_are_refused(stack: Stack, world: dict[str, Any], body: dict[str, Any]) -> None:
    error_of(stack, 400, "invalid_payload", "create_webhook", "POST", "/v1/webhooks", body)
    if body not in BAD_BODIES[:3]:  # a PUT may leave out any field; every other body is bad there too
        error_of(stack, 400, "invalid_payload", "update_webhook", "PUT", f"/v1/webhooks/{world['webhook']}", body)


def test_malformed_json_is_refused(stack: Stack, world: dict[str, Any]) -> None:
    error_of(stack, 400, "invalid_payload", "create_webhook", "POST", "/v1/webhooks", raw_body="{nope")
    error_of(stack, 400, "invalid_payload", "update_webhook", "PUT", f"/v1/webhooks/{world['webhook']}", raw_body="[1]")


@pytest.mark.parametrize("webhook_id", [UNKNOWN, "nope", "wh_XYZ", "wh_" + "a" * 80])
def test_unknown_or_malformed_ids_are_not_found(stack: Stack, world: dict[str, Any], webhook_id: str) -> None:
    for name, method, path, body in (("get_webhook", "GET", f"/v1/webhooks/{webhook_id}", None),
                                     ("update_webhook", "PUT", f"/v1/webhooks/{webhook_id}", {"active": False}),
                                     ("delete_webhook", "DELETE", f"/v1/webhooks/{webhook_id}", None),
                                     ("list_webhook_deliveries", "GET", f"/v1/webhooks/{webhook_id}/deliveries", None)):
        resp = error_of(stack, 404, "not_found", name, method, path, body)
        assert resp.get("resource_type") == "webhook"


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"limit": "x"}, {"cursor": "whdc_00"}, {"page": "2"}])
def test_bad_delivery_queries_are_refused(stack: Stack, world: dict[str, Any], query: dict[str, str]) -> None:
    got = error_of(stack, 400, "invalid_query_params" if "cursor" not in query else stack.call(
        "list_webhook_deliveries", "GET", f"/v1/webhooks/{world['webhook']}/deliveries", query=query)[1]["key"],
        "list_webhook_deliveries", "GET", f"/v1/webhooks/{world['webhook']}/deliveries", query=query)
    assert got["code"] == 400


def test_a_project_has_at_most_twenty_webhooks(stack: Stack, world: dict[str, Any]) -> None:
    count = len(stack.call("list_webhooks", "GET", "/v1/webhooks")[1]["webhooks"])
    for n in range(MAX_WEBHOOKS - count):
        assert stack.call("create_webhook", "POST", "/v1/webhooks", {**GOOD, "url": f"https://example.com/{n}"})[0] == 200
    resp = error_of(stack, 400, "limit_exceeded", "create_webhook", "POST", "/v1/webhooks", GOOD)
    assert str(MAX_WEBHOOKS) in resp["details"]
    assert stack.call("create_webhook", "POST", "/v1/webhooks", GOOD, headers=stack.other_headers)[0] == 200  # per project
