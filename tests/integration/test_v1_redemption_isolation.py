"""Tenant isolation of v1 redemption: with project B's keys, A's card cannot be redeemed (by either path), nor can B's
card redeem A's reward; nothing of A moves."""

from __future__ import annotations

from tests.integration.conftest import Stack
from tests.integration.test_isolation import ERROR_FIELDS
from tests.integration.test_v1_loyalty import stored_card
from tests.integration.test_v1_redemption import world


def test_b_cannot_redeem_a_s_card_nor_a_s_reward(stack: Stack) -> None:
    a = world(stack)
    body = {"reward": {"id": a["reward"]["id"]}}
    calls = [("redeem_reward_1", f"/v1/loyalties/{a['campaign']}/members/{a['code']}/redemption"),
             ("redeem_reward", f"/v1/loyalties/members/{a['code']}/redemption")]
    for name, path in calls:
        status, resp = stack.call(name, "POST", path, body, headers=stack.other_headers)
        assert status == 404 and ERROR_FIELDS <= set(resp) and resp["resource_type"] == "voucher", resp
    # B's own card cannot spend on A's reward
    status, campaign = stack.call("create_loyalty_program_v1", "POST", "/v1/loyalties", {
        "name": "B", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 500}}}, headers=stack.other_headers)
    assert status == 200
    status, card = stack.call("add_member_v1", "POST", f"/v1/loyalties/{campaign['id']}/members", {"customer": "iso-b"},
                              headers=stack.other_headers)
    assert status == 200
    status, resp = stack.call("redeem_reward", "POST", f"/v1/loyalties/members/{card['code']}/redemption", body,
                              headers=stack.other_headers)
    assert status == 404 and resp["resource_type"] == "reward", resp
    assert stored_card(stack, a["code"])["spent"] == 0
    status, reward = stack.call("get_reward_v1", "GET", f"/v1/rewards/{a['reward']['id']}")
    assert reward["redeemed"] == 0
