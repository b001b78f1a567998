"""Report figures of issue 11: report page latency and round trips over a year of aggregates, and what the aggregator
adds to each settled card transaction in write units and dollars.

The aggregates are seeded directly (BatchWriteItem), not by writing a million transactions: the program partitions hold
exactly what `TRANSACTIONS` approved transactions of `MEMBERS` members over `DAYS` days leave there, computed with the
aggregator's own arithmetic (reports.engine.effects, applied once per group of identical transactions and multiplied by
the group's size). Card partitions are written for the timed cards only, each with a transaction on every day of the
year (the fullest a card's partition gets; the average card of that year has about 88 days): a Query reads its own
partition alone, so the other cards' partitions change nothing a report reads."""

from __future__ import annotations

import json
import math
import random
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bench.calls import Tally
from bench.capacity import Capacity, Index, item_size
from bench.seed import _Writer
from bench.stack import BenchStack
from loyalty.core.settings import get_settings
from loyalty.db.codec import to_item
from loyalty.db.keys import Key, Keys
from loyalty.earning.buckets import local_day
from loyalty.reports.engine import MAX_RANGE, effects

V2 = "/v2/loyalties"
MEMBERS = 10_000
TRANSACTIONS = 1_000_000
DAYS = 365
RULES = 6  # earning rule i earns on card definition i % CARD_DEFINITIONS
CARD_DEFINITIONS = 3
TIMED_MEMBERS = 3  # each holds one card per card definition
PAGE_BYTES = 1024 * 1024  # a Query returns at most 1 MB per page
# Approved card transactions by type (share of all): what the aggregator sees settle.
MIX: tuple[tuple[str, float], ...] = (
    ("POINTS_EARNED", 0.65), ("PENDING_POINTS_ADDED", 0.05), ("PENDING_POINTS_ACTIVATED", 0.04),
    ("POINTS_SPENT_ON_REWARD", 0.15), ("POINTS_SPENT_ON_ORDER", 0.05), ("ADMIN_CREDIT", 0.03), ("POINTS_EXPIRED", 0.03),
)
_POINTS = {"POINTS_EARNED": (10, 25, 50, 100), "PENDING_POINTS_ADDED": (10, 25, 50, 100), "PENDING_POINTS_ACTIVATED": (10, 25, 50, 100),
           "POINTS_SPENT_ON_REWARD": (-100, -250, -500, -1000), "POINTS_SPENT_ON_ORDER": (-100, -250, -500, -1000),
           "ADMIN_CREDIT": (50, 100, 200, 500), "POINTS_EXPIRED": (-5, -10, -20, -50)}


@dataclass(frozen=True)
class Program:
    """The report program (made through the handlers): its card definitions, rules (id, earning item, card definition)
    and the timed members' cards (member id, card id, card definition)."""

    id: str
    cdefs: list[str]
    rules: list[tuple[str, str, str]]
    cards: list[tuple[str, str, str]]


@dataclass(frozen=True)
class PageTiming:
    """One report request timed in-process: its calls, what its Query read, median and p95 handler time."""

    route: str
    span: str
    rows: int
    calls: str
    gets: int
    queries: int
    items_read: int
    bytes_read: int
    read_units: float
    median_ms: float
    p95_ms: float
    runs: int
    cpu_ms: float = 0.0  # median thread CPU time of the handler (the rest is waiting for DynamoDB Local)

    @property
    def pages_needed(self) -> int:
        """Query pages the items read need at 1 MB each (at least 1)."""
        return max(1, math.ceil(self.bytes_read / PAGE_BYTES))

    @property
    def one_query_per_page(self) -> bool:
        """At most 1 GetItem, and exactly one Query per 1 MB page of what the report reads."""
        return self.gets <= 1 and self.queries == self.pages_needed


@dataclass(frozen=True)
class AggregateWrite:
    """The aggregator's TransactWriteItems for one approved transaction type: its actions and write units."""

    kind: str
    share: float
    actions: int
    write_units: float


