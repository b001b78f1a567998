"""v1 loyalty tiers on moto: bulk create (all or nothing, ranges checked), list, get, the tier a card's member is in (the
standing the stream consumer computes), the tier's earning rules and rewards; and every bad input refused writing nothing."""

from __future__ import annotations

import re
from typing import Any

from loyalty.db.codec import from_item
from tests.integration.conftest import Stack
from tests.integration.test_v1_loyalty import add_member, assert_error, balance, make_campaign, make_customer
from tests.integration.test_v1_rewards import assigned, make_reward

TIER_ID = re.compile(r"^ltr_[a-f0-9]+$")
REQUIRED = {"id", "name", "campaign_id", "metadata", "created_at", "config", "points", "object"}
TIERS = [{"name": "Silver", "points": {"from": 0, "to": 499}, "metadata": {"rank": 1}},
         {"name": "Gold", "points": {"from": 500, "to": 999}},
         {"name": "Platinum", "points": {"from": 1000}}]


def create_tiers(stack: Stack, campaign: str, body: Any, **kw: Any) -> tuple[int, Any]:
    return stack.call("create_in_bulk_loyalty_tiers", "POST", f"/v1/loyalties/{campaign}/tiers", body, **kw)


def member_tiers(stack: Stack, code: str, **kw: Any) -> tuple[int, Any]:
    return stack.call("list_member_loyalty_tier", "GET", f"/v1/loyalties/members/{code}/tiers", **kw)


def tier_items(stack: Stack, campaign_id: str) -> list[dict[str, Any]]:
    return sorted((from_item(i) for i in stack.items() if i["PK"]["S"] == f"acme#CAMP#{campaign_id}"
                   and i["SK"]["S"].startswith("LTR#")), key=lambda i: i["SK"])


def test_bulk_create_list_get_and_member_tier_follows_the_balance(stack: Stack) -> None:
    campaign = make_campaign(stack)
    # When three tiers are created in one request
    status, tiers = create_tiers(stack, campaign["id"], TIERS)
    # Then they answer LoyaltyTier objects, stored as three items of the campaign's partition
    assert status == 200 and [t["name"] for t in tiers] == ["Silver", "Gold", "Platinum"], tiers
    for tier in tiers:
        assert REQUIRED <= set(tier) and TIER_ID.match(tier["id"]) and tier["object"] == "loyalty_tier"
        assert tier["campaign_id"] == campaign["id"] and tier["config"] == {"points": tier["points"]}
    assert tiers[0]["metadata"] == {"rank": 1} and tiers[2]["points"] == {"from": 1000}
    assert sorted((i["data"] for i in tier_items(stack, campaign["id"])), key=lambda t: t["id"]) == sorted(tiers, key=lambda t: t["id"])
    # And list (limit, order) and get read them; by campaign name too
    assert stack.call("list_loyalty_tiers", "GET", f"/v1/loyalties/{campaign['id']}/tiers") == (
        200, {"object": "list", "data_ref": "data", "data": tiers, "total": 3})
    status, page = stack.call("list_loyalty_tiers", "GET", f"/v1/loyalties/{campaign['name']}/tiers",
                              query={"limit": "1", "order": "-created_at"})
    assert status == 200 and page["data"] == [tiers[2]] and page["total"] == 3
    assert stack.call("get_loyalty_tier", "GET", f"/v1/loyalties/{campaign['id']}/tiers/{tiers[1]['id']}") == (200, tiers[1])

    # When a customer joins and earns 600 points, the stream consumer ranks the card: Gold
    customer = make_customer(stack)
    status, card = add_member(stack, campaign["id"], {"customer": customer["id"]})
    assert status == 200, card
    stack.drain()
    status, body = member_tiers(stack, card["code"])
    assert status == 200 and [t["id"] for t in body["data"]] == [tiers[0]["id"]] and body["total"] == 1, body
    assert balance(stack, campaign["id"], card["code"], {"points": 600})[0] == 200
    stack.drain()
    status, body = member_tiers(stack, card["code"])
    [gold] = body["data"]
    assert gold["id"] == tiers[1]["id"] and gold["name"] == "Gold"
    expiration = gold["expiration"]
    assert expiration["customer_id"] == customer["id"] and expiration["campaign_id"] == campaign["id"]
    assert expiration["tier_id"] == tiers[1]["id"] and expiration["start_date"] and "expiration_date" not in expiration
    # And spending down re-ranks it (BALANCE_DROP: moved down as far as the balance falls)
    assert balance(stack, campaign["id"], card["code"], {"points": -550})[0] == 200
    stack.drain()
    assert [t["id"] for t in member_tiers(stack, card["code"])[1]["data"]] == [tiers[0]["id"]]

    # And a second bulk create extends the structure
    status, more = create_tiers(stack, campaign["id"], [{"name": "Bronze?", "points": {"from": 0, "to": 10}}])
    assert_error(status, more, 400, "invalid_payload")  # overlaps Silver
    assert len(tier_items(stack, campaign["id"])) == 3


