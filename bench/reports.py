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
from dataclasses import dataclass, field, replace
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
from loyalty.reports.engine import MAX_RANGE, REFUSAL_REASONS, effects, tier_moves, tier_summary_id

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
REFUSALS = 0.02  # earning-rule evaluations refused by a trigger limit (cooldown, frequency), as a share of the transactions
TIER_CHANGES_PER_MEMBER = 2  # tier transactions a member makes in the year
# Tier transactions by type (share of all), over TIER_STRUCTURES structures of TIERS_PER_STRUCTURE tiers each.
TIER_MIX: tuple[tuple[str, float], ...] = (("JOINED", 0.5), ("UPGRADED", 0.25), ("DOWNGRADED", 0.1), ("PROLONGED", 0.1),
                                           ("LEFT", 0.05))
TIER_STRUCTURES = 2
TIERS_PER_STRUCTURE = 4
PUBLISH_ROUNDS = 20  # worker batches of publish jobs timed


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
    """What the aggregator does for one approved transaction type (its TransactWriteItems: the aggregates with their
    marker and the event, and for an earning the rule application's), and what the event's publish job then does."""

    kind: str
    share: float
    actions: int  # actions of the aggregate TransactWriteItems (marker, aggregates, event item)
    write_units: float  # every TransactWriteItems of the aggregator for it
    rule_actions: int = 0  # actions of the rule-application TransactWriteItems (earnings only)
    event: bool = False  # whether it stands for an event (outbox item + BatchGetItem of its holder + SendMessage)
    read_units: float = 0.0  # the holder's BatchGetItem
    sqs_requests: int = 0  # SendMessage of the publish job
    calls: str = ""
    publish_calls: str = ""  # the publish job's calls (worker)
    publish_read_units: float = 0.0
    publish_write_units: float = 0.0
    publish_events: int = 0  # PutEvents entries

    @property
    def transactions(self) -> int:
        """TransactWriteItems calls (2 for an earning: the rule application, then the aggregates)."""
        return 2 if self.rule_actions else 1


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

    publish_batch_size: int = 0
    publish_batch_ms: float = 0.0
    publish_batch_cpu_ms: float = 0.0

    def _mean(self, value: Callable[[AggregateWrite], float]) -> float:
        return sum(w.share * value(w) for w in self.writes) / max(sum(w.share for w in self.writes), 1e-9)

    @property
    def write_units_per_transaction(self) -> float:
        """The aggregator's write units per approved transaction, weighted by MIX."""
        return self._mean(lambda w: w.write_units)

    @property
    def read_units_per_transaction(self) -> float:
        """The aggregator's read units (the event holder's BatchGetItem) per approved transaction, weighted by MIX."""
        return self._mean(lambda w: w.read_units)

    @property
    def sqs_per_transaction(self) -> float:
        """Publish jobs sent per approved transaction, weighted by MIX."""
        return self._mean(lambda w: w.sqs_requests)

    @property
    def events_per_transaction(self) -> float:
        """Events (and so publish jobs, PutEvents entries) per approved transaction, weighted by MIX."""
        return self._mean(lambda w: w.publish_events)

    def publish_units(self) -> tuple[float, float]:
        """(RRU, WRU) of one publish job, weighted by MIX over the types that have an event."""
        evented = [w for w in self.writes if w.publish_events]
        share = sum(w.share for w in evented) or 1.0
        return (sum(w.share * w.publish_read_units for w in evented) / share,
                sum(w.share * w.publish_write_units for w in evented) / share)

    def write_of(self, kind: str) -> AggregateWrite:
        return next(w for w in self.writes if w.kind == kind)

    def write_units_of(self, kind: str) -> float:
        return self.write_of(kind).write_units

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
        if found.applied:  # what reports.store.count_application_once adds (once per source, rule and member)
            rule = found.applied[1]
            _add(rows, keys.rules_report_day(program.id, found.day, rule), {"earning_rule_id": rule, "date": found.day},
                 {"success_count": 1}, times)
            _add(rows, keys.rules_summary_row(program.id, rule), {"earning_rule_id": rule}, {"success_count": 1}, times)
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
    _rule_rows(rows, program, keys, days, transactions, rng)
    _tier_rows(rows, program, keys, days, rng)
    return [to_item(row) for row in rows.values()]