@dataclass
class ReportBench:
    """The section's results."""

    members: int
    transactions: int
    days: int
    rules: int
    card_definitions: int
    items_seeded: int
    seed_seconds: float
    largest_row_bytes: dict[str, int] = field(default_factory=dict)
    pages: list[PageTiming] = field(default_factory=list)
    writes: list[AggregateWrite] = field(default_factory=list)
    batch_size: int = 0
    batch_ms: float = 0.0
    batch_cpu_ms: float = 0.0

    @property
    def write_units_per_transaction(self) -> float:
        """Write units per approved transaction, weighted by MIX."""
        return sum(w.share * w.write_units for w in self.writes)

    def write_units_of(self, kind: str) -> float:
        return next(w.write_units for w in self.writes if w.kind == kind)

    @property
    def rows_per_page(self) -> int:
        """Earning-day rows of the size measured here that fit in one 1 MB Query page."""
        return PAGE_BYTES // max(self.largest_row_bytes.get("earning day", 1), 1)


# ------------------------------------------------------------------------------------------------ setup
def _program(stack: BenchStack) -> Program:
    """Card definitions, earning rules, an ACTIVE program and TIMED_MEMBERS members through the handlers."""
    tag = uuid.uuid4().hex[:8]
    cdefs = [stack.request("POST", f"{V2}/card-definitions", {"name": f"Report wallet {tag} {i}", "type": "INDIVIDUAL",
                                                              "status": "ACTIVE"})["id"] for i in range(CARD_DEFINITIONS)]
    rules = []
    for i in range(RULES):
        cdef = cdefs[i % CARD_DEFINITIONS]
        rule = stack.request("POST", f"{V2}/earning-rules", {
            "name": f"Report rule {tag} {i}", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
            "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 10 * (i + 1), "card_definition_id": cdef}}]}]})
        rules.append((str(rule["id"]), str(rule["earnings"][0]["id"]), cdef))
    program = stack.request("POST", f"{V2}/programs", {"name": f"Reports {tag}", "status": "ACTIVE",
                                                        "card_definitions": [{"id": c} for c in cdefs],
                                                        "earning_rules": [{"id": r[0]} for r in rules]})["id"]
    cards = []
    for i in range(TIMED_MEMBERS):
        customer = stack.request("POST", "/v1/customers", {"source_id": f"report-bench-{tag}-{i}"})["id"]
        member = stack.request("POST", f"{V2}/programs/{program}/members", {"customer_id": customer})
        cards += [(str(member["id"]), str(c["card"]["id"]), str(c["card"]["card_definition_id"])) for c in member["cards"]]
    stack.take_jobs()  # the card code jobs
    if len(cards) != TIMED_MEMBERS * CARD_DEFINITIONS:
        raise RuntimeError(f"expected {CARD_DEFINITIONS} cards per member, got {len(cards)} in all")
    return Program(str(program), cdefs, rules, cards)


def _ctx(program: Program, kind: str, slot: int, size: int, card: tuple[str, str, str] | None = None) -> dict[str, Any]:
    """A card transaction as the aggregator reads it: earning types carry rule `slot`, spending types card definition
    `slot % CARD_DEFINITIONS`."""
    points = _POINTS[kind][size]
    rule, item, cdef = program.rules[slot % RULES]
    if kind not in ("POINTS_EARNED", "PENDING_POINTS_ADDED"):
        cdef = program.cdefs[slot % CARD_DEFINITIONS]
    member, card_id = (card[0], card[1]) if card else ("lmbr_bench", "lcrd_bench")
    if card:
        cdef = card[2]
    details: dict[str, Any] = {"points": {"total": points}, "metadata": {}}
    if kind in ("POINTS_EARNED", "PENDING_POINTS_ADDED"):
        details["metadata"] = {"earning_rule_id": rule, "earning_item_id": item, "member_id": member, "program_id": program.id}
    if kind == "POINTS_SPENT_ON_ORDER":
        details["order"] = {"id": "ord_bench", "amount": abs(points) * 5}
    return {"id": f"lctx_{uuid.uuid4().hex[:18]}", "card_id": card_id, "program_id": program.id, "member_id": member,
            "card_definition_id": cdef, "card_type": "INDIVIDUAL", "type": kind, "details": details, "status": "APPROVED",
            "object": "card_transaction"}


def _add(into: dict[Key, dict[str, Any]], key: Key, fixed: dict[str, str], counts: dict[str, int], times: int) -> None:
    row = into.setdefault(key, {**key.attrs(), **fixed})
    for name, amount in counts.items():
        row[name] = row.get(name, 0) + amount * times


def aggregates(program: Program, keys: Keys, days: list[str], transactions: int, rng: random.Random) -> list[dict[str, Any]]:
    """The program's earning and spending aggregate items (daily and all-time) that `transactions` approved transactions
    drawn from MIX over `days` leave, plus the timed cards' daily items (one transaction a day each), as DynamoDB items."""
    kinds = rng.choices([k for k, _ in MIX], weights=[s for _, s in MIX], k=transactions)
    groups = Counter(zip(kinds, rng.choices(range(len(days)), k=transactions), rng.choices(range(RULES), k=transactions),
                         rng.choices(range(4), k=transactions), strict=True))
    rows: dict[Key, dict[str, Any]] = {}
    for (kind, day, slot, size), times in groups.items():
        found = effects(_ctx(program, kind, slot, size), days[day])
        if found.earning:
            rule, item, cdef = found.earning
            dims = {"earning_rule_id": rule, "earning_item_id": item, "card_definition_id": cdef}
            _add(rows, keys.earnings_report_day(program.id, found.day, rule, item, cdef), {**dims, "date": found.day},
                 found.earning_counts, times)
            _add(rows, keys.earnings_summary_row(program.id, rule, item, cdef), dims, found.earning_counts, times)
        if found.spending is not None:
            cdef = found.spending
            _add(rows, keys.spending_report_day(program.id, found.day, cdef), {"card_definition_id": cdef, "date": found.day},
                 found.spending_counts, times)
            _add(rows, keys.spending_summary_row(program.id, cdef), {"card_definition_id": cdef}, found.spending_counts, times)
    card_kinds = [k for k, _ in MIX]
    for card in program.cards:
        for when in days:
            kind = rng.choices(card_kinds, weights=[s for _, s in MIX])[0]
            found = effects(_ctx(program, kind, rng.randrange(RULES), rng.randrange(4), card), when)
            _add(rows, keys.card_report_day(card[1], when), {"date": when}, found.card, 1)
    return [to_item(row) for row in rows.values()]


# ------------------------------------------------------------------------------------------------ measuring
def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


def _time(stack: BenchStack, path: Callable[[int], str], query: dict[str, str], runs: int,
          warmup: int) -> tuple[list[float], list[float]]:
    """Handler times and thread CPU times (ms) of `runs` GET requests (the i-th to `path(i)`) after `warmup` untimed ones;
    each must answer 200."""
    walls, cpus = [], []
    for i in range(warmup + runs):
        function, event = stack.events.http("GET", path(i), None, stack.headers, query or None)
        started, cpu = time.perf_counter(), time.thread_time()
        resp = stack.invoke(function, event)
        elapsed, cpu = (time.perf_counter() - started) * 1000, (time.thread_time() - cpu) * 1000
        if resp.get("statusCode") != 200:
            raise RuntimeError(f"report request failed: {resp.get('statusCode')} {resp.get('body', '')[:300]}")
        if i >= warmup:
            walls.append(elapsed)
            cpus.append(cpu)
    return walls, cpus


def _read_stats(tally: Tally) -> tuple[int, int, int, int, float]:
    """(GetItems, Queries, items the Queries read, their bytes, RRU) of one recorded request (the API-key read excluded)."""
    calls = [c for c in tally.calls if c.category != "auth"]
    gets = sum(1 for c in calls if c.operation == "GetItem")
    queries = [c for c in calls if c.operation == "Query"]
    items = [i for c in queries for i in (c.response or {}).get("Items", [])]
    capacity = Capacity([], lambda _key: None)
    return gets, len(queries), len(items), sum(item_size(i) for i in items), capacity.units(calls)[0]


def report_pages(stack: BenchStack, program: Program, last: date, runs: int, warmup: int) -> list[PageTiming]:
    """Each report route at its widest range (day: MAX_RANGE days; month: MAX_RANGE months) and the summaries: the calls
    of one request (recorded), then `runs` timed requests (recorder detached)."""
    day_first = last - timedelta(days=MAX_RANGE["day"] - 1)
    month_first = date(last.year - (1 if last.month < MAX_RANGE["month"] else 0), (last.month - MAX_RANGE["month"]) % 12 + 1, 1)
    spans = {"day": ({"start_date": day_first.isoformat(), "end_date": last.isoformat(), "resolution": "day"},
                     f"day x {MAX_RANGE['day']} days"),
             "month": ({"start_date": month_first.isoformat(), "end_date": last.isoformat(), "resolution": "month"},
                       f"month x {MAX_RANGE['month']} months")}
    p = f"{V2}/programs/{program.id}"

    def card_path(i: int) -> str:
        member, card, _ = program.cards[i % len(program.cards)]
        return f"{p}/members/{member}/cards/{card}/reports/daily"

    cases: list[tuple[str, str, Callable[[int], str], dict[str, str]]] = []
    for name in ("day", "month"):
        query, span = spans[name]
        cases.append(("card daily", span, card_path, query))
        cases.append(("points earnings daily", span, lambda _i: f"{p}/reports/points-earnings/daily", query))
        cases.append(("spending daily", span, lambda _i: f"{p}/reports/spending/daily", query))
    cases.append(("points earnings summary", "all time", lambda _i: f"{p}/reports/points-earnings/summary", {}))
    cases.append(("spending summary", "all time", lambda _i: f"{p}/reports/spending/summary", {}))
    out = []
    for route, span, path, query in cases:
        recorder = stack.recording()
        try:
            with recorder.record() as tally:
                function, event = stack.events.http("GET", path(0), None, stack.headers, query or None)
                resp = stack.invoke(function, event)
        finally:
            recorder.detach()
        if resp.get("statusCode") != 200:
            raise RuntimeError(f"{route} ({span}): {resp.get('statusCode')} {resp.get('body', '')[:300]}")
        rows = len(json.loads(resp["body"])["data"])
        gets, queries, items, size, rru = _read_stats(tally)
        times, cpus = _time(stack, path, query, runs, warmup)
        out.append(PageTiming(route, span, rows, tally.describe(), gets, queries, items, size, rru,
                              round(statistics.median(times), 2), round(_p95(times), 2), runs, round(statistics.median(cpus), 2)))
    return out


def aggregate_writes(stack: BenchStack, program: Program, day: date) -> list[AggregateWrite]:
    """The aggregator's one TransactWriteItems for an approved transaction of each MIX type on a timed card (its
    aggregates exist already, as mid-year), recorded and sized as the round-trip table does (bench/capacity.py)."""
    function = stack.events.card_transactions
    if function is None:
        raise RuntimeError("the template has no stream consumer of card transactions")
    client, table = stack.client("dynamodb"), stack.table

    def fetch(key: dict[str, Any]) -> dict[str, Any] | None:
        item: dict[str, Any] | None = client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        return item

    props = next(iter(stack.events.template.of_type("AWS::DynamoDB::Table").values()))
    out = []
    for n, (kind, share) in enumerate(MIX):
        ctx = {**_ctx(program, kind, n, 1, program.cards[n % len(program.cards)]), "created_at": f"{day.isoformat()}T12:00:00.000Z"}
        recorder = stack.recording()
        try:
            with recorder.record() as tally:
                result = stack.invoke(function, stack.events.card_transaction_approved(stack.project, ctx))
        finally:
            recorder.detach()
        if result.get("batchItemFailures"):
            raise RuntimeError(f"the aggregator failed {kind}: {result}")
        writes = [c for c in tally.calls if c.operation == "TransactWriteItems"]
        if len(writes) != 1 or len(tally.calls) != 1:
            raise RuntimeError(f"the aggregator should make 1 TransactWriteItems per approved transaction: {tally.describe()}")
        _, wru = Capacity(Index.from_template(props), fetch).units(tally.calls)
        out.append(AggregateWrite(kind, share, len(writes[0].params["TransactItems"]), wru))
    return out


def aggregator_batches(stack: BenchStack, program: Program, day: date, batch: int, rounds: int,
                       rng: random.Random) -> tuple[float, float]:
    """(median wall ms, median thread CPU ms) of the aggregator on full stream batches of MIX transactions."""
    function = stack.events.card_transactions
    assert function is not None
    walls, cpus = [], []
    for _ in range(rounds + 1):
        records = []
        for kind in rng.choices([k for k, _ in MIX], weights=[s for _, s in MIX], k=batch):
            card = program.cards[rng.randrange(len(program.cards))]
            ctx = {**_ctx(program, kind, rng.randrange(RULES), rng.randrange(4), card), "created_at": f"{day.isoformat()}T12:00:00.000Z"}
            records += stack.events.card_transaction_approved(stack.project, ctx)["Records"]
        started, cpu = time.perf_counter(), time.thread_time()
        result = stack.invoke(function, {"Records": records})
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.thread_time() - cpu) * 1000)
        if result.get("batchItemFailures"):
            raise RuntimeError(f"the aggregator failed a batch: {result}")
    return round(statistics.median(walls[1:]), 1), round(statistics.median(cpus[1:]), 1)  # the first batch warms up


