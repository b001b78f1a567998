"""Isolation of the v1 tier routes: another project's key reaches none of a campaign's tiers nor a card's tier."""

from __future__ import annotations

from tests.integration.conftest import Stack
from tests.integration.test_v1_loyalty import add_member, assert_error, make_campaign, make_customer
from tests.integration.test_v1_tiers import TIERS, create_tiers, tier_items


def test_another_project_sees_none_of_it(stack: Stack) -> None:
    campaign = make_campaign(stack)
    _, tiers = create_tiers(stack, campaign["id"], TIERS)
    customer = make_customer(stack)
    _, card = add_member(stack, campaign["id"], {"customer": customer["id"]})
    other = stack.other_headers
    path = f"/v1/loyalties/{campaign['id']}/tiers"
    calls = [("create_in_bulk_loyalty_tiers", "POST", path, [{"name": "X", "points": {"from": 5000}}]),
             ("list_loyalty_tiers", "GET", path, None),
             ("get_loyalty_tier", "GET", f"{path}/{tiers[0]['id']}", None),
             ("list_loyalty_tier_earning_rules", "GET", f"{path}/{tiers[0]['id']}/earning-rules", None),
             ("list_loyalty_tier_rewards", "GET", f"{path}/{tiers[0]['id']}/rewards", None),
             ("list_member_loyalty_tier", "GET", f"/v1/loyalties/members/{card['code']}/tiers", None)]
    for name, method, p, body in calls:
        assert_error(*stack.call(name, method, p, body, headers=other), 404, "not_found")
    assert len(tier_items(stack, campaign["id"])) == 3
