"""A reward's `purchase_limits` per member (spec-map §2.4): a FIXED_COOLDOWN between two purchases and a LIMITED frequency
(at most `triggers.max` purchases per current calendar period, in the project time zone). Each is one conditioned item
(db.keys.purchase_cooldown / purchase_count) written in the purchase's accepting transaction, so concurrent purchases can
never exceed it. The periods are earning/periods.py's, the ones earning-rule trigger limits count in.

A purchase takes its slot when it is accepted. A purchase the worker later rejects (its reward withdrawn, or out of
attempts) or that is refunded does NOT give its slot back: the limit counts purchases the member made."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loyalty.cards.limits import cooldown_and_frequency
from loyalty.cards.store import ItemBuilder
from loyalty.core.errors import locked
from loyalty.db.table import Table

COOLDOWN = "purchase_limit:cooldown"
FREQUENCY = "purchase_limit:frequency"


def limit_reached(label: str, reward_id: str) -> Exception:
    """423 `reward_purchase_limit_reached` (the spec documents no key for it): the cooldown has not passed, or the
    purchases of the current period are used up."""
    why = ("The reward's purchase cooldown has not passed since the member's last purchase" if label == COOLDOWN
           else "The member has used up the purchases of this reward allowed in the current period")
    return locked("reward_purchase_limit_reached", "Reward purchase limit reached", why, resource_type="reward", resource_id=reward_id)


def purchase_limit_items(db: Table, reward: Mapping[str, Any], member_id: str, at: str, tz: str) -> tuple[ItemBuilder, ...]:
    """The conditioned items that count one purchase of `reward` by the member (labels COOLDOWN and FREQUENCY); none
    when the reward has no purchase limits."""
    reward_id = str(reward["id"])
    items = cooldown_and_frequency(reward.get("purchase_limits") or {}, db.keys.purchase_cooldown(member_id, reward_id),
                                   lambda period: db.keys.purchase_count(member_id, reward_id, period), at, tz, (COOLDOWN, FREQUENCY))
    return tuple(items)
