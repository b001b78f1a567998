"""Tenant isolation of the orders routes: project B's keys find none of project A's orders (by id or source id), change
none, list none, and B's orders with A's source ids or customers are B's own."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_isolation import _as_b, assert_refused_without_data
from tests.integration.test_orders import PAID, ok, post


@pytest.fixture(scope="module")
def worlds(module_stack: Stack) -> dict[str, Any]:
    """A paid order of a new customer in project acme (A); nothing yet in globex (B)."""
    a = ok(post(module_stack, {**PAID, "source_id": "only-in-a", "customer": {"source_id": "a-customer", "name": "A"}}))
    ok(post(module_stack, {"source_id": "second-in-a", "referrer_id": a["customer_id"]}))
    return {"a": {"order": a["id"], "source": "only-in-a", "customer": a["customer_id"]}}


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


def a_requests(a: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
    return [
        ("get_order", "GET", f"/v1/orders/{a['order']}", None),
        ("get_order", "GET", f"/v1/orders/{a['source']}", None),
        ("update_order", "PUT", f"/v1/orders/{a['order']}", {"status": "CANCELED"}),
        ("update_order", "PUT", f"/v1/orders/{a['source']}", {"metadata": {"stolen": True}}),
        ("create_order", "POST", "/v1/orders", {"id": a["order"], "status": "CANCELED"}),
        ("create_order", "POST", "/v1/orders", {"source_id": "b-order", "customer": {"id": a["customer"]}}),
        ("create_order", "POST", "/v1/orders", {"source_id": "b-order", "referrer_id": a["customer"]}),
    ]


def test_a_orders_are_not_found_with_b_keys_and_nothing_of_a_changes(stack: Stack, worlds: dict[str, Any]) -> None:
    a = worlds["a"]
    before = [i for i in stack.items() if i["PK"]["S"].startswith("acme#")]
    for name, method, path, body in a_requests(a):
        resp = stack.call(name, method, path, body, headers=stack.other_headers)
        assert_refused_without_data(resp, a, path + json.dumps(body))
    assert [i for i in stack.items() if i["PK"]["S"].startswith("acme#")] == before


def test_b_lists_only_its_own_orders_and_a_source_id_of_a_makes_a_new_order_of_b(stack: Stack, worlds: dict[str, Any]) -> None:
    a = worlds["a"]
    b = _as_b(stack)
    status, empty = b.call("list_orders", "GET", "/v1/orders")
    assert status == 200 and empty["total"] == 0 and empty["orders"] == [], empty
    mine = ok(post(b, {**PAID, "source_id": a["source"], "customer": {"source_id": "a-customer"}}))
    assert mine["id"] != a["order"] and mine["customer_id"] != a["customer"]
    status, page = b.call("list_orders", "GET", "/v1/orders")
    assert [o["id"] for o in page["orders"]] == [mine["id"]] and page["total"] == 1
    status, theirs = stack.call("list_orders", "GET", "/v1/orders")
    assert theirs["total"] == 2 and mine["id"] not in json.dumps(theirs)
    assert ok(stack.call("get_order", "GET", f"/v1/orders/{a['source']}"))["id"] == a["order"]
