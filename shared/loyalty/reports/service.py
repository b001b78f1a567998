"""The v2 report endpoints: each page is one Query of its aggregate partition after the existence read of its owner (a
program or card another project cannot see answers 404 before its parameters are looked at)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from loyalty.core.errors import not_found
from loyalty.core.listing import ListQuery, ListSpec, id_field, invalid_query, matches, parse
from loyalty.db.keys import EARNING_RULE
from loyalty.db.table import Table
from loyalty.members import store as members
from loyalty.programs import store as programs
from loyalty.reports import store
from loyalty.reports.engine import (
    CARD_COUNTERS,
    EARNING_COUNTERS,
    REFUSAL_REASONS,
    RULE_COUNTERS,
    SPENDING_COUNTERS,
    TIER_COUNTERS,
    failures_breakdown,
    fold,
    parse_range,
)

RANGE = ("start_date", "end_date", "resolution")
EARNINGS = ListSpec("", filters={"earning_rule_id": id_field("lern_"), "card_definition_id": id_field("lcdef_")})
SPENDING = ListSpec("", filters={"card_definition_id": id_field("lcdef_")})
TIERS = ListSpec("", filters={"tier_structure_id": id_field("lts_"), "tier_id": id_field("lt_")})
TIERS_SUMMARY_LIMIT = 100
"""The summary's `limit` when none is given (the spec's default, not the lists' 10)."""
TIERS_SUMMARY = ListSpec("", orders=("id",), filters=TIERS.filters, default_order="-id")


def _params(params: Sequence[tuple[str, str]], spec: ListSpec | None, dated: bool) -> tuple[dict[str, str], ListQuery]:
    """The range parameters (each once) and the filters of a report request; 400 `invalid_query_params` for others."""
    found: dict[str, str] = {}
    rest: list[tuple[str, str]] = []
    for name, value in params:
        if dated and name in RANGE:
            if name in found:
                raise invalid_query(f"Query parameter '{name}' is given more than once")
            found[name] = value
        elif spec is not None and name.startswith("filters["):
            rest.append((name, value))
        else:
            raise invalid_query(f"Unknown query parameter '{name}'")
    return found, parse(rest, spec) if spec is not None else ListQuery()


def _range(found: dict[str, str]) -> tuple[date, date, str]:
    return parse_range(found.get("start_date"), found.get("end_date"), found.get("resolution"))


def _require_program(db: Table, program_id: str) -> None:
    """404 unless the program exists in this project (one GetItem)."""
    program = programs.get_program(db, program_id)
    if program is None or program.get("status") == "DELETED":
        raise not_found("program", program_id)


def _counts(row: dict[str, Any], counters: tuple[str, ...]) -> dict[str, int]:
    return {name: int(row.get(name) or 0) for name in counters}


