"""v1 reward redemption (`POST /v1/loyalties[/{campaignId}]/members/{memberId}/redemption`) on moto: both paths spend
the assignment's points synchronously in one transaction (ledger, stock, fulfilment), refuse what they cannot do with
the error body, and write nothing then."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_v1_loyalty import add_member, assert_error, balance, get_member, make_campaign, make_customer, stored_card
from tests.integration.test_v1_rewards import MATERIAL, assigned, make_reward

REDEMPTION_ID = re.compile(r"^r_[a-f0-9]{24}$")


def redeem(stack: Stack, code: str, body: Any, campaign: str | None = None, **kw: Any) -> tuple[int, Any]:
    if campaign is None:
        return stack.call("redeem_reward", "POST", f"/v1/loyalties/members/{code}/redemption", body, **kw)
    return stack.call("redeem_reward_1", "POST", f"/v1/loyalties/{campaign}/members/{code}/redemption", body, **kw)


def world(stack: Stack, points: int = 500, stock: int | None = 2) -> dict[str, Any]:
    campaign = make_campaign(stack)
    customer = make_customer(stack)
    status, card = add_member(stack, campaign["id"], {"customer": customer["id"]})
    assert status == 200, card
    if points:
        assert balance(stack, campaign["id"], card["code"], {"points": points})[0] == 200
    reward = make_reward(stack, {**MATERIAL, "stock": stock})
    assignment = assigned(stack, reward["id"], campaign["id"], 100)
    return {"campaign": campaign["id"], "code": card["code"], "customer": customer, "reward": reward, "assignment": assignment}


def snapshot(stack: Stack) -> list[Any]:
    return sorted((sorted(i.items()) for i in stack.items()), key=repr)


@pytest.mark.parametrize("with_campaign", [True, False])
def test_a_material_reward_is_redeemed_synchronously_on_both_paths(stack: Stack, with_campaign: bool) -> None:
    w = world(stack)
    status, body = redeem(stack, w["code"], {"reward": {"id": w["reward"]["id"]}, "metadata": {"k": "v"}},
                          w["campaign"] if with_campaign else None)
    assert status == 200, body
    assert REDEMPTION_ID.match(body["id"]) and body["object"] == "redemption" and (body["result"], body["status"]) == ("SUCCESS", "SUCCEEDED")
    assert body["amount"] == 100 and body["loyalty_card"] == {"points": 100} and body["metadata"] == {"k": "v"}
    assert body["customer_id"] == w["customer"]["id"] and body["customer"]["object"] == "customer"
    assert body["related_object_type"] == "voucher" and body["voucher"]["code"] == w["code"]
    assert body["voucher"]["loyalty_card"]["balance"] == 400 and body["voucher"]["redemption"]["redeemed_points"] == 100
    assert body["reward"]["id"] == w["reward"]["id"] and body["reward"]["assignment_id"] == w["assignment"]["id"]
    assert body["reward"]["product"] == MATERIAL["parameters"]["product"] and body["order"] is None
    # the card, its ledger and the reward's stock moved together
    status, card = get_member(stack, w["campaign"], w["code"])
    assert card["loyalty_card"]["balance"] == 400 and card["redemption"]["redeemed_points"] == 100
    stored = stored_card(stack, w["code"])
    assert stored["spent"] == 100 and stored["balance"] == stored["total"] - stored["spent"]
    status, reward = stack.call("get_reward_v1", "GET", f"/v1/rewards/{w['reward']['id']}")
    assert reward["redeemed"] == 1 and reward["stock"] == 2
    status, txs = stack.call("list_loyalty_card_transactions_by_code_v1", "GET", f"/v1/loyalties/members/{w['code']}/transactions")
    redemption = next(t for t in txs["data"] if t["type"] == "POINTS_REDEMPTION")
    assert redemption["details"]["balance"]["points"] == -100 and redemption["details"]["redemption"] == {"id": body["id"]}


def test_stock_runs_out_and_balance_runs_out_with_423_and_nothing_written(stack: Stack) -> None:
    w = world(stack, points=250, stock=1)
    body = {"reward": {"id": w["reward"]["id"]}}
    assert redeem(stack, w["code"], body)[0] == 200
    before = snapshot(stack)
    assert_error(*redeem(stack, w["code"], body), 423, "reward_out_of_stock")
    assert snapshot(stack) == before
    # an unlimited reward: the card affords one more (150 left), then not
    other = make_reward(stack, {**MATERIAL, "name": "Unlimited", "stock": None})
    assigned(stack, other["id"], w["campaign"], 100)
    assert redeem(stack, w["code"], {"reward": {"id": other["id"]}})[0] == 200
    before = snapshot(stack)
    assert_error(*redeem(stack, w["code"], {"reward": {"id": other["id"]}}, w["campaign"]), 400, "loyalty_card_points_exceeded")
    assert snapshot(stack) == before
    assert stored_card(stack, w["code"])["balance"] == 50


def test_a_campaign_reward_credits_the_holders_card_of_that_campaign_in_the_same_transaction(stack: Stack) -> None:
    w = world(stack)
    bonus = make_campaign(stack, name="Bonus", pattern="B-########")
    status, target = add_member(stack, bonus["id"], {"customer": w["customer"]["id"]})
    assert status == 200
    reward = make_reward(stack, {"name": "Points", "type": "CAMPAIGN",
                                 "parameters": {"campaign": {"id": bonus["id"], "balance": 20, "type": "LOYALTY_PROGRAM"}}})
    assigned(stack, reward["id"], w["campaign"], 100)
    status, body = redeem(stack, w["code"], {"reward": {"id": reward["id"]}})
    assert status == 200, body
    assert body["reward"]["voucher"]["code"] == target["code"] and body["reward"]["voucher"]["loyalty_card"]["balance"] == 20
    assert stored_card(stack, target["code"])["balance"] == 20 and stored_card(stack, w["code"])["balance"] == 400
    # a holder with no card in the credited campaign is refused, nothing written
    other = make_campaign(stack, name="Other", pattern="O-########")
    lonely = make_reward(stack, {"name": "Other points", "type": "CAMPAIGN",
                                 "parameters": {"campaign": {"id": other["id"], "balance": 5, "type": "LOYALTY_PROGRAM"}}})
    assigned(stack, lonely["id"], w["campaign"], 10)
    before = snapshot(stack)
    assert_error(*redeem(stack, w["code"], {"reward": {"id": lonely["id"]}}), 423, "no_target_card")
    assert snapshot(stack) == before


def test_unknown_card_campaign_and_unassigned_reward_are_404(stack: Stack) -> None:
    w = world(stack)
    body = {"reward": {"id": w["reward"]["id"]}}
    before = snapshot(stack)
    assert_error(*redeem(stack, "NOPE-1", body), 404, "not_found")
    assert_error(*redeem(stack, w["code"], body, "camp_0000000000000000000000aa"), 404, "not_found")
    assert_error(*redeem(stack, w["code"], {"reward": {"id": "rew_000000000000000000000000"}}), 404, "not_found")
    unassigned = make_reward(stack, {**MATERIAL, "name": "Unassigned"})
    before = snapshot(stack)
    status, err = redeem(stack, w["code"], {"reward": {"id": unassigned["id"]}})
    assert_error(status, err, 404, "not_found")
    assert err["resource_type"] == "reward"
    assert snapshot(stack) == before


@pytest.mark.parametrize("body", [{"reward": {}}, {"reward": {"id": 5}}, {"reward": {"id": "rew_x", "points": 0}},
                                  {"reward": {"id": "rew_x"}, "unknown": 1}, {"reward": {"id": "rew_x"}, "metadata": "x"}, [],
                                  {"reward": {"id": "rew_x", "points": 10}}, {"reward": {"id": "rew_x"}, "order": {"amount": 100}}])
def test_bad_redemption_bodies_are_400_and_write_nothing(stack: Stack, body: Any) -> None:
    w = world(stack)
    before = snapshot(stack)
    assert_error(*redeem(stack, w["code"], body), 400, "invalid_payload")
    assert snapshot(stack) == before


@pytest.mark.parametrize("body", [{}, {"reward": None}, {"metadata": {}}])
def test_a_redemption_without_a_reward_is_400_missing_reward(stack: Stack, body: Any) -> None:
    w = world(stack)
    before = snapshot(stack)
    assert_error(*redeem(stack, w["code"], body, w["campaign"]), 400, "missing_reward")
    assert snapshot(stack) == before


def test_the_same_idempotency_key_replays_one_redemption(stack: Stack) -> None:
    w = world(stack)
    body = {"reward": {"id": w["reward"]["id"]}}
    headers = {**stack.headers, "Idempotency-Key": "redeem-once"}
    first = redeem(stack, w["code"], body, headers=headers)
    assert first[0] == 200
    assert redeem(stack, w["code"], body, headers=headers) == first
    assert stored_card(stack, w["code"])["spent"] == 100
