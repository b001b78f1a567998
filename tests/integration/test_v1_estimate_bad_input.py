"""Bad input on POST /v1/loyalties/{campaignId}/qualifications: 400 `invalid_payload` with Voucherify's error body, and
nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Stack, error_of
from tests.integration.test_v1_estimate import FIXED, estimate_path, setup


@pytest.fixture(scope="module")
def world(module_stack: Stack) -> dict[str, Any]:
    return setup(module_stack, [FIXED], source_id="bad-estimate")


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


@pytest.mark.parametrize("raw", ["{bad json", "[]", "42", '"text"', "null"])
def test_malformed_or_non_object_bodies_are_400(stack: Stack, world: dict[str, Any], raw: str) -> None:
    error_of(stack, 400, "invalid_payload", "estimate_points_v1", "POST", estimate_path(world["campaign"]["id"]), raw_body=raw)


@pytest.mark.parametrize("body", [
    {},
    {"order": {"amount": 100}},  # the spec's "Customer object missing"
    {"customer": {"source_id": "bad-estimate"}},  # the spec's "Order object missing"
    {"customer": "bad-estimate", "order": {"amount": 100}},
    {"customer": {}, "order": {"amount": 100}},
    {"customer": {"source_id": "bad-estimate"}, "order": "ord_1"},
    {"customer": {"source_id": "bad-estimate"}, "order": {"amount": -1}},
    {"customer": {"source_id": "bad-estimate"}, "order": {"amount": "100"}},
    {"customer": {"source_id": "bad-estimate"}, "order": {"status": "SHIPPED"}},
    {"customer": {"source_id": "bad-estimate"}, "order": {"id": "not-an-order-id"}},
    {"customer": {"source_id": "bad-estimate"}, "order": {"items": [{"quantity": -1}]}},
    {"customer": {"source_id": "bad-estimate"}, "order": {"metadata": []}},
    {"customer": {"source_id": "bad-estimate"}, "order": {"amount": 100}, "unexpected": 1},
    {"customer": {"source_id": "bad-estimate", "unexpected": 1}, "order": {"amount": 100}},
])
def test_invalid_bodies_are_400(stack: Stack, world: dict[str, Any], body: dict[str, Any]) -> None:
    error_of(stack, 400, "invalid_payload", "estimate_points_v1", "POST", estimate_path(world["campaign"]["id"]), body)
