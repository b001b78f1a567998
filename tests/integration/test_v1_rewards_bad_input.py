"""Bad input on every v1 reward and reward-assignment endpoint: the documented 4xx with Voucherify's error body, and nothing
written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Stack, error_of
from tests.integration.test_v1_loyalty import make_campaign
from tests.integration.test_v1_rewards import MATERIAL, assigned, make_reward

UNKNOWN = {"campaign": "camp_0000000000000000000000", "reward": "rew_0000000000000000000000", "assignment": "rewa_000000000000000000000"}
MALFORMED_REWARDS = ["lrew_0123456789abcdef01", "rew_", "rew_a-b", "nope", "rew_" + "a" * 80]
MALFORMED_ASSIGNMENTS = ["rewa_", "rewa_a-b", "nope", "rewa_" + "a" * 80]


@pytest.fixture(scope="module")
def world(module_stack: Stack) -> dict[str, Any]:
    """A campaign with one reward assigned at 100 points, and a card of it."""
    campaign = make_campaign(module_stack, name="Rewards bad input")
    reward = make_reward(module_stack)
    assignment = assigned(module_stack, reward["id"], campaign["id"], 100)
    status, card = module_stack.call("add_member_v1", "POST", f"/v1/loyalties/{campaign['id']}/members", {"customer": "bad-input-1"})
    assert status == 200, card
    return {"campaign": campaign["id"], "reward": reward["id"], "assignment": assignment["id"], "member": card["code"]}


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


REWARD = "/v1/rewards/{reward}"
R_ASSIGNMENT = REWARD + "/assignments/{assignment}"
C_REWARDS = "/v1/loyalties/{campaign}/rewards"
C_ASSIGNMENTS = "/v1/loyalties/{campaign}/reward-assignments"
ROUTES = [
    ("create_reward_v1", "POST", "/v1/rewards"),
    ("list_rewards_v1", "GET", "/v1/rewards"),
    ("get_reward_v1", "GET", REWARD),
    ("update_reward_v1", "PUT", REWARD),
    ("delete_reward_v1", "DELETE", REWARD),
    ("list_reward_assignments_v1", "GET", REWARD + "/assignments"),
    ("create_reward_assignment_v1", "POST", REWARD + "/assignments"),
    ("get_reward_assignment_v1", "GET", R_ASSIGNMENT),
    ("update_reward_assignment_v1", "PUT", R_ASSIGNMENT),
    ("delete_reward_assignment_v1", "DELETE", R_ASSIGNMENT),
    ("list_reward_assignments_2", "GET", C_REWARDS),
    ("create_reward_assignment_1", "POST", C_REWARDS),
    ("get_reward_assignment_2", "GET", C_REWARDS + "/{assignment}"),
    ("update_reward_assignment_1", "PUT", C_REWARDS + "/{assignment}"),
    ("delete_reward_assignment_1", "DELETE", C_REWARDS + "/{assignment}"),
    ("list_reward_assignments_1", "GET", C_ASSIGNMENTS),
    ("get_reward_assignment_1", "GET", C_ASSIGNMENTS + "/{assignment}"),
    ("get_reward_details", "GET", C_ASSIGNMENTS + "/{assignment}/reward"),
    ("list_member_rewards", "GET", "/v1/loyalties/members/{member}/rewards"),
]
POINTS = {"parameters": {"loyalty": {"points": 1}}}
VALID: dict[str, Any] = {
    "create_reward_v1": MATERIAL,
    "update_reward_v1": {"name": "x"},
    "create_reward_assignment_v1": {"campaign": UNKNOWN["campaign"], **POINTS},
    "update_reward_assignment_v1": POINTS,
    "create_reward_assignment_1": [{"reward": UNKNOWN["reward"], **POINTS}],
    "update_reward_assignment_1": POINTS,
}
REWARD_ROUTES = [r for r in ROUTES if r[2].startswith(REWARD)]
CAMPAIGN_ROUTES = [r for r in ROUTES if "{campaign}" in r[2]]
ASSIGNMENT_ROUTES = [r for r in ROUTES if "{assignment}" in r[2]]


def filled(path: str, w: dict[str, str]) -> str:
    return path.format(**w)


@pytest.mark.parametrize(("name", "method", "path"), [r for r in ROUTES if r[0] in VALID])
@pytest.mark.parametrize("raw", ["{bad json", "42", '"text"', "null"])
def test_malformed_bodies_are_400(stack: Stack, world: dict[str, Any], name: str, method: str, path: str, raw: str) -> None:
    error_of(stack, 400, "invalid_payload", name, method, filled(path, world), raw_body=raw)


PRODUCT = {"product": {"id": "prod_1"}}


@pytest.mark.parametrize("body", [
    {},
    {"name": "x"},
    {"parameters": PRODUCT},
    {"name": "", "parameters": PRODUCT},
    {"name": "x" * 201, "parameters": PRODUCT},
    {"name": "x", "parameters": {}},
    {"name": "x", "parameters": {**PRODUCT, "coin": {"exchange_ratio": 1}}},
    {"name": "x", "parameters": {"product": {}}},
    {"name": "x", "parameters": {"product": {"id": "p1"}}},
    {"name": "x", "parameters": {"product": {"id": "prod_1", "sku_id": "s1"}}},
    {"name": "x", "type": "CAMPAIGN", "parameters": PRODUCT},
    {"name": "x", "type": "GIFT", "parameters": PRODUCT},
    {"name": "x", "parameters": PRODUCT, "stock": -1},
    {"name": "x", "parameters": PRODUCT, "stock": 1.5},
    {"name": "x", "parameters": PRODUCT, "attributes": {"image_url": 5}},
    {"name": "x", "parameters": PRODUCT, "unexpected_field": 1},
    {"name": "x", "parameters": PRODUCT, "metadata": []},
    {"name": "x", "parameters": {"campaign": {"id": "camp_1", "balance": 1}}, "stock": 3},
    {"name": "x", "parameters": {"campaign": {"balance": 1}}},
    {"name": "x", "parameters": {"campaign": {"id": "camp_1", "balance": -1}}},
    {"name": "x", "parameters": {"campaign": {"id": "camp_1", "balance": 1, "type": "OTHER"}}},
    {"name": "x", "parameters": {"campaign": {"id": "camp_1", "type": "GIFT_VOUCHERS", "balance": 100}}},
    {"name": "x", "parameters": {"campaign": {"id": "camp_1", "type": "DISCOUNT_COUPONS"}}},
    {"name": "x", "parameters": {"coin": {"exchange_ratio": 1, "points_ratio": 10}}},
    {"name": "x", "parameters": {"coin": {"points_ratio": 10}}},
])
def test_invalid_create_bodies_are_400(stack: Stack, world: dict[str, Any], body: dict[str, Any]) -> None:
    error_of(stack, 400, "invalid_payload", "create_reward_v1", "POST", "/v1/rewards", body)


@pytest.mark.parametrize("body", [
    {"name": None}, {"name": ""}, {"type": "COIN"}, {"parameters": {"campaign": {"id": "camp_1", "balance": 1}}},
    {"parameters": {}}, {"stock": -1}, {"unexpected_field": 1}, {"metadata": "x"},
])
def test_invalid_update_bodies_are_400(stack: Stack, world: dict[str, Any], body: dict[str, Any]) -> None:
    error_of(stack, 400, "invalid_payload", "update_reward_v1", "PUT", filled(REWARD, world), body)


BAD_POINTS = [{}, {"parameters": {}}, {"parameters": {"loyalty": {}}}, {"parameters": {"loyalty": {"points": 0}}},
              {"parameters": {"loyalty": {"points": -5}}}, {"parameters": {"loyalty": {"points": 1.5}}},
              {"parameters": {"loyalty": {"points": 2**53}}}, {"parameters": {"loyalty": {"points": 1, "auto_redeem": True}}},
              {"parameters": {"loyalty": {"points": 1}, "other": 1}}]


@pytest.mark.parametrize("body", BAD_POINTS[1:])
def test_invalid_assignment_creates_are_400(stack: Stack, world: dict[str, Any], body: dict[str, Any]) -> None:
    error_of(stack, 400, "invalid_payload", "create_reward_assignment_v1", "POST", filled(REWARD + "/assignments", world),
             {"campaign": world["campaign"], **body})
    error_of(stack, 400, "invalid_payload", "create_reward_assignment_1", "POST", filled(C_REWARDS, world),
             [{"reward": world["reward"], **body}])


@pytest.mark.parametrize("body", [[], [{"reward": "rew_1"}], [{"reward": "lrew_1", **POINTS}], [{**POINTS}], [None], [[]],
                                  [{"reward": "rew_1", **POINTS}, {"reward": "rew_1", **POINTS}],
                                  [{"reward": f"rew_{i}", **POINTS} for i in range(25)], {"reward": "rew_1", **POINTS}])
def test_invalid_campaign_side_arrays_are_400(stack: Stack, world: dict[str, Any], body: Any) -> None:
    error_of(stack, 400, "invalid_payload", "create_reward_assignment_1", "POST", filled(C_REWARDS, world), body)


@pytest.mark.parametrize("body", [{}, {"parameters": {}}, {"parameters": {"loyalty": {"points": 0}}},
                                  {"parameters": {"loyalty": {"auto_redeem": True}}}, {"campaign": "camp_1", **POINTS}])
def test_invalid_assignment_updates_are_400(stack: Stack, world: dict[str, Any], body: dict[str, Any]) -> None:
    for name, path in (("update_reward_assignment_v1", R_ASSIGNMENT), ("update_reward_assignment_1", C_REWARDS + "/{assignment}")):
        error_of(stack, 400, "invalid_payload", name, "PUT", filled(path, world), body)


@pytest.mark.parametrize(("name", "method", "path", "query"), [
    ("list_rewards_v1", "GET", "/v1/rewards", {"limit": "0"}),
    ("list_rewards_v1", "GET", "/v1/rewards", {"limit": "101"}),
    ("list_rewards_v1", "GET", "/v1/rewards", {"page": "abc"}),
    ("list_rewards_v1", "GET", "/v1/rewards", {"order": "name"}),
    ("list_reward_assignments_v1", "GET", REWARD + "/assignments", {"page": "0"}),
    ("list_reward_assignments_v1", "GET", REWARD + "/assignments", {"assignment_id": "x"}),
    ("list_reward_assignments_2", "GET", C_REWARDS, {"assignmentId": "x"}),
    ("list_reward_assignments_2", "GET", C_REWARDS, {"limit": "1.5"}),
    ("list_reward_assignments_1", "GET", C_ASSIGNMENTS, {"assignment_id": "x"}),
    ("list_member_rewards", "GET", "/v1/loyalties/members/{member}/rewards", {"affordable_only": "maybe"}),
    ("list_member_rewards", "GET", "/v1/loyalties/members/{member}/rewards", {"limit": "1"}),
])
def test_bad_list_parameters_are_400(stack: Stack, world: dict[str, Any], name: str, method: str, path: str,
                                     query: dict[str, str]) -> None:
    error_of(stack, 400, "invalid_query_params", name, method, filled(path, world), query=query)


@pytest.mark.parametrize(("name", "method", "path"), REWARD_ROUTES)
@pytest.mark.parametrize("reward", [UNKNOWN["reward"], *MALFORMED_REWARDS])
def test_an_unknown_or_malformed_reward_is_404_reward(stack: Stack, world: dict[str, Any], name: str, method: str, path: str,
                                                      reward: str) -> None:
    body = {"campaign": world["campaign"], **POINTS} if name == "create_reward_assignment_v1" else VALID.get(name)
    resp = error_of(stack, 404, "not_found", name, method, filled(path, {**world, "reward": reward}), body)
    assert resp["resource_type"] == "reward"


@pytest.mark.parametrize(("name", "method", "path"), CAMPAIGN_ROUTES)
@pytest.mark.parametrize("campaign", [UNKNOWN["campaign"], "No%20such%20campaign", "camp_", "a" * 300])
def test_an_unknown_campaign_is_404_campaign(stack: Stack, world: dict[str, Any], name: str, method: str, path: str,
                                             campaign: str) -> None:
    body = [{"reward": world["reward"], **POINTS}] if name == "create_reward_assignment_1" else VALID.get(name)
    resp = error_of(stack, 404, "not_found", name, method, filled(path, {**world, "campaign": campaign}), body)
    assert resp["resource_type"] == "campaign"


@pytest.mark.parametrize(("name", "method", "path"), ASSIGNMENT_ROUTES)
@pytest.mark.parametrize("assignment", [UNKNOWN["assignment"], *MALFORMED_ASSIGNMENTS])
def test_an_unknown_or_malformed_assignment_is_404_reward_assignment(stack: Stack, world: dict[str, Any], name: str, method: str,
                                                                    path: str, assignment: str) -> None:
    resp = error_of(stack, 404, "not_found", name, method, filled(path, {**world, "assignment": assignment}), VALID.get(name))
    assert resp["resource_type"] == "reward_assignment"


def test_another_campaign_s_or_reward_s_assignment_is_404(stack: Stack, world: dict[str, Any]) -> None:
    other_campaign = make_campaign(stack, name="Another")
    other_reward = make_reward(stack, {**MATERIAL, "name": "Another"})
    for name, method, path in ASSIGNMENT_ROUTES:
        where = {**world, "campaign": other_campaign["id"], "reward": other_reward["id"]}
        resp = error_of(stack, 404, "not_found", name, method, filled(path, where), VALID.get(name))
        assert resp["resource_type"] == "reward_assignment"


def test_unknown_assignment_reward_or_campaign_on_create_is_404(stack: Stack, world: dict[str, Any]) -> None:
    resp = error_of(stack, 404, "not_found", "create_reward_assignment_v1", "POST", filled(REWARD + "/assignments", world),
                    {"campaign": "No such campaign", **POINTS})
    assert resp["resource_type"] == "campaign"
    resp = error_of(stack, 404, "not_found", "create_reward_assignment_1", "POST", filled(C_REWARDS, world),
                    [{"reward": UNKNOWN["reward"], **POINTS}])
    assert resp["resource_type"] == "reward"


def test_a_second_assignment_to_the_campaign_is_409_and_an_assigned_reward_cannot_be_deleted(stack: Stack, world: dict[str, Any]) -> None:
    resp = error_of(stack, 409, "duplicate_found", "create_reward_assignment_v1", "POST", filled(REWARD + "/assignments", world),
                    {"campaign": world["campaign"], **POINTS})
    assert resp["resource_id"] == world["assignment"]
    resp = error_of(stack, 400, "resource_in_use", "delete_reward_v1", "DELETE", filled(REWARD, world))
    assert resp["related_object_ids"] == [world["assignment"]]


def test_an_unknown_member_is_404_voucher(stack: Stack, world: dict[str, Any]) -> None:
    for code in ("NO-SUCH-CODE", "x" * 300):
        resp = error_of(stack, 404, "not_found", "list_member_rewards", "GET", f"/v1/loyalties/members/{code}/rewards")
        assert resp["resource_type"] == "voucher"


@pytest.mark.parametrize(("name", "method", "path"), ROUTES)
@pytest.mark.parametrize("headers", [{}, {"X-App-Id": "acme.000000000000", "X-App-Token": "acme.000000000000.nope"},
                                     {"Authorization": "Bearer nope"}])
def test_missing_or_wrong_credentials_are_401(stack: Stack, world: dict[str, Any], name: str, method: str, path: str,
                                              headers: dict[str, str]) -> None:
    error_of(stack, 401, "unauthorized", name, method, filled(path, world), VALID.get(name), headers=headers)


@pytest.mark.parametrize(("name", "method", "path"), [r for r in ROUTES if r[0] in VALID])
def test_a_body_that_is_not_json_is_415(stack: Stack, world: dict[str, Any], name: str, method: str, path: str) -> None:
    error_of(stack, 415, "unsupported_media_type", name, method, filled(path, world), VALID[name],
             headers={**stack.headers, "Content-Type": "text/plain"})
