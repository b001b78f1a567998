"""Bad input to the reward purchase refund: malformed bodies and policies are 400 (an empty body is the defaults),
unknown or malformed ids 404, missing credentials 401; none of them writes anything."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Stack, error_of
from tests.integration.test_reward_refunds import bought, material_world, refund_path


@pytest.fixture(scope="module")
def world(module_stack: Stack) -> dict[str, Any]:
    """An APPROVED purchase of a REFUNDABLE reward (no test of this module refunds it)."""
    w = material_world(module_stack)
    return {**w, "rtx": bought(module_stack, w)}


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


@pytest.mark.parametrize("raw", ["{bad json", "[]", "42", '"text"'])
def test_malformed_or_non_object_bodies_are_400(stack: Stack, world: dict[str, Any], raw: str) -> None:
    before = stack.items()
    error_of(stack, 400, "invalid_payload", "refund_reward_purchase", "POST", refund_path(world, world["rtx"]), raw_body=raw)
    assert stack.items() == before


@pytest.mark.parametrize("body", [
    {"unexpected_field": 1},
    {"policies": []},
    {"policies": {"refund": "FORCE"}},
    {"policies": {"stock": "KEEP"}},
    {"policies": {"stock": "DEFAULT", "other": 1}},
    {"policies": {"refund": 1}},
])
def test_invalid_bodies_are_400(stack: Stack, world: dict[str, Any], body: Any) -> None:
    before = stack.items()
    error_of(stack, 400, "invalid_payload", "refund_reward_purchase", "POST", refund_path(world, world["rtx"]), body)
    assert stack.items() == before


@pytest.mark.parametrize("make_path", [
    lambda w: refund_path(w, "lrtx_0123456789abcdef01"),
    lambda w: refund_path(w, "rtx-1"),
    lambda w: refund_path(w, w["reward"]),
    lambda w: refund_path({**w, "program": "lprg_0123456789abcdef01"}, w["rtx"]),
    lambda w: refund_path({**w, "program": "prg_1"}, w["rtx"]),
])
def test_unknown_or_malformed_ids_are_404(stack: Stack, world: dict[str, Any], make_path: Any) -> None:
    before = stack.items()
    resp = error_of(stack, 404, "not_found", "refund_reward_purchase", "POST", make_path(world), None)
    assert resp["resource_type"] in ("reward_transaction", "program")
    assert stack.items() == before


@pytest.mark.parametrize("headers", [{}, {"X-App-Id": "acme.000000000000", "X-App-Token": "acme.000000000000.nope"}])
def test_missing_or_wrong_credentials_are_401(stack: Stack, world: dict[str, Any], headers: dict[str, str]) -> None:
    error_of(stack, 401, "unauthorized", "refund_reward_purchase", "POST", refund_path(world, world["rtx"]), {}, headers=headers)