def tier_ids() -> list[tuple[str, list[str]]]:
    """The report program's tier structures and their tiers (ids of the right shape: the tier reports read no structure)."""
    return [(f"lts_bench{s}", [f"lt_bench{s}{t}" for t in range(TIERS_PER_STRUCTURE)]) for s in range(TIER_STRUCTURES)]


def _rule_rows(rows: dict[Key, dict[str, Any]], program: Program, keys: Keys, days: list[str], transactions: int,
               rng: random.Random) -> None:
    """The refusals (points/limits.record_refusal: failures_count and failures_<reason>) in the program's rule rows, and
    the timed members' daily applications of the first rule (count_application_once: one a day or more, the fullest a
    member's partition gets)."""
    refused = int(transactions * REFUSALS)
    groups = Counter(zip(rng.choices(range(len(days)), k=refused), rng.choices(range(RULES), k=refused),
                         rng.choices(REFUSAL_REASONS, k=refused), strict=True))
    for (day, slot, reason), times in groups.items():
        rule = program.rules[slot][0]
        counts = {"failures_count": 1, f"failures_{reason}": 1}
        _add(rows, keys.rules_report_day(program.id, days[day], rule), {"earning_rule_id": rule, "date": days[day]}, counts, times)
        _add(rows, keys.rules_summary_row(program.id, rule), {"earning_rule_id": rule}, counts, times)
    for member in dict.fromkeys(m for m, _, _ in program.cards):
        for when in days:
            _add(rows, keys.member_rule_report_day(member, program.rules[0][0], when), {"date": when}, {"count": 1},
                 rng.randint(1, 3))


def tier_transaction(kind: str, structure: str, tiers: list[str], slot: int) -> dict[str, Any]:
    """A tier transaction of type `kind` around tier `slot` of a structure, as the tiering consumer writes it: an upgrade
    comes from the tier below, a downgrade from the tier above; a LEFT names the tier left."""
    tier = tiers[slot]
    tier_from = {"UPGRADED": tiers[slot - 1] if slot else None,
                 "DOWNGRADED": tiers[slot + 1] if slot + 1 < len(tiers) else None}.get(kind)
    if kind in ("UPGRADED", "DOWNGRADED") and tier_from is None:
        kind = "JOINED"  # nothing below the first tier to upgrade from (above the last to downgrade from)
    details = {"tier_from": tier_from, "tier_to": None if kind == "LEFT" else tier}
    return {"id": f"lttx_{uuid.uuid4().hex[:18]}", "type": kind, "tier_structure_id": structure, "tier_id": tier,
            "details": details}


def _tier_rows(rows: dict[Key, dict[str, Any]], program: Program, keys: Keys, days: list[str], rng: random.Random) -> None:
    """The program's daily and summary tier rows that TIER_CHANGES_PER_MEMBER tier transactions per member leave
    (reports.engine.tier_moves, as reports.store.count_tier_once adds them)."""
    n = MEMBERS * TIER_CHANGES_PER_MEMBER
    structures = tier_ids()
    groups = Counter(zip(rng.choices([k for k, _ in TIER_MIX], weights=[w for _, w in TIER_MIX], k=n),
                         rng.choices(range(len(days)), k=n), rng.choices(range(TIER_STRUCTURES), k=n),
                         rng.choices(range(TIERS_PER_STRUCTURE), k=n), strict=True))
    for (kind, day, s, slot), times in groups.items():
        structure, tiers = structures[s]
        for structure_id, tier, counts in tier_moves(tier_transaction(kind, structure, tiers, slot)):
            dims = {"tier_structure_id": structure_id, "tier_id": tier}
            _add(rows, keys.tiers_report_day(program.id, days[day], structure_id, tier), {**dims, "date": days[day]}, counts, times)
            _add(rows, keys.tiers_summary_row(program.id, tier_summary_id(program.id, structure_id, tier)), dims, counts, times)


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
    """(GetItems and BatchGetItems, Queries, items the Queries read, their bytes, RRU) of one recorded request (the API-key
    read excluded)."""
    calls = [c for c in tally.calls if c.category != "auth"]
    gets = sum(1 for c in calls if c.operation in ("GetItem", "BatchGetItem"))
    queries = [c for c in calls if c.operation == "Query"]
    items = [i for c in queries for i in (c.response or {}).get("Items", [])]
    capacity = Capacity([], lambda _key: None)
    return gets, len(queries), len(items), sum(item_size(i) for i in items), capacity.units(calls)[0]


