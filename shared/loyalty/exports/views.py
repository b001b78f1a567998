"""Pure pieces of an export: its filter conditions (parsed from the request, checked against a row's values) and its CSV
rows (the requested fields, in order, from a v1 transaction or a points bucket)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Condition = tuple[str, str, list[str]]
"""(field, operator without `$`, values): `in`, `not_in`, `is`, `is_not` on ids; `after`, `before` on created_at."""

ID_OPERATORS = {"$in": "in", "$not_in": "not_in", "$is": "is", "$is_not": "is_not"}
DATE_OPERATORS = {"$after": "after", "$before": "before"}


def conditions_of(filters: Mapping[str, Any] | None) -> tuple[str, list[Condition]]:
    """The junction (`and` / `or`) and the conditions of a request's `filters` (as dumped by alias, without nulls)."""
    junction, out = "and", []
    for field, spec in (filters or {}).items():
        if field == "junction":
            junction = str(spec).lower()
            continue
        for op, value in (spec.get("conditions") or {}).items():
            name = DATE_OPERATORS.get(op) or ID_OPERATORS[op]
            out.append((field, name, [str(v) for v in value] if isinstance(value, list) else [str(value)]))
    return junction, out


def _holds(condition: Condition, value: str | Sequence[str] | None) -> bool:
    """One condition on a row's value (an id field may have several spellings, e.g. a card's voucher id and its code)."""
    _, op, wanted = condition
    if op in ("after", "before"):
        if not isinstance(value, str):
            return False
        return value > wanted[0] if op == "after" else value < wanted[0]
    spellings = [value] if isinstance(value, str) else list(value or [])
    inside = any(v in wanted for v in spellings)
    return inside if op in ("in", "is") else not inside


def passes(junction: str, conditions: Iterable[Condition], values: Mapping[str, str | Sequence[str] | None]) -> bool:
    """True when a row with these values meets the filters: every condition (`and`) or one of them (`or`); no
    conditions: every row."""
    results = [_holds(c, values.get(c[0])) for c in conditions]
    if not results:
        return True
    return all(results) if junction == "and" else any(results)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    return str(value)


def transaction_row(view: Mapping[str, Any], fields: Sequence[str]) -> list[str]:
    """A CSV row of a v1 loyalty card transaction (the shape GET .../transactions answers): `amount` is the points it
    moved (details.balance.points), `balance` the card's balance after it (details.balance.balance, when recorded),
    `details` its details as JSON; the other fields are the transaction's own."""
    balance = (view.get("details") or {}).get("balance") or {}
    derived = {"amount": balance.get("points"), "balance": balance.get("balance"), "details": view.get("details")}
    return [_text(derived[f] if f in derived else view.get(f)) for f in fields]


def bucket_row(bucket: Mapping[str, Any], fields: Sequence[str]) -> list[str]:
    """A CSV row of a v1 points bucket (`v1:LoyaltyPointsBucket`): `points` is its total."""
    derived = {"points": (bucket.get("bucket") or {}).get("total_points")}
    return [_text(derived[f] if f in derived else bucket.get(f)) for f in fields]
