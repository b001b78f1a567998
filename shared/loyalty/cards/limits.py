"""Cooldown and frequency limits counted by conditioned items (earning-rule `trigger_limits` per member, reward
`purchase_limits` per member: the spec gives both the same shape): a FIXED_COOLDOWN item holding the last time, refused
while the cooldown has not passed; a LIMITED frequency item per current calendar period (project time zone, removed by
TTL after it), refused at `triggers.max`. The caller writes them in the transaction they limit."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from loyalty.cards.store import ItemBuilder
from loyalty.db.keys import Key
from loyalty.db.transact import Transaction
from loyalty.earning.periods import TTL_GRACE, cooldown_start, instant, millis, period_key


def cooldown_and_frequency(limits: Mapping[str, Any], cooldown_key: Key, count_key: Callable[[str], Key], at: str, tz: str,
                           labels: tuple[str, str]) -> list[ItemBuilder]:
    """The items that count one use at `at` under `limits` ({cooldown, frequency}): (cooldown label, builder) when a
    FIXED_COOLDOWN is set, (frequency label, builder) per LIMITED frequency; `count_key(period)` names a period's counter."""
    now = millis(instant(at))
    items: list[ItemBuilder] = []
    cooldown = limits.get("cooldown") or {}
    if cooldown.get("type") == "FIXED_COOLDOWN":
        since = millis(cooldown_start(cooldown["fixed_cooldown"]["period"], at))

        def cool(tx: Transaction, chosen: str) -> None:
            tx.update(chosen, cooldown_key, "SET last_at = :now", condition="attribute_not_exists(last_at) OR last_at <= :since",
                      values={"now": now, "since": since})
        items.append((labels[0], cool))
    frequency = limits.get("frequency") or {}
    for limit in frequency.get("limits") or [] if frequency.get("type") == "LIMITED" else []:
        key, ends = period_key(limit["period"]["current_period"]["unit"], at, tz)
        items.append((labels[1], _counter(count_key(key), ends, int(limit["triggers"]["max"]))))
    return items


def _counter(key: Key, ends: datetime, most: int) -> Callable[[Transaction, str], None]:
    def count(tx: Transaction, chosen: str) -> None:
        tx.update(chosen, key, "ADD #n :one SET expires_at = :ttl", condition="attribute_not_exists(#n) OR #n < :most",
                  names={"#n": "count"}, values={"one": 1, "most": most, "ttl": int((ends + TTL_GRACE).timestamp())})
    return count
