"""The report section of `make bench` (bench/reports.py): the seeded aggregates are what the transactions leave, the
one-Query-per-page check, and the aggregator's and the publish job's cost per million."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest

from bench.cost import PRICES, Measured, per_million_aggregated, per_million_published, scaled
from bench.reports import (
    MEMBERS,
    MIX,
    PAGE_BYTES,
    REFUSALS,
    TIER_CHANGES_PER_MEMBER,
    AggregateWrite,
    PageTiming,
    Program,
    ReportBench,
    aggregates,
    tier_ids,
    tier_transaction,
)
from loyalty.db.codec import from_item
from loyalty.db.keys import Keys
from loyalty.reports.engine import TIER_COUNTERS, tier_moves, tier_summary_id

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
    assert est.lines[-1].usd == pytest.approx(8 * 1e6 * PRICES["ddb_wru"]) == pytest.approx(5.0)
    assert est.lines[0].usd == pytest.approx(1e4 * PRICES["lambda_request"])
    assert est.lines[1].usd == pytest.approx(1e4 * 0.1 * 0.5 * PRICES["lambda_gb_s"])
    assert est.total == pytest.approx(sum(line.usd for line in est.lines))


def _earning_kinds(transactions: int) -> int:
    kinds = Counter(random.Random(SEED).choices([k for k, _ in MIX], weights=[s for _, s in MIX], k=transactions))
    return kinds["POINTS_EARNED"] + kinds["PENDING_POINTS_ADDED"]


def test_rule_rows_count_each_application_and_refusal_once() -> None:
    """Each earning transaction is one rule application (its own source) in the daily and all-time rule rows; the refusals
    add failures, each under one reason."""
    rows = _rows(5000)
    days, summary = _partition(rows, "RULE"), _partition(rows, "RULESUM")
    assert sum(r.get("success_count", 0) for r in days) == _earning_kinds(5000)
    assert sum(r.get("failures_count", 0) for r in days) == int(5000 * REFUSALS)
    assert sum(r.get("failures_cooldown", 0) + r.get("failures_frequency", 0) for r in days) == int(5000 * REFUSALS)
    counters = ("success_count", "failures_count", "failures_cooldown", "failures_frequency")
    assert _sums(days, ("earning_rule_id",), counters) == _sums(summary, ("earning_rule_id",), counters)
    assert {r["SK"] for r in summary} == {rule for rule, _, _ in PROGRAM.rules}
    assert all(r["SK"] == f"{r['date']}#{r['earning_rule_id']}" for r in days)


def test_timed_members_have_a_rule_row_every_day() -> None:
    """Each timed member's partition of the first rule holds one row per day, counting 1 to 3 applications."""
    members = [r for r in _rows(100) if r["PK"].startswith("dev#RPT#MBR#")]
    assert sorted((r["PK"], r["SK"]) for r in members) == sorted((f"dev#RPT#MBR#lmbr_1#{PROGRAM.rules[0][0]}", d) for d in DAYS)
    assert all(1 <= r["count"] <= 3 and r["date"] == r["SK"] for r in members)


def test_tier_rows_are_what_the_tier_transactions_move() -> None:
    """The daily tier rows sum to the all-time rows, each named by its deterministic id; every tier transaction drawn
    moves at least one row (joins count every entry)."""
    rows = _rows(100)
    days, summary = _partition(rows, "TIERS"), _partition(rows, "TIERSUM")
    dims = ("tier_structure_id", "tier_id")
    assert _sums(days, dims, TIER_COUNTERS) == _sums(summary, dims, TIER_COUNTERS)
    assert all(r["SK"] == tier_summary_id(PROGRAM.id, r["tier_structure_id"], r["tier_id"]) for r in summary)
    totals = _sums(summary, (), TIER_COUNTERS)[()]
    joins, lefts = totals[TIER_COUNTERS.index("joins")], totals[TIER_COUNTERS.index("lefts")]
    prolongs = totals[TIER_COUNTERS.index("prolongs")]
    assert joins + prolongs + lefts >= MEMBERS * TIER_CHANGES_PER_MEMBER  # every change moves a row; moves count more
    assert {r["tier_structure_id"] for r in summary} == {s for s, _ in tier_ids()}