def _fixed(path: str) -> Callable[[int], str]:
    """The same path for every request."""
    return lambda _i: path


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

    members = list(dict.fromkeys(m for m, _, _ in program.cards))

    def member_rule_path(i: int) -> str:
        return f"{p}/members/{members[i % len(members)]}/earning-rules/{program.rules[0][0]}/reports/daily"

    cases: list[tuple[str, str, Callable[[int], str], dict[str, str]]] = []
    for name in ("day", "month"):
        query, span = spans[name]
        cases.append(("card daily", span, card_path, query))
        cases.append(("member earning rule daily", span, member_rule_path, query))
        for route, part in (("points earnings daily", "points-earnings"), ("spending daily", "spending"),
                            ("earning rules daily", "earning-rules"), ("tiers daily", "tiers")):
            cases.append((route, span, _fixed(f"{p}/reports/{part}/daily"), query))
    for route, part in (("points earnings summary", "points-earnings"), ("spending summary", "spending"),
                        ("earning rules summary", "earning-rules"), ("tiers summary", "tiers")):
        cases.append((route, "all time", _fixed(f"{p}/reports/{part}/summary"), {}))
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


def _capacity(stack: BenchStack) -> Capacity:
    """Sizes calls as the round-trip table does (bench/capacity.py), reading the items as they are now."""
    client, table = stack.client("dynamodb"), stack.table

    def fetch(key: dict[str, Any]) -> dict[str, Any] | None:
        item: dict[str, Any] | None = client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        return item

    props = next(iter(stack.events.template.of_type("AWS::DynamoDB::Table").values()))
    return Capacity(Index.from_template(props), fetch)


AGGREGATOR_CALLS = {"TransactWriteItems", "BatchGetItem", "SendMessage"}


def aggregate_writes(stack: BenchStack, program: Program, day: date) -> list[AggregateWrite]:
    """For an approved transaction of each MIX type on a timed card (its aggregates exist already, as mid-year): the
    aggregator's calls (the rule application's TransactWriteItems for an earning; the event holder's BatchGetItem; the
    TransactWriteItems of marker, aggregates and event; the publish job's SendMessage), then the worker's on that
    publish job (GetItem, PutEvents, the project's webhooks Query, TransactWriteItems), recorded and sized."""
    function = stack.events.card_transactions
    if function is None:
        raise RuntimeError("the template has no stream consumer of card transactions")
    stack.take_jobs()
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
        unexpected = [c.operation for c in tally.calls if c.operation not in AGGREGATOR_CALLS]
        if not 1 <= len(writes) <= 2 or unexpected:
            raise RuntimeError(f"the aggregator should make 1 TransactWriteItems (2 for an earning) per approved transaction, "
                               f"a BatchGetItem and a SendMessage for its event: {tally.describe()}")
        rru, wru = _capacity(stack).units(tally.calls)
        actions = [len(c.params["TransactItems"]) for c in writes]
        sends = sum(1 for c in tally.calls if c.operation == "SendMessage")
        write = AggregateWrite(kind, share, actions[-1], wru, actions[0] if len(actions) == 2 else 0, sends > 0, rru, sends,
                               tally.describe())
        out.append(_publish(stack, write))
    return out


