"""List queries: what `limit`, `order`, `cursor` and `filters[...]` parse to, what is refused, and how records match."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from loyalty.core.errors import LoyaltyError
from loyalty.core.listing import (
    DATE,
    STRING,
    Condition,
    ListQuery,
    ListSpec,
    created_bounds,
    enum_field,
    id_field,
    matches,
    parse,
)

SPEC = ListSpec("lcrsprg_", orders=("created_at", "name"), filters={
    "id": id_field("lprg_"), "name": STRING, "status": enum_field("ACTIVE", "INACTIVE", "DRAFT"), "created_at": DATE})
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def q(query: str) -> ListQuery:
    pairs = [tuple(p.split("=", 1)) for p in query.split("&") if p] if query else []
    return parse([(k, v) for k, v in pairs], SPEC)


def test_defaults_are_ten_newest_first() -> None:
    query = q("")
    assert (query.limit, query.order, query.conditions, query.junction, query.cursor) == (10, (("created_at", True),), (), "AND", None)
    assert query.by_creation and query.descending


@pytest.mark.parametrize(("text", "order"), [
    ("order=name", (("name", False),)),
    ("order=-name&order=created_at", (("name", True), ("created_at", False))),
    ("order[]=-created_at", (("created_at", True),)),
    ("order=name,-created_at", (("name", False), ("created_at", True))),
])
def test_orders(text: str, order: tuple[tuple[str, bool], ...]) -> None:
    assert q(text).order == order


@pytest.mark.parametrize("text", [
    "limit=0", "limit=101", "limit=abc", "limit=1&limit=2", "order=status", "order=name&order=-name", "foo=1",
    "filters[nope][conditions][$is]=x", "filters[name][conditions][$before]=x", "filters[status][conditions][$is]=GONE",
    "filters[id][conditions][$is]=lmbr_0a", "filters[id][conditions][$is]=lprg_0a&filters[id][conditions][$is]=lprg_0b",
    "filters[junction]=XOR", "filters[name]=x", "filters[created_at][conditions][$after]=yesterday",
    "filters[created_at][conditions][$more_than]=-1", "cursor=a&cursor=b",
])
def test_what_a_list_does_not_declare_is_a_400(text: str) -> None:
    with pytest.raises(LoyaltyError) as err:
        q(text)
    assert (err.value.status, err.value.key) == (400, "invalid_query_params")


def test_filters_parse_with_repeated_and_indexed_values() -> None:
    query = q("filters[id][conditions][$in]=lprg_0a&filters[id][conditions][$in][1]=lprg_0b&filters[junction]=OR"
              "&filters[name][conditions][$has_value]=")
    assert query.conditions == (Condition("id", "$in", ("lprg_0a", "lprg_0b")), Condition("name", "$has_value", ()))
    assert query.junction == "OR" and query.explicit == {"filters"}


def test_the_spec_may_round_a_numeric_limit() -> None:
    assert parse([("limit", "2.6")], ListSpec("x_", rounds_limit=True)).limit == 3
    with pytest.raises(LoyaltyError):
        parse([("limit", "2.6")], ListSpec("x_"))


RECORD = {"id": "lprg_0b", "name": "Gold club", "status": "ACTIVE", "created_at": "2026-11-20T10:00:00.000Z"}


@pytest.mark.parametrize(("text", "expected"), [
    ("filters[id][conditions][$is]=lprg_0b", True),
    ("filters[id][conditions][$is_not]=lprg_0b", False),
    ("filters[id][conditions][$in]=lprg_0a&filters[id][conditions][$in]=lprg_0b", True),
    ("filters[id][conditions][$not_in]=lprg_0b", False),
    ("filters[name][conditions][$contains]=old", True),
    ("filters[name][conditions][$not_contain]=old", False),
    ("filters[name][conditions][$starts_with]=Gold", True),
    ("filters[name][conditions][$ends_with]=Gold", False),
    ("filters[name][conditions][$is_unknown]=", False),
    ("filters[status][conditions][$in]=ACTIVE&filters[status][conditions][$in]=DRAFT", True),
    ("filters[created_at][conditions][$after]=2026-11-19T00:00:00Z", True),
    ("filters[created_at][conditions][$before]=2026-11-19T00:00:00Z", False),
    ("filters[created_at][conditions][$is]=2026-11-20", True),
    ("filters[created_at][conditions][$more_than]=5", True),
    ("filters[created_at][conditions][$less_than]=5", False),
    ("filters[status][conditions][$is]=DRAFT&filters[name][conditions][$is]=Gold club", False),
    ("filters[junction]=OR&filters[status][conditions][$is]=DRAFT&filters[name][conditions][$is]=Gold club", True),
])
def test_matching(text: str, expected: bool) -> None:
    assert matches(RECORD, q(text), SPEC, NOW) is expected


def test_created_at_conditions_bound_the_creation_time() -> None:
    lower, upper = created_bounds(q("filters[created_at][conditions][$after]=2026-11-19T00:00:00Z"
                                    "&filters[created_at][conditions][$before]=2026-11-21T00:00:00Z"), NOW)
    assert (lower, upper) == (int(datetime(2026, 11, 19, tzinfo=UTC).timestamp() * 1000),
                              int(datetime(2026, 11, 21, tzinfo=UTC).timestamp() * 1000))
    assert created_bounds(q("filters[junction]=OR&filters[created_at][conditions][$after]=2026-11-19T00:00:00Z"
                            "&filters[name][conditions][$is]=x"), NOW) == (None, None)


def test_a_cursor_carries_the_query_and_refuses_a_different_one() -> None:
    first = q("order=name&filters[status][conditions][$is]=ACTIVE")
    again = q("cursor=lcrsprg_00").with_shape(first.shape())
    assert (again.order, again.conditions) == (first.order, first.conditions)
    with pytest.raises(LoyaltyError) as err:
        q("cursor=lcrsprg_00&order=-name").with_shape(first.shape())
    assert err.value.key == "invalid_or_expired_cursor"
