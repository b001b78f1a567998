"""Tenant isolation of webhooks (ours): with project B's keys, A's webhooks and their deliveries are not found (404), B's
list holds none of A's webhooks, and an event of A never reaches B's webhooks (nor B's events A's)."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.core.clock import now_iso
from loyalty.webhooks.service import fan_out
from tests.integration.conftest import Stack

POINTS = "customer.rewarded.loyalty_points"


@pytest.fixture(scope="module")
def worlds(module_stack: Stack) -> dict[str, Any]:
    """Projects A (acme) and B (globex) each have a webhook on every event and one event fanned out."""
    out = {}
    for project, name, headers in (("a", "acme", module_stack.headers), ("b", "globex", module_stack.other_headers)):
        status, webhook = module_stack.call("create_webhook", "POST", "/v1/webhooks",
                                            {"url": f"https://{project}.example.com/hook", "events": ["*"]}, headers=headers)
        assert status == 200, webhook
        db = module_stack.db(name)
        tx = db.transaction()
        jobs = fan_out(db, tx, {"id": f"evt_{project}1", "object": "event", "type": POINTS, "created_at": now_iso(),
                                "project_id": name, "data": {}})
        tx.commit()
        out[project] = {"webhook": webhook["id"], "jobs": jobs, "secret": webhook["secret"]}
    return out


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


def test_a_s_webhooks_are_not_found_with_b_keys(stack: Stack, worlds: dict[str, Any]) -> None:
    a = worlds["a"]["webhook"]
    for name, method, path, body in (("get_webhook", "GET", f"/v1/webhooks/{a}", None),
                                     ("update_webhook", "PUT", f"/v1/webhooks/{a}", {"active": False}),
                                     ("delete_webhook", "DELETE", f"/v1/webhooks/{a}", None),
                                     ("list_webhook_deliveries", "GET", f"/v1/webhooks/{a}/deliveries", None)):
        status, resp = stack.call(name, method, path, body, headers=stack.other_headers)
        assert status == 404 and resp["key"] == "not_found", (name, resp)
    status, own = stack.call("get_webhook", "GET", f"/v1/webhooks/{a}")
    assert status == 200 and own["active"] is True and own["secret"] == worlds["a"]["secret"]


def test_lists_hold_only_the_project_s_own(stack: Stack, worlds: dict[str, Any]) -> None:
    status, listed = stack.call("list_webhooks", "GET", "/v1/webhooks", headers=stack.other_headers)
    assert status == 200 and [w["id"] for w in listed["webhooks"]] == [worlds["b"]["webhook"]]
    status, page = stack.call("list_webhook_deliveries", "GET", f"/v1/webhooks/{worlds['b']['webhook']}/deliveries",
                              headers=stack.other_headers)
    assert status == 200 and [d["event_id"] for d in page["deliveries"]] == ["evt_b1"]


def test_events_reach_only_their_project_s_webhooks(stack: Stack, worlds: dict[str, Any]) -> None:
    assert [j.webhook_id for j in worlds["a"]["jobs"]] == [worlds["a"]["webhook"]]
    assert [j.webhook_id for j in worlds["b"]["jobs"]] == [worlds["b"]["webhook"]]
    assert {j.project_id for j in worlds["a"]["jobs"]} == {"acme"}
    assert worlds["a"]["secret"] != worlds["b"]["secret"]
    db = stack.db("globex")
    with pytest.raises(ValueError):  # an event of A handed to B's table fans out nowhere
        fan_out(db, db.transaction(), {"id": "evt_x", "object": "event", "type": POINTS, "created_at": now_iso(),
                                       "project_id": "acme", "data": {}})
