"""Bad input on the v1 tier routes: the documented 4xx with the error body, and nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_v1_loyalty import assert_error, make_campaign
from tests.integration.test_v1_tiers import TIERS, create_tiers, member_tiers, tier_items

ROUTES = (  # the routes this module drives (by these helpers and names)
    "create_in_bulk_loyalty_tiers", "list_loyalty_tiers", "get_loyalty_tier", "list_member_loyalty_tier",
    "list_loyalty_tier_earning_rules", "list_loyalty_tier_rewards")


BAD_BODIES = [
    [],
    {"name": "x", "points": {"from": 0}},
    [{"points": {"from": 0}}],
    [{"name": "A", "points": {"from": -1}}],
    [{"name": "A", "points": {"from": 10, "to": 5}}],
    [{"name": "A", "points": {"from": "0"}}],
    [{"name": "A", "points": {"from": 0}, "extra": 1}],
    [{"name": "A", "points": {"from": 0}, "earning_rules": {"ern_1": {"type": "MULTIPLY", "multiplier": 2}}}],
    [{"name": "A", "points": {"from": 0}, "rewards": {"rewa_1": {"type": "CUSTOM", "points": 5}}}],
    [{"name": "A", "points": {"from": 100, "to": 200}}, {"name": "B", "points": {"from": 0, "to": 50}}],
    [{"name": "A", "points": {"from": 0}}, {"name": "B", "points": {"from": 100}}],
    [{"name": f"T{i}", "points": {"from": i * 10, "to": i * 10 + 5}} for i in range(11)],
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_bad_bulk_create_is_refused_and_writes_nothing(stack: Stack, body: Any) -> None:
    campaign = make_campaign(stack)
    status, error = create_tiers(stack, campaign["id"], body)
    assert status == 400, error
    assert_error(status, error, 400, error["key"])
    assert tier_items(stack, campaign["id"]) == []


def test_campaign_tier_settings_the_model_cannot_enforce_are_refused(stack: Stack) -> None:
    settings = {"qualification_type": "POINTS_IN_PERIOD", "qualification_period": "MONTH",
                "start_date": {"type": "IMMEDIATE"}, "expiration_date": {"type": "END_OF_PERIOD", "extend": "P1M"}}
    campaign = make_campaign(stack, loyalty_tiers_expiration=settings)
    assert_error(*create_tiers(stack, campaign["id"], TIERS), 400, "invalid_payload")
    assert tier_items(stack, campaign["id"]) == []


def test_unknown_ids_answer_404(stack: Stack) -> None:
    campaign = make_campaign(stack)
    _, tiers = create_tiers(stack, campaign["id"], TIERS[:1])
    assert_error(*create_tiers(stack, "camp_unknown0000000000000000", TIERS), 404, "not_found")
    assert_error(*stack.call("list_loyalty_tiers", "GET", "/v1/loyalties/camp_unknown0000000000000000/tiers"), 404, "not_found")
    for name, suffix in (("get_loyalty_tier", ""), ("list_loyalty_tier_earning_rules", "/earning-rules"),
                         ("list_loyalty_tier_rewards", "/rewards")):
        status, body = stack.call(name, "GET", f"/v1/loyalties/{campaign['id']}/tiers/ltr_0123456789abcdef{suffix}")
        assert_error(status, body, 404, "not_found")
        assert body["resource_type"] == "loyalty_tier"
        assert_error(*stack.call(name, "GET", f"/v1/loyalties/nope/tiers/{tiers[0]['id']}{suffix}"), 404, "not_found")
    assert_error(*member_tiers(stack, "NO-SUCH-CODE"), 404, "not_found")
    assert_error(*stack.call("list_loyalty_tiers", "GET", f"/v1/loyalties/{campaign['id']}/tiers", query={"page": "2"}),
                 400, "invalid_query_params")
    assert_error(*stack.call("list_loyalty_tiers", "GET", f"/v1/loyalties/{campaign['id']}/tiers", query={"limit": "0"}),
                 400, "invalid_query_params")
