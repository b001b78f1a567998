"""Bad input on the v1 redemption routes: malformed or invalid bodies, pay-with-points input this server does not support,
and unknown cards, campaigns and rewards each answer the documented 4xx with the error body and write nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Stack, error_of
from tests.integration.test_v1_redemption import world

ROUTES = [("redeem_reward_1", "/v1/loyalties/{campaign}/members/{code}/redemption"),
          ("redeem_reward", "/v1/loyalties/members/{code}/redemption")]


@pytest.fixture
def w(stack: Stack) -> dict[str, Any]:
    return world(stack)


@pytest.mark.parametrize(("name", "path"), ROUTES)
@pytest.mark.parametrize("raw", ["", "{", "null", "[]", '"reward"'])
def test_malformed_bodies_are_400(stack: Stack, w: dict[str, Any], name: str, path: str, raw: str) -> None:
    error_of(stack, 400, "invalid_payload", name, "POST", path.format(**w), raw_body=raw)


@pytest.mark.parametrize(("name", "path"), ROUTES)
@pytest.mark.parametrize("body", [{"reward": {"id": ""}}, {"reward": {"id": "rew_1", "points": -1}},
                                  {"reward": {"id": "rew_1", "points": 5}}, {"reward": {"id": "rew_1"}, "order": {}},
                                  {"reward": {"id": "rew_1"}, "customer": "x"}])
def test_invalid_bodies_are_400(stack: Stack, w: dict[str, Any], name: str, path: str, body: Any) -> None:
    error_of(stack, 400, "invalid_payload", name, "POST", path.format(**w), body)


@pytest.mark.parametrize(("name", "path"), ROUTES)
def test_no_reward_is_400_missing_reward(stack: Stack, w: dict[str, Any], name: str, path: str) -> None:
    error_of(stack, 400, "missing_reward", name, "POST", path.format(**w), {"metadata": {"a": 1}})


@pytest.mark.parametrize(("name", "path"), ROUTES)
def test_unknown_card_and_reward_are_404(stack: Stack, w: dict[str, Any], name: str, path: str) -> None:
    body = {"reward": {"id": w["reward"]["id"]}}
    assert error_of(stack, 404, "not_found", name, "POST", path.format(**{**w, "code": "NO-SUCH"}), body)["resource_type"] == "voucher"
    missing = {"reward": {"id": "rew_0123456789abcdef01234567"}}
    assert error_of(stack, 404, "not_found", name, "POST", path.format(**w), missing)["resource_type"] == "reward"
