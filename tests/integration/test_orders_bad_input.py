"""Bad input on the orders routes, in-process on moto: negative or fractional amounts, malformed items, a customer in the
wrong shape, unknown fields, bad ids and query parameters are 4xx with Voucherify's error body, and nothing is stored or
sent (earning-map §14, issue 7 "Bad input")."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_orders import PAID, ok, post, project_items, put, sent_jobs

ERROR_FIELDS = {"code", "key", "message", "details", "request_id"}


def _with(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    body = copy.deepcopy(PAID)
    node: Any = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return body


BAD_BODIES = [
    ("negative amount", _with(("amount",), -1), "Property 'amount' input should be greater than or equal to 0"),
    ("fractional amount", _with(("amount",), 10.5), "Property 'amount' input should be a valid integer"),
    ("integral float amount", _with(("amount",), 3500.0), "Property 'amount' input should be a valid integer"),
    ("string amount", _with(("amount",), "3500"), "Property 'amount' input should be a valid integer"),
    ("negative discount", _with(("discount_amount",), -5), "Property 'discount_amount' input should be greater than or equal to 0"),
    ("too large amount", _with(("amount",), 2**53), "Property 'amount' input should be less than or equal to 9007199254740991"),
    ("unknown status", _with(("status",), "REFUNDED"), "Property 'status'"),
    ("items not a list", _with(("items",), {"quantity": 1}), "Property 'items' input should be a valid list"),
    ("item not an object", _with(("items", 0), "prod_0a1b"), "Property 'items.0' must be object"),
    ("negative quantity", _with(("items", 0, "quantity"), -1), "Property 'items.0.quantity' input should be greater than or equal to 0"),
    ("fractional price", _with(("items", 0, "price"), 1.5), "Property 'items.0.price' input should be a valid integer"),
    ("unknown item field", _with(("items", 0, "colour"), "red"), "Payload must NOT have additional property 'items.0.colour'"),
    ("item object", _with(("items", 0, "object"), "product"), "Property 'items.0.object'"),
    ("too many items", _with(("items",), [{"quantity": 1}] * 501), "Property 'items' list should have at most 500 items"),
    ("customer as a string", _with(("customer",), "c-1"), "Property 'customer' must be object"),
    ("customer without id", _with(("customer",), {"name": "Bob"}), "'customer' must have property 'id' or 'source_id'"),
    ("customer unknown field", _with(("customer", "nickname"), "B"), "Payload must NOT have additional property 'customer.nickname'"),
    ("referrer as a list", _with(("referrer",), ["cust_0a"]), "Property 'referrer' must be object"),
    ("total_amount is computed", _with(("total_amount",), 3500), "Payload must NOT have additional property 'total_amount'"),
    ("unknown field", _with(("colour",), "red"), "Payload must NOT have additional property 'colour'"),
    ("malformed id", _with(("id",), "12345"), "Property 'id'"),
    ("metadata not an object", _with(("metadata",), ["a"]), "Property 'metadata' must be object"),
    ("bad created_at", _with(("created_at",), "yesterday"), "Property 'created_at'"),
]


def assert_invalid(status: int, body: Any, expected: str) -> None:
    assert status == 400, body
    assert ERROR_FIELDS <= set(body) and body["code"] == 400 and body["key"] == "invalid_payload", body
    assert expected in body["details"], body["details"]


@pytest.mark.parametrize(("name", "body", "expected"), BAD_BODIES, ids=[c[0] for c in BAD_BODIES])
def test_bad_create_order_bodies_are_400_and_store_and_send_nothing(stack: Stack, name: str, body: Any, expected: str) -> None:
    before = project_items(stack)
    status, answer = post(stack, body)
    assert_invalid(status, answer, expected)
    assert project_items(stack) == before and sent_jobs(stack) == []


@pytest.mark.parametrize(("name", "body", "expected"), [c for c in BAD_BODIES if c[0] != "malformed id"],
                         ids=[c[0] for c in BAD_BODIES if c[0] != "malformed id"])
def test_bad_update_order_bodies_are_400_and_change_nothing(stack: Stack, name: str, body: Any, expected: str) -> None:
    order = ok(post(stack, {"source_id": "o-1", "status": "CREATED", "amount": 1}))
    before = project_items(stack)
    status, answer = put(stack, order["id"], {k: v for k, v in body.items() if k != "source_id"})
    assert_invalid(status, answer, expected)
    assert project_items(stack) == before and sent_jobs(stack) == []


def test_put_takes_no_id_and_malformed_json_is_400(stack: Stack) -> None:
    order = ok(post(stack, {"source_id": "o-1"}))
    status, body = put(stack, order["id"], {"id": order["id"]})
    assert_invalid(status, body, "Payload must NOT have additional property 'id'")
    for raw in ("{", "[]", '[{"amount": 1}]', '"PAID"', '{"amount": NaN}'):
        status, body = stack.call("create_order", "POST", "/v1/orders", raw_body=raw)
        assert (status, body["key"]) == (400, "invalid_payload"), (raw, body)
        status, body = stack.call("update_order", "PUT", f"/v1/orders/{order['id']}", raw_body=raw)
        assert (status, body["key"]) == (400, "invalid_payload"), (raw, body)


def test_unknown_customers_and_referrers_are_404_and_store_nothing(stack: Stack) -> None:
    before = project_items(stack)
    for body in ({**PAID, "customer": {"id": "cust_doesnotexist00"}}, {**PAID, "customer": {"id": "12345"}},
                 {**PAID, "referrer_id": "cust_doesnotexist00"}, {**PAID, "referrer": {"id": "nobody"}}):
        status, answer = post(stack, body)
        assert (status, answer["key"], answer["resource_type"]) == (404, "not_found", "customer"), answer
    assert project_items(stack) == before and sent_jobs(stack) == []


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"limit": "1.5"}, {"limit": ""}, {"page": "0"},
                                   {"page": "-1"}, {"page": "101"}, {"page": "x"}, {"order": "amount"}, {"order": "-CREATED_AT"}])
def test_bad_list_orders_query_parameters_are_400(stack: Stack, query: dict[str, str]) -> None:
    status, body = stack.call("list_orders", "GET", "/v1/orders", query=query)
    assert (status, body["key"]) == (400, "invalid_query_params"), body
    assert ERROR_FIELDS <= set(body)


@pytest.mark.parametrize("ref", ["ord_0000000000000000000000", "ord_", "no-such-source", "%00", "x" * 256])
def test_unknown_or_malformed_order_references_are_404(stack: Stack, ref: str) -> None:
    for name, method, body in (("get_order", "GET", None), ("update_order", "PUT", {"status": "PAID"})):
        status, answer = stack.call(name, method, f"/v1/orders/{ref}", body)
        assert (status, answer["key"], answer["resource_type"]) == (404, "not_found", "order"), answer
    assert project_items(stack) == []
