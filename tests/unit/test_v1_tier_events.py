"""v1 tier-event earning rules without a table: which (event, tier) pairs a tier change fires, and which stored rules
those pairs fire (active, in an active campaign, inside their validity window, FIXED points, the tier or `__ANY__`)."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.core.errors import LoyaltyError
from loyalty.v1.earning import fired_tier_rules, rule_object
from loyalty.v1.models import CampaignEarningRuleCreate, tier_events

CAMPAIGN: dict[str, Any] = {"id": "camp_0a", "name": "Club", "active": True, "voucher": {"loyalty_card": {"points": 0}}}
NOW = "2026-03-04T12:00:00.000Z"  # a Wednesday (day 3)
JOINED, LEFT, UP, DOWN, KEPT = (f"customer.loyalty.tier.{e}" for e in ("joined", "left", "upgraded", "downgraded", "prolonged"))


def rule(event: str, tier: str = "__ANY__", points: int = 1, rule_id: str = "ern_01", **extra: Any) -> dict[str, Any]:
    body = {"event": f"customer.loyalty.tier.{event}", "loyalty_tier": {"id": tier}, "loyalty": {"type": "FIXED", "points": points},
            **extra}
    return rule_object(CampaignEarningRuleCreate.model_validate(body), CAMPAIGN["id"], rule_id=rule_id, created_at=NOW,
                       updated_at=None, automation_id="auto_01")


@pytest.mark.parametrize(("change", "tier_from", "tier_to", "expected"), [
    ("JOINED", None, "ltr_g", [(JOINED, "ltr_g")]),
    ("UPGRADED", "ltr_s", "ltr_g", [(JOINED, "ltr_g"), (LEFT, "ltr_s"), (UP, "ltr_g")]),
    ("DOWNGRADED", "ltr_g", "ltr_s", [(JOINED, "ltr_s"), (LEFT, "ltr_g"), (DOWN, "ltr_s")]),
    ("LEFT", "ltr_s", None, [(LEFT, "ltr_s")]),
    ("PROLONGED", None, "ltr_g", [(KEPT, "ltr_g")]),
    ("SOMETHING_ELSE", "ltr_s", "ltr_g", []),
])
def test_a_tier_change_fires_entering_leaving_and_moving_events(change: str, tier_from: str | None, tier_to: str | None,
                                                                expected: list[tuple[str, str]]) -> None:
    assert tier_events(change, tier_from, tier_to) == expected


def fired(rules: list[dict[str, Any]], change: str = "UPGRADED", tiers: tuple[str | None, str | None] = ("ltr_s", "ltr_g"),
          campaign: dict[str, Any] = CAMPAIGN) -> list[tuple[str, str, int]]:
    found = fired_tier_rules(campaign, rules, tier_events(change, *tiers), NOW, "UTC")
    return [(f.rule["id"], f.tier_id, f.points) for f in found]


def test_rules_fire_for_their_event_and_tier_or_any_tier() -> None:
    rules = [rule("joined", "ltr_g", 100, "ern_1"), rule("left", "ltr_s", 7, "ern_2"), rule("upgraded", "__ANY__", 1, "ern_3"),
             rule("joined", "ltr_s", 5, "ern_4"), rule("left", "ltr_g", 5, "ern_5"), rule("downgraded", "__ANY__", 5, "ern_6"),
             rule("prolonged", "__ANY__", 5, "ern_7")]
    assert fired(rules) == [("ern_1", "ltr_g", 100), ("ern_2", "ltr_s", 7), ("ern_3", "ltr_g", 1)]
    assert fired(rules, "DOWNGRADED", ("ltr_g", "ltr_s")) == [("ern_4", "ltr_s", 5), ("ern_5", "ltr_g", 5), ("ern_6", "ltr_s", 5)]
    assert fired(rules, "PROLONGED", (None, "ltr_g")) == [("ern_7", "ltr_g", 5)]
    assert fired(rules, "LEFT", ("ltr_g", None)) == [("ern_5", "ltr_g", 5)]


def test_inactive_rules_campaigns_and_windows_fire_nothing() -> None:
    assert fired([rule("joined", active=False)]) == []
    assert fired([rule("joined")], campaign={**CAMPAIGN, "active": False}) == []
    assert fired([rule("joined", start_date="2026-04-01T00:00:00Z")]) == []
    assert fired([rule("joined", expiration_date="2026-03-01T00:00:00Z")]) == []
    assert fired([rule("joined")], campaign={**CAMPAIGN, "expiration_date": "2026-03-01T00:00:00Z"}) == []
    assert fired([rule("joined", validity_day_of_week=[1, 2])]) == []  # not on a Wednesday
    assert fired([rule("joined", validity_day_of_week=[3])]) == [("ern_01", "ltr_g", 1)]
    assert fired([rule("joined", points=0)]) == []


def test_non_tier_rules_and_a_stored_proportional_tier_rule_fire_nothing() -> None:
    order = rule_object(CampaignEarningRuleCreate.model_validate({"event": "order.paid", "loyalty": {"type": "FIXED", "points": 5}}),
                        CAMPAIGN["id"], rule_id="ern_9", created_at=NOW, updated_at=None, automation_id="auto_9")
    legacy = {**rule("joined"), "loyalty": {"type": "PROPORTIONAL", "calculation_type": "CUSTOMER_METADATA"}}
    assert fired([order, legacy]) == []


def test_a_tier_rule_takes_fixed_points_only() -> None:
    with pytest.raises((LoyaltyError, ValueError)):
        CampaignEarningRuleCreate.model_validate({"event": "customer.loyalty.tier.joined", "loyalty_tier": {"id": "__ANY__"}, "loyalty": {
            "type": "PROPORTIONAL", "calculation_type": "CUSTOMER_METADATA", "customer": {"metadata": {"every": 1, "points": 1, "property": "p"}}}})
