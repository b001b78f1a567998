"""Bad input to the member tier transactions list: malformed query parameters and cursors are 400, unknown or malformed
ids 404, missing credentials 401; none of them writes anything."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Stack, error_of
from tests.integration.test_member_tiers import tiered_world

BASE = "/v2/loyalties"


@pytest.fixture(scope="module")
def world(module_stack: Stack) -> dict[str, Any]:
    return tiered_world(module_stack)


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


def path(w: dict[str, Any]) -> str:
    return f"{BASE}/programs/{w['program']}/members/{w['member']}/tiers/transactions"


@pytest.mark.parametrize("query", [
    {"limit": "0"}, {"limit": "101"}, {"limit": "ten"}, {"order": "points"},
    {"cursor": "lcrsctx_00"}, {"cursor": "lcrsttx_zz"}, {"filters[card_id][conditions][$is]": "card-1"},
    {"filters[tier_id][conditions][$is]": "lt_0a"}, {"filters[created_at][conditions][$after]": "yesterday"}, {"page": "2"},
])
def test_bad_query_parameters_are_400(stack: Stack, world: dict[str, Any], query: dict[str, Any]) -> None:
    before = stack.items()
    code, body = stack.call("list_member_tier_transactions", "GET", path(world), query=query)
    assert code == 400 and body["key"] in ("invalid_query_params", "invalid_or_expired_cursor"), body
    assert set(body) >= {"code", "key", "message", "details", "request_id"}
    assert stack.items() == before


@pytest.mark.parametrize(("make_path", "resource"), [
    (lambda w: path({**w, "member": "lmbr_0123456789abcdef01"}), "member"),
    (lambda w: path({**w, "member": "member-1"}), "member"),
    (lambda w: path({**w, "program": "lprg_0123456789abcdef01"}), "member"),
    (lambda w: path({**w, "program": "prg_1"}), "program"),
])
def test_unknown_or_malformed_ids_are_404(stack: Stack, world: dict[str, Any], make_path: Any, resource: str) -> None:
    resp = error_of(stack, 404, "not_found", "list_member_tier_transactions", "GET", make_path(world))
    assert resp["resource_type"] == resource


@pytest.mark.parametrize("headers", [{}, {"X-App-Id": "acme.000000000000", "X-App-Token": "acme.000000000000.nope"}])
def test_missing_or_wrong_credentials_are_401(stack: Stack, world: dict[str, Any], headers: dict[str, str]) -> None:
    error_of(stack, 401, "unauthorized", "list_member_tier_transactions", "GET", path(world), headers=headers)
