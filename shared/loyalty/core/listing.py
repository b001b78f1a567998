"""v2 list queries: `limit`, `order`, `cursor` and deep-object `filters` parsed and checked against what a list declares,
then evaluated on records. Anything a list does not declare (a field, an operator, an order, a parameter) is a 400."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from loyalty.core.clock import normalize_iso, now_ms
from loyalty.core.errors import LoyaltyError

DEFAULT_LIMIT = 10
MAX_LIMIT = 100

# The operators of each field type and how many values each takes (spec-map §4).
OPERATORS: dict[str, dict[str, int]] = {
    "id": {"$is": 1, "$is_not": 1, "$in": 100, "$not_in": 100},
    "enum": {"$is": 1, "$is_not": 1, "$in": 10, "$not_in": 10},
    "string": {"$is": 1, "$is_not": 1, "$contains": 1, "$not_contain": 1, "$starts_with": 1, "$ends_with": 1,
               "$in": 10, "$not_in": 10, "$has_value": 1, "$is_unknown": 1},
    "date": {"$before": 1, "$after": 1, "$is": 1, "$more_than": 1, "$less_than": 1, "$has_value": 1, "$is_unknown": 1},
}
PRESENCE = ("$has_value", "$is_unknown")
_FILTER_KEY = re.compile(r"filters\[([A-Za-z_]+)\](?:\[conditions\]\[(\$[a-z_]+)\](?:\[\d*\])?)?")
_ORDER_KEY = re.compile(r"order(?:\[\d*\])?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def invalid_query(details: str) -> LoyaltyError:
    """400 `invalid_query_params`."""
    return LoyaltyError(400, "invalid_query_params", "Invalid query params", details)


def only_parameters(names: Iterable[str], allowed: Sequence[str]) -> None:
    """Only the `allowed` query parameters, each at most once: 400 `invalid_query_params` otherwise."""
    seen: set[str] = set()
    for name in names:
        if name not in allowed:
            raise invalid_query(f"Query parameter '{name}' is not allowed (allowed: {', '.join(allowed)})")
        if name in seen:
            raise invalid_query(f"Query parameter '{name}' is given more than once")
        seen.add(name)


@dataclass(frozen=True)
class Field:
    """A filterable field: its type, what its values look like, and where a record holds it (default: its name)."""

    kind: str
    pattern: str = ""
    values: tuple[str, ...] = ()
    attr: str = ""

    def check(self, name: str, value: str) -> str:
        """The value, validated for this field (400 otherwise); dates come back in the API's timestamp format."""
        if self.kind == "id" and self.pattern and not re.fullmatch(self.pattern, value):
            raise invalid_query(f"Filter '{name}' value '{value}' is not a valid id")
        if self.kind == "enum" and value not in self.values:
            raise invalid_query(f"Filter '{name}' value '{value}' must be one of {', '.join(self.values)}")
        return value


def id_field(prefix: str, attr: str = "") -> Field:
    """An id field whose values match `^<prefix>[a-f0-9]+$`."""
    return Field("id", pattern=re.escape(prefix) + "[a-f0-9]+", attr=attr)


def enum_field(*values: str, attr: str = "") -> Field:
    """An enum field."""
    return Field("enum", values=values, attr=attr)


STRING = Field("string")
DATE = Field("date")


@dataclass(frozen=True)
class ListSpec:
    """What one list endpoint accepts: its cursor prefix, the fields it orders by and the fields it filters on."""

    cursor_prefix: str
    orders: tuple[str, ...] = ("created_at",)
    filters: Mapping[str, Field] = field(default_factory=dict)
    default_order: str = "-created_at"
    rounds_limit: bool = False  # the spec types this list's `limit` as a number (non-integers are rounded)


@dataclass(frozen=True)
class Condition:
    """One condition of a filter: `field op values`."""

    field: str
    op: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class ListQuery:
    """A parsed list request."""

    limit: int = DEFAULT_LIMIT
    order: tuple[tuple[str, bool], ...] = (("created_at", True),)  # (field, descending)
    conditions: tuple[Condition, ...] = ()
    junction: str = "AND"
    cursor: str | None = None
    explicit: frozenset[str] = frozenset()  # which of order / filters the request named (a cursor must agree with them)

    @property
    def by_creation(self) -> bool:
        """True when the order is creation order alone (what a sort key serves)."""
        return len(self.order) == 1 and self.order[0][0] == "created_at"

    @property
    def descending(self) -> bool:
        return self.order[0][1]

    def shape(self) -> dict[str, Any]:
        """The order and filters as plain data (carried in a cursor)."""
        return {"o": [[f, d] for f, d in self.order], "c": [[c.field, c.op, list(c.values)] for c in self.conditions],
                "j": self.junction}

    def with_shape(self, shape: Mapping[str, Any]) -> ListQuery:
        """This query with the order and filters a cursor carried; 400 when the request named different ones."""
        order = tuple((str(f), bool(d)) for f, d in shape["o"])
        conditions = tuple(Condition(str(f), str(op), tuple(v)) for f, op, v in shape["c"])
        junction = str(shape["j"])
        if ("order" in self.explicit and order != self.order) or (
                "filters" in self.explicit and (conditions, junction) != (self.conditions, self.junction)):
            raise LoyaltyError(400, "invalid_or_expired_cursor", "Invalid or expired cursor",
                               "The cursor was made for a different order or filters")
        return ListQuery(self.limit, order, conditions, junction, self.cursor, self.explicit)


