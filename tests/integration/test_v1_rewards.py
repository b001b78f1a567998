"""v1 rewards (`/v1/rewards`) and their campaign assignments on moto, from the reward's side and the campaign's side:
status, body and the items written; coupon, gift and pay-with-points rewards refused; the member's rewards."""

from __future__ import annotations

import re
from typing import Any

import pytest

from loyalty.components.fulfilment import points_target, unfulfillable_reason
from loyalty.db.codec import from_item
from loyalty.db.transact import TransactionConflict
from loyalty.v1rewards import store as reward_store
from loyalty.v1rewards.views import fulfilment_view
from tests.integration.conftest import Stack
from tests.integration.test_v1_loyalty import add_member, assert_error, balance, make_campaign, make_customer

REWARD_ID = re.compile(r"^rew_[a-f0-9]{24}$")
ASSIGNMENT_ID = re.compile(r"^rewa_[a-f0-9]{24}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
REWARD_REQUIRED = {"id", "name", "type", "stock", "redeemed", "metadata", "created_at", "updated_at", "object"}
ASSIGNMENT_REQUIRED = {"id", "reward_id", "related_object_id", "related_object_type", "created_at", "updated_at", "object"}
MATERIAL = {"name": "Get a Comic Book", "metadata": {"Type": "Material"}, "type": "MATERIAL",
            "parameters": {"product": {"id": "prod_0b15f6b9f650c16990", "sku_id": "sku_0b1621b319d248b79f"}}, "stock": 2,
            "attributes": {"image_url": "https://www.website.com/img_fPHsk9Ob.png", "description": "Comic book"}}


def create_reward(stack: Stack, body: Any, **kw: Any) -> tuple[int, Any]:
    return stack.call("create_reward_v1", "POST", "/v1/rewards", body, **kw)


def make_reward(stack: Stack, body: dict[str, Any] | None = None) -> dict[str, Any]:
    status, reward = create_reward(stack, body or MATERIAL)
    assert status == 200, reward
    return dict(reward)


def assign(stack: Stack, reward_id: str, campaign: str, points: int, **kw: Any) -> tuple[int, Any]:
    return stack.call("create_reward_assignment_v1", "POST", f"/v1/rewards/{reward_id}/assignments",
                      {"campaign": campaign, "parameters": {"loyalty": {"points": points}}}, **kw)


def assigned(stack: Stack, reward_id: str, campaign: str, points: int) -> dict[str, Any]:
    status, body = assign(stack, reward_id, campaign, points)
    assert status == 200, body
    return dict(body)


def items_of(stack: Stack, pk: str) -> list[dict[str, Any]]:
    return sorted((from_item(i) for i in stack.items() if i["PK"]["S"] == pk), key=lambda i: i["SK"])


# ---------------------------------------------------------------------------------------------- rewards
def test_material_reward_create_get_list_update_delete(stack: Stack) -> None:
    # When a MATERIAL reward is created with the spec's example body
    reward = make_reward(stack)
    # Then it answers the v1 Reward with every required field, and is one item listed in creation order
    assert REWARD_REQUIRED <= set(reward) and REWARD_ID.match(reward["id"]) and TIMESTAMP.match(reward["created_at"])
    assert reward["type"] == "MATERIAL" and reward["stock"] == 2 and reward["redeemed"] == 0 and reward["updated_at"] is None
    assert reward["parameters"] == {"product": {"id": "prod_0b15f6b9f650c16990", "sku_id": "sku_0b1621b319d248b79f"}}
    assert reward["attributes"] == MATERIAL["attributes"] and reward["object"] == "reward"
    [item] = items_of(stack, f"acme#REWV1#{reward['id']}")
    assert item["data"] == reward and item["version"] == 0 and item["assignments"] == 0 and item["GSI1PK"] == "acme#REWARDSV1"
    assert stack.call("get_reward_v1", "GET", f"/v1/rewards/{reward['id']}") == (200, reward)

    # And a list pages it with a total
    second = make_reward(stack, {**MATERIAL, "name": "Second"})
    status, page = stack.call("list_rewards_v1", "GET", "/v1/rewards", query={"limit": "1", "page": "2"})
    assert status == 200 and page == {"object": "list", "data_ref": "data", "data": [second], "total": 2}

    # When it is updated, the fields given replace its own
    status, updated = stack.call("update_reward_v1", "PUT", f"/v1/rewards/{reward['id']}", {"name": "Renamed", "stock": 5})
    assert status == 200 and updated["name"] == "Renamed" and updated["stock"] == 5 and TIMESTAMP.match(updated["updated_at"])
    assert updated["parameters"] == reward["parameters"]
    # And deleted: 204, then 404
    status, _ = stack.call("delete_reward_v1", "DELETE", f"/v1/rewards/{reward['id']}")
    assert status == 204
    assert_error(*stack.call("get_reward_v1", "GET", f"/v1/rewards/{reward['id']}"), 404, "not_found")
    assert items_of(stack, f"acme#REWV1#{reward['id']}") == []


def test_loyalty_points_reward_credits_a_card_of_an_existing_loyalty_campaign(stack: Stack) -> None:
    campaign = make_campaign(stack)
    reward = make_reward(stack, {"name": "Points", "type": "CAMPAIGN", "parameters": {"campaign": {"id": campaign["id"], "balance": 100}}})
    assert reward["type"] == "CAMPAIGN" and reward["stock"] is None
    assert reward["parameters"] == {"campaign": {"id": campaign["id"], "balance": 100, "type": "LOYALTY_PROGRAM"}}
    # by name too
    by_name = make_reward(stack, {"name": "Points 2", "parameters": {"campaign": {"id": campaign["name"], "balance": 5}}})
    assert by_name["parameters"]["campaign"]["id"] == campaign["id"]
    # a campaign that does not exist, or a zero balance
    assert_error(*create_reward(stack, {"name": "x", "parameters": {"campaign": {"id": "camp_doesnotexist1", "balance": 1}}}),
                 404, "not_found")
    assert_error(*create_reward(stack, {"name": "x", "parameters": {"campaign": {"id": campaign["id"]}}}), 400, "invalid_balance")


def test_rewards_this_server_cannot_deliver_are_refused_and_nothing_is_stored(stack: Stack) -> None:
    campaign = make_campaign(stack)
    for body in ({"name": "Gift", "type": "CAMPAIGN", "parameters": {"campaign": {"id": campaign["id"], "balance": 3000, "type": "GIFT_VOUCHERS"}}},
                 {"name": "Coupon", "type": "CAMPAIGN", "parameters": {"campaign": {"id": campaign["id"], "type": "DISCOUNT_COUPONS"}}},
                 {"name": "Coin", "type": "COIN", "parameters": {"coin": {"exchange_ratio": 900, "points_ratio": 8000}}}):
        status, error = create_reward(stack, body)
        assert_error(status, error, 400, "invalid_payload")
        assert "not supported by this server" in error["details"]
    assert not [i for i in stack.items() if "#REWV1#" in i["PK"]["S"]]


def test_reward_bad_updates(stack: Stack) -> None:
    reward = make_reward(stack)
    path = f"/v1/rewards/{reward['id']}"
    assert_error(*stack.call("update_reward_v1", "PUT", path, {"type": "COIN"}), 400, "invalid_payload")
    assert_error(*stack.call("update_reward_v1", "PUT", path, {"parameters": {"campaign": {"id": "camp_x", "balance": 1}}}),
                 400, "invalid_payload")
    assert_error(*stack.call("update_reward_v1", "PUT", path, {"name": None}), 400, "invalid_payload")
    assert_error(*stack.call("update_reward_v1", "PUT", "/v1/rewards/rew_doesnotexist1", {"name": "x"}), 404, "not_found")


# ---------------------------------------------------------------------------------------------- assignments
def test_assignment_from_both_sides_and_delete_refused_while_assigned(stack: Stack) -> None:
    campaign = make_campaign(stack)
    reward = make_reward(stack)
    # When the reward is assigned to the campaign at 100 points
    assignment = assigned(stack, reward["id"], campaign["id"], 100)
    assert ASSIGNMENT_REQUIRED <= set(assignment) and ASSIGNMENT_ID.match(assignment["id"])
    assert assignment["reward_id"] == reward["id"] and assignment["related_object_id"] == campaign["id"]
    assert assignment["related_object_type"] == "campaign" and assignment["parameters"] == {"loyalty": {"points": 100}}
    # Then two copies and a reference are written, and the reward counts it
    [copy] = [i for i in items_of(stack, f"acme#CAMP#{campaign['id']}") if i["SK"].startswith("RWA#")]
    assert copy["SK"] == f"RWA#{assignment['id']}" and copy["data"] == assignment and copy["version"] == 0
    reward_items = items_of(stack, f"acme#REWV1#{reward['id']}")
    assert [i["SK"] for i in reward_items] == ["REWARD", f"RWA#{campaign['id']}"] and reward_items[0]["assignments"] == 1
    # And both sides read it
    a_id = assignment["id"]
    assert stack.call("get_reward_assignment_v1", "GET", f"/v1/rewards/{reward['id']}/assignments/{a_id}") == (200, assignment)
    assert stack.call("get_reward_assignment_2", "GET", f"/v1/loyalties/{campaign['id']}/rewards/{a_id}") == (200, assignment)
    assert stack.call("get_reward_assignment_1", "GET", f"/v1/loyalties/{campaign['name']}/reward-assignments/{a_id}") == (200, assignment)
    assert stack.call("get_reward_details", "GET", f"/v1/loyalties/{campaign['id']}/reward-assignments/{a_id}/reward") == (200, reward)
    listing = {"object": "list", "data_ref": "data", "data": [assignment], "total": 1}
    assert stack.call("list_reward_assignments_v1", "GET", f"/v1/rewards/{reward['id']}/assignments") == (200, listing)
    assert stack.call("list_reward_assignments_2", "GET", f"/v1/loyalties/{campaign['id']}/rewards") == (200, listing)
    assert stack.call("list_reward_assignments_1", "GET", f"/v1/loyalties/{campaign['id']}/reward-assignments",
                      query={"assignmentId": a_id}) == (200, listing)
    assert stack.call("list_rewards_v1", "GET", "/v1/rewards", query={"assignment_id": a_id})[1]["data"] == [reward]

    # A second assignment to the same campaign: 409 duplicate_found naming the first
    status, error = assign(stack, reward["id"], campaign["id"], 5)
    assert_error(status, error, 409, "duplicate_found")
    assert error["resource_id"] == a_id
    # The reward cannot be deleted while assigned
    status, error = stack.call("delete_reward_v1", "DELETE", f"/v1/rewards/{reward['id']}")
    assert_error(status, error, 400, "resource_in_use")
    assert error["related_object_ids"] == [a_id] and error["related_object_type"] == "reward_assignment"

    # Updates from either side move both copies
    status, updated = stack.call("update_reward_assignment_1", "PUT", f"/v1/loyalties/{campaign['id']}/rewards/{a_id}",
                                 {"parameters": {"loyalty": {"points": 3}}})
    assert status == 200 and updated["parameters"]["loyalty"]["points"] == 3 and TIMESTAMP.match(updated["updated_at"])
    assert stack.call("get_reward_assignment_v1", "GET", f"/v1/rewards/{reward['id']}/assignments/{a_id}") == (200, updated)
    status, again = stack.call("update_reward_assignment_v1", "PUT", f"/v1/rewards/{reward['id']}/assignments/{a_id}",
                               {"parameters": {"loyalty": {"points": 35}}})
    assert status == 200 and again["parameters"]["loyalty"]["points"] == 35
    copies = [i for i in stack.items() if "RWA#" in i["SK"]["S"]]
    assert len(copies) == 2 and all(from_item(i)["version"] == 2 for i in copies)

    # Delete from the campaign's side: everything goes, and the reward can be deleted
    status, _ = stack.call("delete_reward_assignment_1", "DELETE", f"/v1/loyalties/{campaign['id']}/rewards/{a_id}")
    assert status == 204
    assert not [i for i in stack.items() if "RWA" in i["SK"]["S"] or "#RWA#" in i["PK"]["S"]]
    assert_error(*stack.call("get_reward_assignment_2", "GET", f"/v1/loyalties/{campaign['id']}/rewards/{a_id}"), 404, "not_found")
    assert stack.call("delete_reward_v1", "DELETE", f"/v1/rewards/{reward['id']}")[0] == 204


def test_campaign_side_create_takes_an_array_all_or_none(stack: Stack) -> None:
    campaign = make_campaign(stack)
    first, second = make_reward(stack), make_reward(stack, {**MATERIAL, "name": "Second"})
    path = f"/v1/loyalties/{campaign['id']}/rewards"
    status, body = stack.call("create_reward_assignment_1", "POST", path, [
        {"reward": first["id"], "parameters": {"loyalty": {"points": 10}}},
        {"reward": second["id"], "parameters": {"loyalty": {"points": 20}}}])
    assert status == 200 and [a["reward_id"] for a in body] == [first["id"], second["id"]]
    third = make_reward(stack, {**MATERIAL, "name": "Third"})
    # one of them already assigned: nothing is written
    status, error = stack.call("create_reward_assignment_1", "POST", path, [
        {"reward": third["id"], "parameters": {"loyalty": {"points": 10}}},
        {"reward": first["id"], "parameters": {"loyalty": {"points": 20}}}])
    assert_error(status, error, 409, "duplicate_found")
    assert items_of(stack, f"acme#REWV1#{third['id']}")[0]["assignments"] == 0
    # an unknown reward
    assert_error(*stack.call("create_reward_assignment_1", "POST", path, [
        {"reward": "rew_doesnotexist1", "parameters": {"loyalty": {"points": 1}}}]), 404, "not_found")
    # an unknown campaign
    assert_error(*stack.call("create_reward_assignment_1", "POST", "/v1/loyalties/camp_doesnotexist1/rewards", [
        {"reward": third["id"], "parameters": {"loyalty": {"points": 1}}}]), 404, "not_found")
    assert_error(*assign(stack, third["id"], "camp_doesnotexist1", 1), 404, "not_found")


def test_member_rewards_show_what_the_campaign_offers_and_what_the_balance_affords(stack: Stack) -> None:
    campaign = make_campaign(stack)
    cheap, dear = make_reward(stack), make_reward(stack, {**MATERIAL, "name": "Dear"})
    a_cheap, a_dear = assigned(stack, cheap["id"], campaign["id"], 100), assigned(stack, dear["id"], campaign["id"], 1000)
    customer = make_customer(stack)
    status, card = add_member(stack, campaign["id"], {"customer": customer["id"]})
    assert status == 200, card
    assert balance(stack, campaign["id"], card["code"], {"points": 500})[0] == 200
    path = f"/v1/loyalties/members/{card['code']}/rewards"
    status, body = stack.call("list_member_rewards", "GET", path)
    assert status == 200 and body["total"] == 2 and body["object"] == "list" and body["data_ref"] == "data"
    assert [(d["reward"], d["assignment"], d["object"]) for d in body["data"]] == [
        (cheap, a_cheap, "loyalty_reward"), (dear, a_dear, "loyalty_reward")]
    status, body = stack.call("list_member_rewards", "GET", path, query={"affordable_only": "true"})
    assert status == 200 and [d["reward"]["id"] for d in body["data"]] == [cheap["id"]] and body["total"] == 1
    assert_error(*stack.call("list_member_rewards", "GET", "/v1/loyalties/members/NO-SUCH/rewards"), 404, "not_found")


def test_a_stored_reward_maps_onto_the_v2_fulfilment_rules(stack: Stack) -> None:
    """What a redemption will deliver: a loyalty points reward is a v2 LOYALTY_CARD_POINTS credit on the campaign's cards
    (their card definition is the campaign), a material reward is MATERIAL; neither is unfulfillable."""
    campaign = make_campaign(stack)
    points = make_reward(stack, {"name": "Points", "parameters": {"campaign": {"id": campaign["id"], "balance": 25}}})
    assert points_target(fulfilment_view(points)) == {"points": 25, "card_definition_id": campaign["id"]}
    assert unfulfillable_reason(fulfilment_view(points)) is None
    assert fulfilment_view(make_reward(stack)) == {"type": "MATERIAL"}
    assert unfulfillable_reason(fulfilment_view({"type": "CAMPAIGN", "parameters": {"campaign": {"id": "x", "type": "GIFT_VOUCHERS"}}}))


def test_a_change_between_read_and_write_is_409_and_changes_nothing(stack: Stack) -> None:
    """Both copies carry one version: an update or delete that read an older version is refused (what a redemption relies
    on to spend exactly the cost it read)."""
    campaign, reward = make_campaign(stack), make_reward(stack)
    assignment = assigned(stack, reward["id"], campaign["id"], 100)
    db = stack.db()
    stale = reward_store.campaign_assignment(db, campaign["id"], assignment["id"])
    assert stale is not None
    assert stack.call("update_reward_assignment_1", "PUT", f"/v1/loyalties/{campaign['id']}/rewards/{assignment['id']}",
                      {"parameters": {"loyalty": {"points": 7}}})[0] == 200
    before = stack.items()
    with pytest.raises(TransactionConflict):
        reward_store.save_assignment(db, {**stale["data"], "parameters": {"loyalty": {"points": 1}}}, int(stale["version"]))
    with pytest.raises(TransactionConflict):
        reward_store.delete_assignment(db, stale["data"], int(stale["version"]))
    assert stack.items() == before