@pytest.mark.parametrize(("kind", "slot", "moves"), [
    ("JOINED", 0, [("lt_0", {"joins": 1})]),
    ("UPGRADED", 1, [("lt_0", {"lefts": 1}), ("lt_1", {"joins": 1, "upgrades": 1})]),
    ("UPGRADED", 0, [("lt_0", {"joins": 1})]),  # nothing below the first tier: a join
    ("DOWNGRADED", 2, [("lt_2", {"joins": 1})]),  # nothing above the last tier: a join
    ("DOWNGRADED", 1, [("lt_1", {"joins": 1, "downgrades": 1}), ("lt_2", {"lefts": 1})]),
    ("LEFT", 1, [("lt_1", {"lefts": 1})]),
    ("PROLONGED", 2, [("lt_2", {"prolongs": 1})]),
])
def test_tier_transactions_move_what_the_tiering_consumer_would(kind: str, slot: int, moves: list[tuple[str, dict[str, int]]]) -> None:
    """An upgrade comes from the tier below, a downgrade from the tier above, a LEFT leaves its tier."""
    ttx = tier_transaction(kind, "lts_0", ["lt_0", "lt_1", "lt_2"], slot)
    assert [(tier, counts) for _, tier, counts in tier_moves(ttx)] == moves


def _write(kind: str, share: float, wru: float, rru: float = 2.0, events: int = 1, publish: tuple[float, float] = (2.0, 3.0)) -> AggregateWrite:
    return AggregateWrite(kind, share, 3, wru, 0, bool(events), rru, events, publish_read_units=publish[0],
                          publish_write_units=publish[1], publish_events=events)


def test_write_cost_is_weighted_by_the_mix() -> None:
    """Per approved transaction: the aggregator's units, sends and events weighted by share; a publish job's units
    weighted over the types that have an event."""
    bench = ReportBench(1, 1, 1, 1, 1, 0, 0.0)
    bench.writes = [_write("A", 0.75, 20.0), _write("B", 0.25, 4.0, rru=0.0, events=0, publish=(0.0, 0.0))]
    assert bench.write_units_per_transaction == pytest.approx(16.0)
    assert bench.read_units_per_transaction == pytest.approx(1.5)
    assert bench.sqs_per_transaction == pytest.approx(0.75)
    assert bench.events_per_transaction == pytest.approx(0.75)
    assert bench.publish_units() == (pytest.approx(2.0), pytest.approx(3.0))
    assert bench.write_units_of("B") == 4.0


def test_publish_cost_per_million() -> None:
    """A publish job: its worker share, its units, one EventBridge custom event ($1.00 per million) and the batched
    receive/delete; `scaled` multiplies every line."""
    est = per_million_published(Measured(2.0, 3.0, 0.0, 0.0), Measured(0.0, 0.0, wall_ms=100.0, cpu_ms=0.0, sqs_requests=2), 10, 512)
    assert any(line.item.startswith("EventBridge") and line.usd == pytest.approx(1.0) for line in est.lines)
    assert any("RRU" in line.item and line.usd == pytest.approx(0.25) for line in est.lines)
    assert any("WRU" in line.item and line.usd == pytest.approx(1.875) for line in est.lines)
    assert any(line.item.startswith("SQS") and line.usd == pytest.approx(0.2 * 0.4) for line in est.lines)
    assert scaled(est, 0.5, "half").total == pytest.approx(est.total / 2)
    est = per_million_aggregated(8.0, Measured(0.0, 0.0, 100.0, 0.0), 100, 512, read_units=2.0, sqs_requests=1.0)
    assert [line.usd for line in est.lines[-2:]] == [pytest.approx(0.25), pytest.approx(0.4)]
