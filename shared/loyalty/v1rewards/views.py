"""What v1 rewards read as, shared by the service and the redemption: the reward id pattern and the v2 view that the
fulfilment rules read."""

from __future__ import annotations

import re
from typing import Any

REWARD_ID = re.compile(r"rew_[A-Za-z0-9]{1,60}")


def fulfilment_view(reward: dict[str, Any]) -> dict[str, Any]:
    """The reward in the v2 shape the fulfilment rules read: a CAMPAIGN reward is a DIGITAL reward (LOYALTY_PROGRAM:
    LOYALTY_CARD_POINTS credited to a card of that campaign, whose card definition is the campaign itself), a MATERIAL
    reward is MATERIAL, a COIN reward is COIN."""
    campaign = (reward.get("parameters") or {}).get("campaign")
    if reward["type"] != "CAMPAIGN" or campaign is None:
        return {"type": reward["type"]}
    kind = campaign.get("type") or "LOYALTY_PROGRAM"
    if kind != "LOYALTY_PROGRAM":
        return {"type": "DIGITAL", "digital": {"type": kind}}
    return {"type": "DIGITAL", "digital": {"type": "LOYALTY_CARD_POINTS", "loyalty_card_points": {
        "points": int(campaign.get("balance") or 0), "card_definition_id": campaign["id"]}}}