def _publish(stack: BenchStack, write: AggregateWrite) -> AggregateWrite:
    """`write` with the calls and units of the worker running the publish job the aggregator just sent (if any)."""
    bodies = stack.take_jobs()
    if len(bodies) != write.sqs_requests:
        raise RuntimeError(f"{write.kind}: {write.sqs_requests} publish job(s) sent, {len(bodies)} on the queue")
    if not bodies:
        return write
    recorder = stack.recording()
    try:
        with recorder.record() as tally:
            result = stack.invoke(stack.events.worker, stack.events.sqs(bodies))
    finally:
        recorder.detach()
    if result.get("batchItemFailures"):
        raise RuntimeError(f"the publish job of {write.kind} failed: {result}")
    rru, wru = _capacity(stack).units(tally.calls)
    entries = sum(len(c.params.get("Entries", [])) for c in tally.calls if c.operation == "PutEvents")
    return replace(write, publish_calls=tally.describe(), publish_read_units=rru, publish_write_units=wru, publish_events=entries)


def aggregator_batches(stack: BenchStack, program: Program, day: date, batch: int, rounds: int,
                       rng: random.Random) -> tuple[float, float, list[str]]:
    """(median wall ms, median thread CPU ms) of the aggregator on full stream batches of MIX transactions, and the publish
    jobs it sent."""
    function = stack.events.card_transactions
    assert function is not None
    walls, cpus = [], []
    jobs: list[str] = []
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
        jobs += stack.take_jobs()
    return round(statistics.median(walls[1:]), 1), round(statistics.median(cpus[1:]), 1), jobs  # the first batch warms up


def publish_batches(stack: BenchStack, jobs: list[str], batch: int, rounds: int) -> tuple[float, float]:
    """(median wall ms, median thread CPU ms) of the worker on `rounds` batches of `batch` publish jobs (after one warm-up
    batch)."""
    walls, cpus = [], []
    for i in range(rounds + 1):
        chunk = jobs[i * batch:(i + 1) * batch]
        if len(chunk) < batch:
            break
        started, cpu = time.perf_counter(), time.thread_time()
        result = stack.invoke(stack.events.worker, stack.events.sqs(chunk))
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.thread_time() - cpu) * 1000)
        if result.get("batchItemFailures"):
            raise RuntimeError(f"the worker failed a batch of publish jobs: {result}")
    if len(walls) < 2:
        raise RuntimeError(f"too few publish jobs to time: {len(jobs)}")
    return round(statistics.median(walls[1:]), 1), round(statistics.median(cpus[1:]), 1)


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
    for label, marker in (("earning day", "#EARN"), ("spending day", "#SPEND"), ("card day", "#CARD#"), ("rule day", "#RULE"),
                          ("tier day", "#TIERS")):
        result.largest_row_bytes[label] = max(item_size(i) for i in items if str(i["PK"]["S"]).endswith(marker)
                                              or (marker == "#CARD#" and marker in str(i["PK"]["S"])))
    log(f"reports: {len(items):,} aggregate items seeded in {result.seed_seconds:.1f} s")
    result.pages = report_pages(stack, program, today, runs, warmup)
    bad = [f"{p.route} ({p.span}): {p.calls}" for p in result.pages if not p.one_query_per_page]
    if bad:
        raise RuntimeError("a report read more than 1 GetItem + 1 Query per 1 MB page: " + "; ".join(bad))
    result.writes = aggregate_writes(stack, program, today)
    result.batch_size = next(t.batch_size for t in stack.events.template.stream_triggers if t.function == stack.events.card_transactions)
    result.batch_ms, result.batch_cpu_ms, jobs = aggregator_batches(stack, program, today, result.batch_size, batch_rounds, rng)
    result.publish_batch_size = stack.events.worker_batch_size
    result.publish_batch_ms, result.publish_batch_cpu_ms = publish_batches(stack, jobs, result.publish_batch_size, PUBLISH_ROUNDS)
    log(f"reports: {len(result.pages)} pages timed; the aggregator writes {result.write_units_per_transaction:.2f} WRU per approved "
        f"transaction; a publish job {result.publish_batch_ms / max(result.publish_batch_size, 1):.1f} ms")
    return result