def run(stack: BenchStack, runs: int = 30, warmup: int = 5, transactions: int = TRANSACTIONS, batch_rounds: int = 5,
        log: Callable[[str], None] = lambda _m: None) -> ReportBench:
    """The whole section: program, seeded aggregates, report pages, aggregator write cost."""
    rng = random.Random(11)
    program = _program(stack)
    today = local_day(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), get_settings().timezone)
    days = [(today - timedelta(days=n)).isoformat() for n in range(DAYS - 1, -1, -1)]
    started = time.perf_counter()
    items = aggregates(program, Keys(stack.project), days, transactions, rng)
    _Writer(stack).write(items)
    result = ReportBench(MEMBERS, transactions, DAYS, RULES, CARD_DEFINITIONS, len(items), round(time.perf_counter() - started, 1))
    for label, marker in (("earning day", "#EARN"), ("spending day", "#SPEND"), ("card day", "#CARD#")):
        result.largest_row_bytes[label] = max(item_size(i) for i in items if str(i["PK"]["S"]).endswith(marker)
                                              or (marker == "#CARD#" and marker in str(i["PK"]["S"])))
    log(f"reports: {len(items):,} aggregate items seeded in {result.seed_seconds:.1f} s")
    result.pages = report_pages(stack, program, today, runs, warmup)
    bad = [f"{p.route} ({p.span}): {p.calls}" for p in result.pages if not p.one_query_per_page]
    if bad:
        raise RuntimeError("a report read more than 1 GetItem + 1 Query per 1 MB page: " + "; ".join(bad))
    result.writes = aggregate_writes(stack, program, today)
    result.batch_size = next(t.batch_size for t in stack.events.template.stream_triggers if t.function == stack.events.card_transactions)
    result.batch_ms, result.batch_cpu_ms = aggregator_batches(stack, program, today, result.batch_size, batch_rounds, rng)
    log(f"reports: {len(result.pages)} pages timed; the aggregator writes {result.write_units_per_transaction:.2f} WRU per approved "
        "transaction")
    return result
