"""The report section of `make bench` (bench/reports.py): the seeded aggregates are what the transactions leave, the
one-Query-per-page check, and the aggregator's cost per million."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest

from bench.cost import PRICES, Measured, per_million_aggregated
from bench.reports import MIX, PAGE_BYTES, PageTiming, Program, aggregates
from loyalty.db.codec import from_item
from loyalty.db.keys import Keys

PROGRAM = Program("lprg_report", ["lcdef_a", "lcdef_b", "lcdef_c"],
                  [(f"lern_{i}", f"lernei_{i}", ["lcdef_a", "lcdef_b", "lcdef_c"][i % 3]) for i in range(6)],
                  [("lmbr_1", "lcrd_1", "lcdef_a"), ("lmbr_1", "lcrd_2", "lcdef_b")])
DAYS = ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"]
SEED = 7


def _rows(transactions: int) -> list[dict[str, Any]]:
    return [from_item(i) for i in aggregates(PROGRAM, Keys("dev"), DAYS, transactions, random.Random(SEED))]


def _partition(rows: list[dict[str, Any]], suffix: str) -> list[dict[str, Any]]:
    return [r for r in rows if r["PK"] == f"dev#RPT#{PROGRAM.id}#{suffix}"]


def _sums(rows: list[dict[str, Any]], dims: tuple[str, ...], counters: tuple[str, ...]) -> dict[tuple[str, ...], tuple[int, ...]]:
    out: dict[tuple[str, ...], list[int]] = {}
    for row in rows:
        into = out.setdefault(tuple(str(row[d]) for d in dims), [0] * len(counters))
        for i, name in enumerate(counters):
            into[i] += int(row.get(name, 0))
    return {k: tuple(v) for k, v in out.items()}


def test_seeded_aggregates_count_every_transaction_once() -> None:
    """Every earning and spending transaction drawn is counted once in the daily rows and once in the all-time rows."""
    kinds = Counter(random.Random(SEED).choices([k for k, _ in MIX], weights=[s for _, s in MIX], k=5000))  # aggregates' first draw
    rows = _rows(5000)
    earning_days, earning_sum = _partition(rows, "EARN"), _partition(rows, "EARNSUM")
    spending_days, spending_sum = _partition(rows, "SPEND"), _partition(rows, "SPENDSUM")
    assert sum(r["success_count"] for r in earning_days) == kinds["POINTS_EARNED"] + kinds["PENDING_POINTS_ADDED"]
    assert sum(r["success"] for r in spending_days) == kinds["POINTS_SPENT_ON_REWARD"] + kinds["POINTS_SPENT_ON_ORDER"]
    assert sum(r["success_on_order"] for r in spending_sum) == kinds["POINTS_SPENT_ON_ORDER"]
    dims = ("earning_rule_id", "earning_item_id", "card_definition_id")
    counters = ("success_count", "points", "pending_points")
    assert _sums(earning_days, dims, counters) == _sums(earning_sum, dims, counters)
    assert _sums(spending_days, ("card_definition_id",), ("success", "points", "amount_on_order")) == \
        _sums(spending_sum, ("card_definition_id",), ("success", "points", "amount_on_order"))
    assert {r["SK"].split("#")[0] for r in earning_days} == set(DAYS)
    assert {(r["earning_rule_id"], r["card_definition_id"]) for r in earning_sum} == {(r, c) for r, _, c in PROGRAM.rules}


def test_timed_cards_have_a_row_every_day() -> None:
    """Each timed card's partition holds one row per day (the fullest a card's partition gets)."""
    cards = [r for r in _rows(100) if r["PK"].startswith("dev#RPT#CARD#")]
    assert sorted((r["PK"], r["SK"]) for r in cards) == sorted((f"dev#RPT#CARD#{c}", d) for _, c, _ in PROGRAM.cards for d in DAYS)
    assert all(r["date"] == r["SK"] for r in cards)


def _page(bytes_read: int, queries: int, gets: int = 1) -> PageTiming:
    return PageTiming("r", "s", 1, "GetItem + Query", gets, queries, 10, bytes_read, 1.0, 1.0, 1.0, 1)


@pytest.mark.parametrize(("bytes_read", "queries", "gets", "ok"), [
    (1000, 1, 1, True), (PAGE_BYTES, 1, 1, True), (PAGE_BYTES + 1, 2, 1, True), (PAGE_BYTES + 1, 1, 1, False),
    (1000, 2, 1, False), (1000, 1, 2, False), (0, 1, 1, True),
])
def test_one_query_per_page(bytes_read: int, queries: int, gets: int, ok: bool) -> None:
    """A report passes with at most 1 GetItem and exactly one Query per 1 MB of what it read."""
    assert _page(bytes_read, queries, gets).one_query_per_page is ok


def test_aggregation_cost_per_million() -> None:
    """The aggregator's cost: its write units at the on-demand price, plus its invocations on full stream batches."""
    est = per_million_aggregated(8.0, Measured(0.0, 0.0, wall_ms=100.0, cpu_ms=0.0), 100, 512)
    assert est.lines[-1].usd == pytest.approx(8 * 1e6 * PRICES["ddb_wru"]) == pytest.approx(10.0)
    assert est.lines[0].usd == pytest.approx(1e4 * PRICES["lambda_request"])
    assert est.lines[1].usd == pytest.approx(1e4 * 0.1 * 0.5 * PRICES["lambda_gb_s"])
    assert est.total == pytest.approx(sum(line.usd for line in est.lines))