def card_daily_report(db: Table, program_id: str, member_id: str, card_id: str, params: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """GET .../cards/{cardId}/reports/daily: the card's points moves per period (one GetItem of the card, one Query)."""
    card = members.get_card(db, member_id, card_id)
    if card is None or card.get("program_id") != program_id:
        raise not_found("card", card_id)
    found, _ = _params(params, None, dated=True)
    first, last, resolution = _range(found)
    rows = [(str(r["date"]), (), r) for r in store.card_days(db, card_id, first.isoformat(), last.isoformat())]
    data = [{"date": start, **values, "object": "card_daily_report"}
            for start, _, values in fold(rows, resolution, CARD_COUNTERS, first)]
    return {"data": data, "object": "report"}


def _earning_dims(row: dict[str, Any]) -> tuple[str, ...]:
    return str(row["earning_rule_id"]), str(row.get("earning_item_id") or ""), str(row["card_definition_id"])


def _earning_view(dims: tuple[str, ...]) -> dict[str, str]:
    return {"earning_rule_id": dims[0], "earning_item_id": dims[1], "card_definition_id": dims[2]}


def points_earnings_daily(db: Table, program_id: str, params: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """GET .../reports/points-earnings/daily: points earned per period, earning rule, earning item and card definition."""
    _require_program(db, program_id)
    found, query = _params(params, EARNINGS, dated=True)
    first, last, resolution = _range(found)
    rows = [(str(r["date"]), _earning_dims(r), r) for r in store.earning_days(db, program_id, first.isoformat(), last.isoformat())
            if matches(r, query, EARNINGS)]
    data = [{"date": start, **_earning_view(dims), **values, "object": "program_points_earnings_daily_report"}
            for start, dims, values in fold(rows, resolution, EARNING_COUNTERS, first)]
    return {"data": data, "object": "report"}


def points_earnings_summary(db: Table, program_id: str, params: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """GET .../reports/points-earnings/summary: all-time points earned per earning rule, earning item and card definition."""
    _require_program(db, program_id)
    _, query = _params(params, EARNINGS, dated=False)
    rows = [r for r in store.earning_summary(db, program_id) if matches(r, query, EARNINGS)]
    data = [{"id": str(r["SK"]), **_earning_view(_earning_dims(r)), **_counts(r, EARNING_COUNTERS),
             "object": "program_points_earnings_summary_report"} for r in rows]
    return {"data": data, "object": "report"}


def spending_daily(db: Table, program_id: str, params: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """GET .../reports/spending/daily: points spent per period and card definition."""
    _require_program(db, program_id)
    found, query = _params(params, SPENDING, dated=True)
    first, last, resolution = _range(found)
    rows = [(str(r["date"]), (str(r["card_definition_id"]),), r)
            for r in store.spending_days(db, program_id, first.isoformat(), last.isoformat()) if matches(r, query, SPENDING)]
    data = [{"date": start, "card_definition_id": dims[0], **values, "object": "spending_daily_report"}
            for start, dims, values in fold(rows, resolution, SPENDING_COUNTERS, first)]
    return {"data": data, "object": "report"}


def spending_summary(db: Table, program_id: str, params: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """GET .../reports/spending/summary: all-time points spent per card definition."""
    _require_program(db, program_id)
    _, query = _params(params, SPENDING, dated=False)
    rows = [r for r in store.spending_summary(db, program_id) if matches(r, query, SPENDING)]
    data = [{"id": str(r["SK"]), "card_definition_id": str(r["card_definition_id"]), **_counts(r, SPENDING_COUNTERS),
             "object": "spending_summary_report"} for r in rows]
    return {"data": data, "object": "report"}


# ---------------------------------------------------------------------------------------------- earning-rule reports
RULES = ListSpec("", filters={"earning_rule_id": id_field("lern_")})
RULE_FOLDED = RULE_COUNTERS + tuple(f"failures_{reason}" for reason in REFUSAL_REASONS)


def member_earning_rule_daily(db: Table, program_id: str, member_id: str, rule_id: str,
                              params: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """GET .../members/{memberId}/earning-rules/{earningRuleId}/reports/daily: how many times the rule was applied for
    the member per period (one BatchGetItem of the member and the rule, one Query)."""
    member_key, rule_key = db.keys.member(member_id), db.keys.component(EARNING_RULE, rule_id)
    items = {str(item["PK"]): item for item in db.get_many([member_key, rule_key])}
    member = items.get(member_key.pk)
    if member is None or (member.get("data") or {}).get("program_id") != program_id or member.get("status") == "DELETED":
        raise not_found("member", member_id)
    rule = (items.get(rule_key.pk) or {}).get("data") or {}
    if not rule or rule.get("status") == "DELETED":
        raise not_found("earning_rule", rule_id)
    found, _ = _params(params, None, dated=True)
    first, last, resolution = _range(found)
    rows = [(str(r["date"]), (), r) for r in store.member_rule_days(db, member_id, rule_id, first.isoformat(), last.isoformat())]
    data = [{"date": start, "count": values["count"], "object": "earning_rule_daily_report"}
            for start, _, values in fold(rows, resolution, ("count",), first)]
    return {"data": data, "object": "report"}


def _rule_view(row: dict[str, Any]) -> dict[str, Any]:
    """The counters of an earning-rule row or period: successes, failures and the failures by reason."""
    return {"success_count": int(row.get("success_count") or 0), "failures_count": int(row.get("failures_count") or 0),
            "failures_breakdown": failures_breakdown(row)}


def earning_rules_daily(db: Table, program_id: str, params: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """GET .../reports/earning-rules/daily: earning-rule evaluations (successes, failures by reason) per period and rule."""
    _require_program(db, program_id)
    found, query = _params(params, RULES, dated=True)
    first, last, resolution = _range(found)
    rows = [(str(r["date"]), (str(r["earning_rule_id"]),), r)
            for r in store.rule_days(db, program_id, first.isoformat(), last.isoformat()) if matches(r, query, RULES)]
    data = [{"date": start, "earning_rule_id": dims[0], **_rule_view(values), "object": "program_earning_rules_daily_report"}
            for start, dims, values in fold(rows, resolution, RULE_FOLDED, first)]
    return {"data": data, "object": "report"}


def earning_rules_summary(db: Table, program_id: str, params: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """GET .../reports/earning-rules/summary: all-time earning-rule evaluations (successes, failures by reason) per rule."""
    _require_program(db, program_id)
    _, query = _params(params, RULES, dated=False)
    rows = [r for r in store.rule_summary(db, program_id) if matches(r, query, RULES)]
    data = [{"id": str(r["SK"]), "earning_rule_id": str(r["earning_rule_id"]), **_rule_view(r),
             "object": "program_earning_rules_summary_report"} for r in rows]
    return {"data": data, "object": "report"}



# ---------------------------------------------------------------------------------------------- tier reports
def _tier_view(row: dict[str, Any]) -> dict[str, str]:
    return {"tier_structure_id": str(row["tier_structure_id"]), "tier_id": str(row["tier_id"])}


def tiers_daily(db: Table, program_id: str, params: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """GET .../reports/tiers/daily: tier moves (joins, upgrades, downgrades, lefts, prolongs) per period, tier structure
    and tier."""
    _require_program(db, program_id)
    found, query = _params(params, TIERS, dated=True)
    first, last, resolution = _range(found)
    rows = [(str(r["date"]), (str(r["tier_structure_id"]), str(r["tier_id"])), r)
            for r in store.tier_days(db, program_id, first.isoformat(), last.isoformat()) if matches(r, query, TIERS)]
    data = [{"date": start, "tier_structure_id": dims[0], "tier_id": dims[1], **values, "object": "program_tiers_daily_report"}
            for start, dims, values in fold(rows, resolution, TIER_COUNTERS, first)]
    return {"data": data, "object": "report"}


def tiers_summary(db: Table, program_id: str, params: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """GET .../reports/tiers/summary: all-time tier moves per tier structure and tier, sorted by id (`order`, default
    `-id`) and capped by `limit` (default 100; the spec gives no cursor)."""
    _require_program(db, program_id)
    if any(name == "cursor" for name, _ in params):
        raise invalid_query("Unknown query parameter 'cursor'")
    query = parse(params, TIERS_SUMMARY)
    rows = [r for r in store.tier_summary(db, program_id) if matches(r, query, TIERS_SUMMARY)]  # in id (sort key) order
    if query.descending:
        rows.reverse()
    limit = query.limit if any(name == "limit" for name, _ in params) else TIERS_SUMMARY_LIMIT
    data = [{"id": str(r["SK"]), **_tier_view(r), **_counts(r, TIER_COUNTERS), "object": "program_tiers_summary_report"}
            for r in rows[:limit]]
    return {"data": data, "object": "report"}