def parse(params: Sequence[tuple[str, str]], spec: ListSpec) -> ListQuery:
    """The list query a request's query string asks for (`params` in order, repeated keys kept)."""
    limit: int | None = None
    cursor: str | None = None
    orders: list[str] = []
    junction: str | None = None
    raw: dict[tuple[str, str], list[str]] = {}
    for key, value in params:
        if key == "limit":
            if limit is not None:
                raise invalid_query("Query parameter 'limit' must be given once")
            limit = _limit(value, spec)
        elif key == "cursor":
            if cursor is not None:
                raise invalid_query("Query parameter 'cursor' must be given once")
            cursor = value
        elif _ORDER_KEY.fullmatch(key):
            orders += [v for v in value.split(",")] if value else []
        elif match := _FILTER_KEY.fullmatch(key):
            name, op = match.group(1), match.group(2)
            if name == "junction" and op is None:
                if value not in ("AND", "OR"):
                    raise invalid_query("Filter 'junction' must be AND or OR")
                junction = value
            elif op is None:
                raise invalid_query(f"Filter '{name}' must be given as filters[{name}][conditions][<operator>]")
            else:
                raw.setdefault((name, op), []).append(value)
        else:
            raise invalid_query(f"Unknown query parameter '{key}'")
    conditions = tuple(_condition(name, op, values, spec) for (name, op), values in raw.items())
    explicit = frozenset(k for k, given in (("order", orders), ("filters", raw or junction)) if given)
    return ListQuery(
        limit=DEFAULT_LIMIT if limit is None else limit,
        order=_order(orders or [spec.default_order], spec),
        conditions=conditions,
        junction=junction or "AND",
        cursor=cursor,
        explicit=explicit,
    )


def _limit(value: str, spec: ListSpec) -> int:
    try:
        number = float(value) if spec.rounds_limit else int(value)
    except ValueError:
        raise invalid_query("Query parameter 'limit' must be an integer") from None
    if number != number or not 1 <= number <= MAX_LIMIT:  # NaN or out of range
        raise invalid_query(f"Query parameter 'limit' must be between 1 and {MAX_LIMIT}")
    return max(1, min(MAX_LIMIT, round(number)))


def _order(values: list[str], spec: ListSpec) -> tuple[tuple[str, bool], ...]:
    out: list[tuple[str, bool]] = []
    for value in values:
        name, descending = (value[1:], True) if value.startswith("-") else (value, False)
        if name not in spec.orders:
            allowed = ", ".join(f"{n}, -{n}" for n in spec.orders)
            raise invalid_query(f"Query parameter 'order' must be one of {allowed}; got '{value}'")
        if any(n == name for n, _ in out):
            raise invalid_query(f"Query parameter 'order' names '{name}' more than once")
        out.append((name, descending))
    return tuple(out)


def _condition(name: str, op: str, values: list[str], spec: ListSpec) -> Condition:
    definition = spec.filters.get(name)
    if definition is None:
        allowed = ", ".join(spec.filters) or "none"
        raise invalid_query(f"Unknown filter '{name}' (this list filters on: {allowed})")
    limits = OPERATORS[definition.kind]
    if op not in limits:
        raise invalid_query(f"Filter '{name}' does not support '{op}' (supported: {', '.join(limits)})")
    if op in PRESENCE:
        return Condition(name, op, ())
    if len(values) > limits[op]:
        raise invalid_query(f"Filter '{name}' operator '{op}' takes at most {limits[op]} value(s)")
    if definition.kind == "date":
        return Condition(name, op, tuple(_date_value(name, op, v) for v in values))
    return Condition(name, op, tuple(definition.check(name, v) for v in values))


def _date_value(name: str, op: str, value: str) -> str:
    if op in ("$more_than", "$less_than"):
        if not value.isdigit() or len(value) > 6:
            raise invalid_query(f"Filter '{name}' operator '{op}' takes a non-negative number of days")
        return value
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid_query(f"Filter '{name}' operator '{op}' takes an ISO 8601 date-time") from None
    if op == "$is":
        return normalize_iso(parsed)[:10]
    return normalize_iso(parsed)


