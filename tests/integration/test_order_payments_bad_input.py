"""Bad input to pay with points: malformed bodies and limits are 400, unknown or malformed program, member, card and order
ids 404 (an order of another customer is not found either), bad list queries 400, missing credentials 401; none of them
writes anything."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Stack, error_of
from tests.integration.test_order_payments import pay_path, payments_world
from tests.integration.test_reward_fulfilment import ok


@pytest.fixture(scope="module")
def world(module_stack: Stack) -> dict[str, Any]:
    """A member with 300 points on a paying wallet and an order of the member's customer (no test here pays it)."""
    w = payments_world(module_stack)
    other = ok(module_stack, "create_order", "POST", "/v1/orders", {"source_id": "o-2", "amount": 500})  # no customer
    return {**w, "other_order": other["id"]}


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


def body(w: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"card_id": w["card"], "order": {"id": w["order"]}, **extra}


@pytest.mark.parametrize("raw", ["{bad json", "[]", "42", '"text"', ""])
def test_malformed_or_non_object_bodies_are_400(stack: Stack, world: dict[str, Any], raw: str) -> None:
    before = stack.items()
    error_of(stack, 400, "invalid_payload", "create_member_order_payment", "POST", pay_path(world), raw_body=raw)
    assert stack.items() == before


@pytest.mark.parametrize("make_body", [
    lambda w: {},
    lambda w: {"card_id": w["card"]},
    lambda w: {"order": {"id": w["order"]}},
    lambda w: {"card_id": 5, "order": {"id": w["order"]}},
    lambda w: {"card_id": w["card"], "order": {}},
    lambda w: {"card_id": w["card"], "order": {"id": None, "source_id": None}},
    lambda w: {"card_id": w["card"], "order": {"id": "order-1"}},
    lambda w: {"card_id": w["card"], "order": {"source_id": ""}},
    lambda w: {"card_id": w["card"], "order": {"id": w["order"], "amount": 5}},
    lambda w: body(w, mode="LIVE"),
    lambda w: body(w, payment_limit={}),
    lambda w: body(w, payment_limit={"type": "PERCENT"}),
    lambda w: body(w, payment_limit={"type": "POINTS_LIMIT"}),
    lambda w: body(w, payment_limit={"type": "AMOUNT_LIMIT", "points_limit": {"max": 5}}),
    lambda w: body(w, payment_limit={"type": "POINTS_LIMIT", "points_limit": {"max": 0}}),
    lambda w: body(w, payment_limit={"type": "POINTS_LIMIT", "points_limit": {"max": 1.5}}),
    lambda w: body(w, payment_limit={"type": "POINTS_LIMIT", "points_limit": {"max": "5"}}),
    lambda w: body(w, payment_limit={"type": "AMOUNT_LIMIT", "amount_limit": {"max": 5, "min": 1}}),
    lambda w: body(w, payment_limit={"type": "CARD_BALANCE", "amount_limit": {"max": 5}}),
    lambda w: body(w, unexpected_field=1),
])
def test_invalid_bodies_are_400(stack: Stack, world: dict[str, Any], make_body: Any) -> None:
    before = stack.items()
    error_of(stack, 400, "invalid_payload", "create_member_order_payment", "POST", pay_path(world), make_body(world))
    assert stack.items() == before


@pytest.mark.parametrize(("make_path", "make_body", "kind"), [
    (lambda w: pay_path(w), lambda w: {"card_id": w["card"], "order": {"id": "ord_0123456789abcdef01"}}, "order"),
    (lambda w: pay_path(w), lambda w: {"card_id": w["card"], "order": {"source_id": "no-such-order"}}, "order"),
    (lambda w: pay_path(w), lambda w: {"card_id": w["card"], "order": {"id": w["other_order"]}}, "order"),
    (lambda w: pay_path(w), lambda w: {"card_id": "lcrd_0123456789abcdef01", "order": {"id": w["order"]}}, "card"),
    (lambda w: pay_path(w), lambda w: {"card_id": "card-1", "order": {"id": w["order"]}}, "card"),
    (lambda w: pay_path({**w, "member": "lmbr_0123456789abcdef01"}), body, "member"),
    (lambda w: pay_path({**w, "member": "member-1"}), body, "member"),
    (lambda w: pay_path({**w, "program": "lprg_0123456789abcdef01"}), body, "program"),
    (lambda w: pay_path({**w, "program": "prg_1"}), body, "program"),
])
def test_unknown_or_malformed_ids_are_404(stack: Stack, world: dict[str, Any], make_path: Any, make_body: Any, kind: str) -> None:
    before = stack.items()
    resp = error_of(stack, 404, "not_found", "create_member_order_payment", "POST", make_path(world), make_body(world))
    assert resp["resource_type"] == kind
    assert stack.items() == before


@pytest.mark.parametrize(("make_path", "kind"), [
    (lambda w: pay_path({**w, "member": "lmbr_0123456789abcdef01"}), "member"),
    (lambda w: pay_path({**w, "program": "lprg_0123456789abcdef01"}), ("member", "program")),
])
def test_listing_an_unknown_member_is_404(stack: Stack, world: dict[str, Any], make_path: Any, kind: Any) -> None:
    resp = error_of(stack, 404, "not_found", "list_member_order_payments", "GET", make_path(world), None)
    assert resp["resource_type"] in kind


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"order": "amount"},
                                   {"filters[status][conditions][$is]": "APPROVED"}, {"filters[id][conditions][$is]": "lrtx_00"}])
def test_bad_list_queries_are_400(stack: Stack, world: dict[str, Any], query: dict[str, str]) -> None:
    error_of(stack, 400, "invalid_query_params", "list_member_order_payments", "GET", pay_path(world), None, query=query)


@pytest.mark.parametrize("cursor", ["lcrstrx_00", "lcrsotx_00", "nope"])
def test_foreign_or_forged_cursors_are_400(stack: Stack, world: dict[str, Any], cursor: str) -> None:
    error_of(stack, 400, "invalid_or_expired_cursor", "list_member_order_payments", "GET", pay_path(world), None, query={"cursor": cursor})


@pytest.mark.parametrize("name", ["create_member_order_payment", "list_member_order_payments"])
@pytest.mark.parametrize("headers", [{}, {"X-App-Id": "acme.000000000000", "X-App-Token": "acme.000000000000.nope"}])
def test_missing_or_wrong_credentials_are_401(stack: Stack, world: dict[str, Any], name: str, headers: dict[str, str]) -> None:
    method = "POST" if name.startswith("create") else "GET"
    error_of(stack, 401, "unauthorized", name, method, pay_path(world), body(world) if method == "POST" else None, headers=headers)