def test_a_member_with_points_before_the_tiers_is_in_the_tier_its_balance_names(stack: Stack) -> None:
    # Given a card that earned 700 points before its campaign had tiers (so nothing ranked it)
    campaign = make_campaign(stack)
    status, card = add_member(stack, campaign["id"], {"customer": make_customer(stack)["id"]})
    assert status == 200 and balance(stack, campaign["id"], card["code"], {"points": 700})[0] == 200
    stack.drain()
    # When tiers are created afterwards, with no change to the card
    status, tiers = create_tiers(stack, campaign["id"], TIERS)
    assert status == 200, tiers
    # Then its member tiers already name the tier of its balance (v1 tiers follow the balance at once)
    status, body = member_tiers(stack, card["code"])
    assert status == 200 and [t["name"] for t in body["data"]] == ["Gold"] and body["total"] == 1, body
    assert "start_date" not in body["data"][0]["expiration"]  # unknown until the card's next change ranks it (not null)


def test_tier_earning_rules_and_rewards(stack: Stack) -> None:
    campaign = make_campaign(stack)
    _, tiers = create_tiers(stack, campaign["id"], TIERS[:2])
    order_rule = {"event": "order.paid", "loyalty": {"type": "FIXED", "points": 5}}
    tier_rule = {"event": "customer.loyalty.tier.joined", "loyalty": {"type": "FIXED", "points": 50},
                 "loyalty_tier": {"id": tiers[1]["id"]}}
    status, rules = stack.call("create_earning_rule_v1", "POST", f"/v1/loyalties/{campaign['id']}/earning-rules",
                               [order_rule, tier_rule])
    assert status == 200, rules
    path = f"/v1/loyalties/{campaign['id']}/tiers"
    # Then Silver earns by the order rule only, Gold by both (the tier-change rule names Gold)
    status, silver = stack.call("list_loyalty_tier_earning_rules", "GET", f"{path}/{tiers[0]['id']}/earning-rules")
    assert status == 200 and [r["id"] for r in silver["data"]] == [rules[0]["id"]] and silver["total"] == 1
    status, gold = stack.call("list_loyalty_tier_earning_rules", "GET", f"{path}/{tiers[1]['id']}/earning-rules",
                              query={"limit": "1", "page": "2"})
    assert status == 200 and [r["id"] for r in gold["data"]] == [rules[1]["id"]] and gold["total"] == 2
    # And every tier may redeem the campaign's reward assignments
    reward = make_reward(stack)
    assignment = assigned(stack, reward["id"], campaign["id"], 100)
    status, body = stack.call("list_loyalty_tier_rewards", "GET", f"{path}/{tiers[0]['id']}/rewards")
    assert status == 200 and body["total"] == 1, body
    [item] = body["data"]
    assert item["object"] == "loyalty_tier_reward" and item["assignment"] == assignment and item["reward"]["id"] == reward["id"]
