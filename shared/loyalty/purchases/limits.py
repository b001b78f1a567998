"""A reward's `purchase_limits` per member (spec-map §2.4): a FIXED_COOLDOWN between two purchases and a LIMITED frequency
(at most `triggers.max` purchases per current calendar period, in the project time zone). Each is one conditioned item
(db.keys.purchase_cooldown / purchase_count) written in the purchase's accepting transaction, so concurrent purchases can
never exceed it. The periods are earning/periods.py's, the ones earning-rule trigger limits count in.

A purchase takes its slot when it is accepted. A purchase the worker later rejects (its reward withdrawn, or out of
attempts) or that is refunded does NOT give its slot back: the limit counts purchases the member made."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from loyalty.cards.store import ItemBuilder
from loyalty.core.errors import locked
from loyalty.db.table import Table
from loyalty.db.transact import Transaction
from loyalty.earning.periods import TTL_GRACE, cooldown_start, instant, millis, period_key

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
    limits = reward.get("purchase_limits") or {}
    reward_id = str(reward["id"])
    now = millis(instant(at))
    items: list[ItemBuilder] = []
    cooldown = limits.get("cooldown") or {}
    if cooldown.get("type") == "FIXED_COOLDOWN":
        since = millis(cooldown_start(cooldown["fixed_cooldown"]["period"], at))

        def cool(tx: Transaction, chosen: str) -> None:
            tx.update(chosen, db.keys.purchase_cooldown(member_id, reward_id), "SET last_at = :now",
                      condition="attribute_not_exists(last_at) OR last_at <= :since", values={"now": now, "since": since})
        items.append((COOLDOWN, cool))
    frequency = limits.get("frequency") or {}
    for limit in frequency.get("limits") or [] if frequency.get("type") == "LIMITED" else []:
        key, ends = period_key(limit["period"]["current_period"]["unit"], at, tz)
        items.append((FREQUENCY, _counter(db, member_id, reward_id, key, ends, int(limit["triggers"]["max"]))))
    return tuple(items)


def _counter(db: Table, member_id: str, reward_id: str, key: str, ends: datetime, most: int) -> Any:
    def count(tx: Transaction, chosen: str) -> None:
        tx.update(chosen, db.keys.purchase_count(member_id, reward_id, key), "ADD #n :one SET expires_at = :ttl",
                  condition="attribute_not_exists(#n) OR #n < :most", names={"#n": "count"},
                  values={"one": 1, "most": most, "ttl": int((ends + TTL_GRACE).timestamp())})
    return count
