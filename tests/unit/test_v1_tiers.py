"""v1 tiers mapped onto the tier model: a campaign's tiers rank a card by its balance, re-ranked on every change."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from loyalty.tiers import standing
from loyalty.v1.models import tier_of, tier_structure_of
from loyalty.v1tiers.models import LoyaltyTierCreate, tier_object

CAMPAIGN = "camp_0a1b2c3d4e5f6a7b8c9d0e1f"


def test_a_campaign_s_tiers_rank_its_card_by_balance_and_move_down_with_it() -> None:
    tiers = [tier_object(LoyaltyTierCreate.model_validate(t), CAMPAIGN) for t in (
        {"name": "Silver", "points": {"from": 0, "to": 499}}, {"name": "Gold", "points": {"from": 500}})]
    structure = tier_structure_of(CAMPAIGN)
    assert standing.tracks(structure) == CAMPAIGN and tier_of(tiers[1])["qualification_rules"] == {
        "type": "POINTS", "points": {"min_value": 500}}
    card = {"id": "lcrd_1", "member_id": "lmbr_1", "program_id": CAMPAIGN, "card_definition_id": CAMPAIGN, "balance": 600,
            "earned": 600}
    v2 = [tier_of(t) for t in tiers]
    up = standing.evaluate(structure, v2, None, card, date(2026, 1, 1), daily=False, at="2026-01-01T00:00:00.000Z")
    assert up.standing is not None and up.standing["tier_id"] == tiers[1]["id"] and up.standing["expires_at"] is None
    down = standing.evaluate(structure, v2, up.standing, {**card, "balance": 10}, date(2026, 1, 2), daily=False, at="2026-01-02T00:00:00.000Z")
    assert down.standing is not None and down.standing["tier_id"] == tiers[0]["id"]


@pytest.mark.parametrize("body", [{"name": "A", "points": {"from": 5, "to": 1}}, {"name": "A", "points": {"from": -1}},
                                  {"name": "", "points": {"from": 0}}, {"name": "A", "points": {"to": 5}},
                                  {"name": "A", "points": {"from": 0}, "earning_rules": {"x": {"type": "OTHER"}}}])
def test_invalid_tiers_are_refused_by_the_model(body: dict) -> None:
    with pytest.raises(ValidationError):
        LoyaltyTierCreate.model_validate(body)
