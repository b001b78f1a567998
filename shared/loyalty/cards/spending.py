"""A card definition's `spending_limits` (spec-map §2.2), checked and counted where points are taken from a card: the
one place every spend path calls (reward purchases today; pay-with-points on orders can call the same two functions).

- `transactions` LIMITED `POINTS` {max}: one spend may take at most `max` points (checked before writing: 423).
- `global` LIMITED `SPENDING_BASED` {max}: at most `max` points taken from the card in its life; counted on the card's
  spending counter item (db.keys.spending_cap(card, "ALL")), started, the first time, from the points the card had
  already spent or locked (spent + locked - unlocked, as read).
- `global` LIMITED `TIME_BASED` {period CURRENT_PERIOD, points {max}}: at most `max` points taken in the current calendar
  period of the project time zone (db.keys.spending_cap(card, period), removed by TTL after the period).

Both counters are written in the spend's own transaction, each conditioned on staying within its limit (label
`spending_limit`), so concurrent spends can never exceed a limit. They count points when a spend is accepted; a spend
that is later rejected or refunded does not give them back (the limit counts what the member took, not what was kept)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from loyalty.cards.store import ItemBuilder
from loyalty.core.errors import locked
from loyalty.db.table import Table
from loyalty.db.transact import Transaction
from loyalty.earning.periods import TTL_GRACE, period_key

LABEL = "spending_limit"
LIFETIME = "ALL"


def spending_limit_reached(details: str) -> Exception:
    """423 `spending_limit_reached`: the card definition's spending limits do not allow this spend."""
    return locked("spending_limit_reached", "Spending limit reached", details)


def _limited(group: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    limits = (group or {}).get("limits") or []
    return limits[0] if (group or {}).get("type") == "LIMITED" and limits else None


def per_spend_max(cdef: Mapping[str, Any]) -> int | None:
    """The most points one spend may take under the card definition's per-transaction limit (None: no such limit); a
    spend whose amount is the caller's to choose (a pay-with-points payment) takes at most this many."""
    per_spend = _limited((cdef.get("spending_limits") or {}).get("transactions"))
    return int(per_spend["max"]) if per_spend is not None else None


def check_spend(cdef: Mapping[str, Any], points: int) -> None:
    """Raise the 423 when one spend of `points` is over the card definition's per-transaction limit or alone over its
    global limit (nothing written)."""
    limits = cdef.get("spending_limits") or {}
    per_spend = _limited(limits.get("transactions"))
    if per_spend is not None and points > int(per_spend["max"]):
        raise spending_limit_reached(f"A single spend may take at most {per_spend['max']} points from a card of this card definition")
    overall = _limited(limits.get("global"))
    if overall is None:
        return
    most = int(overall["max"] if overall.get("type") == "SPENDING_BASED" else overall["points"]["max"])
    if points > most:
        raise spending_limit_reached(f"The card definition allows at most {most} points to be spent from a card")


def spending_items(db: Table, cdef: Mapping[str, Any], card: Mapping[str, Any], points: int, at: str, tz: str) -> tuple[ItemBuilder, ...]:
    """The conditioned counter updates (label `spending_limit`) that count a spend of `points` from `card` against its
    card definition's global spending limit, for the spend's transaction; none when it has no global limit."""
    overall = _limited((cdef.get("spending_limits") or {}).get("global"))
    if overall is None:
        return ()
    card_id = str(card["id"])
    if overall.get("type") == "SPENDING_BASED":
        start = int(card.get("spent", 0)) + int(card.get("locked", 0)) - int(card.get("unlocked", 0))
        room = int(overall["max"]) - points

        def lifetime(tx: Transaction, chosen: str) -> None:
            tx.update(chosen, db.keys.spending_cap(card_id, LIFETIME), "SET points = if_not_exists(points, :start) + :n",
                      condition="attribute_not_exists(points) OR points <= :room",
                      values={"start": max(start, 0), "n": points, "room": room})
        if max(start, 0) > room:
            raise spending_limit_reached(f"The card definition allows at most {overall['max']} points to be spent from a card")
        return ((LABEL, lifetime),)
    key, ends = period_key(overall["period"]["current_period"]["unit"], at, tz)
    return ((LABEL, _period_counter(db, card_id, key, ends, points, int(overall["points"]["max"]) - points)),)


def _period_counter(db: Table, card_id: str, key: str, ends: datetime, points: int, room: int) -> Any:
    def build(tx: Transaction, chosen: str) -> None:
        tx.update(chosen, db.keys.spending_cap(card_id, key), "ADD points :n SET expires_at = :ttl",
                  condition="attribute_not_exists(points) OR points <= :room",
                  values={"n": points, "room": room, "ttl": int((ends + TTL_GRACE).timestamp())})
    return build