# ---------------------------------------------------------------------------------------------- v1 list parameters
@dataclass(frozen=True)
class Plain:
    """A plain query parameter of a v1 list (no cursor, no filters): an integer within [low, high], one of `values`, or
    free text; `default` when absent."""

    default: Any = None
    low: int | None = None
    high: int | None = None
    values: tuple[str, ...] = ()

    def read(self, name: str, value: str) -> Any:
        """The parameter's value, validated (400 `invalid_query_params` otherwise)."""
        if self.low is not None and self.high is not None:
            try:
                number = int(value)
            except ValueError:
                raise invalid_query(f"Query parameter '{name}' must be an integer") from None
            if not self.low <= number <= self.high:
                raise invalid_query(f"Query parameter '{name}' must be between {self.low} and {self.high}")
            return number
        if self.values and value not in self.values:
            raise invalid_query(f"Query parameter '{name}' must be one of {', '.join(self.values)}")
        return value


def parse_plain(params: Sequence[tuple[str, str]], rules: Mapping[str, Plain]) -> dict[str, Any]:
    """A v1 list's query: each declared parameter at most once, validated; an undeclared one is a 400."""
    out = {name: rule.default for name, rule in rules.items()}
    seen: set[str] = set()
    for name, value in params:
        rule = rules.get(name)
        if rule is None:
            raise invalid_query(f"Unknown query parameter '{name}'")
        if name in seen:
            raise invalid_query(f"Query parameter '{name}' must be given once")
        seen.add(name)
        out[name] = rule.read(name, value)
    return out


# ---------------------------------------------------------------------------------------------- evaluation
def value_of(record: Mapping[str, Any], name: str, spec: ListSpec) -> Any:
    """A record's value of a field (dotted `attr` paths reach into nested objects)."""
    definition = spec.filters.get(name)
    node: Any = record
    for part in (definition.attr if definition and definition.attr else name).split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


def _holds(condition: Condition, value: Any, kind: str, now: datetime) -> bool:
    op, values = condition.op, condition.values
    if op == "$has_value":
        return value not in (None, "")
    if op == "$is_unknown":
        return value in (None, "")
    if value is None:
        return op in ("$is_not", "$not_in", "$not_contain")
    text = str(value)
    if kind == "date":
        if op == "$before":
            return text < values[0]
        if op == "$after":
            return text > values[0]
        if op == "$is":
            return text[:10] == values[0]
        bound = normalize_iso(now - timedelta(days=int(values[0])))
        return text < bound if op == "$more_than" else text > bound
    checks = {
        "$is": lambda: text == values[0],
        "$is_not": lambda: text != values[0],
        "$in": lambda: text in values,
        "$not_in": lambda: text not in values,
        "$contains": lambda: values[0] in text,
        "$not_contain": lambda: values[0] not in text,
        "$starts_with": lambda: text.startswith(values[0]),
        "$ends_with": lambda: text.endswith(values[0]),
    }
    return checks[op]()


def matches(record: Mapping[str, Any], query: ListQuery, spec: ListSpec, now: datetime | None = None) -> bool:
    """Whether a record passes the query's filters (all conditions with AND, any with OR)."""
    if not query.conditions:
        return True
    at = now or datetime.fromtimestamp(now_ms() / 1000, tz=UTC)
    results = (_holds(c, value_of(record, c.field, spec), spec.filters[c.field].kind, at) for c in query.conditions)
    return all(results) if query.junction == "AND" else any(results)


def sort_key(record: Mapping[str, Any], query: ListQuery, spec: ListSpec) -> list[Any]:
    """A record's position in the query's order: its ordered fields (None sorts as the empty string), then its id."""
    return [str(value_of(record, name, spec) or "") for name, _ in query.order] + [str(record.get("id", ""))]


def created_bounds(query: ListQuery, now: datetime | None = None) -> tuple[int | None, int | None]:
    """Epoch-ms bounds (lower, upper) on creation time that every match of an AND query satisfies, from its `created_at`
    and `id`-free date conditions; None where unbounded. A store narrows a key range of time-ordered ids with them."""
    if query.junction != "AND" and len(query.conditions) > 1:
        return None, None
    at = now or datetime.fromtimestamp(now_ms() / 1000, tz=UTC)
    lower: int | None = None
    upper: int | None = None

    def ms(text: str) -> int:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)

    for c in query.conditions:
        if c.field != "created_at":
            continue
        if c.op == "$after":
            lower = max(lower or 0, ms(c.values[0]))
        elif c.op == "$before":
            upper = min(upper or 2**62, ms(c.values[0]))
        elif c.op == "$is" and _DATE.fullmatch(c.values[0]):
            day = ms(c.values[0] + "T00:00:00Z")
            lower, upper = max(lower or 0, day), min(upper or 2**62, day + 86_400_000)
        elif c.op in ("$more_than", "$less_than"):
            bound = int((at - timedelta(days=int(c.values[0]))).timestamp() * 1000)
            if c.op == "$more_than":
                upper = min(upper or 2**62, bound)
            else:
                lower = max(lower or 0, bound)
    return lower, upper
