"""Cold start and memory: every function in a fresh interpreter (bench/child.py), against DynamoDB Local."""

from __future__ import annotations

import compileall
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.events import ROOT
from bench.seed import V2, World
from bench.stack import BenchStack

CHILD = Path(__file__).resolve().parent / "child.py"
FLOOR = "floor"  # Children.run(FLOOR): boto3 + pydantic + Powertools as an API function uses them, no project code


class PendingJobs:
    """Queue messages of purchases accepted but not completed yet (the worker's events)."""

    def __init__(self, bodies: list[str]) -> None:
        self._bodies = list(bodies)

    def take(self, count: int = 1) -> list[str]:
        if len(self._bodies) < count:
            raise RuntimeError("not enough pending purchases for the worker runs")
        taken, self._bodies = self._bodies[:count], self._bodies[count:]
        return taken


def _sample(folder: str) -> tuple[str, str, Any] | dict[str, Any]:
    """The request of a function's sample event (events/<folder>.json): its ids name nothing in the seed, so the answer is
    a 404 after authentication and one read, or a 400: the cold start (imports, first resolve) is what is measured. A
    sample whose body is not JSON (a multipart upload), or that is no HTTP request (the webhook queue's SQS event, whose
    delivery does not exist: one read), is sent as it is."""
    event: dict[str, Any] = json.loads((ROOT / "events" / f"{folder}.json").read_text())
    if "requestContext" not in event or event.get("isBase64Encoded") or not (event.get("body") or "{").lstrip().startswith(("{", "[")):
        return event
    body = json.loads(event["body"]) if event.get("body") else None
    return event["requestContext"]["http"]["method"], event["rawPath"], body


def first_event(stack: BenchStack, world: World, jobs: PendingJobs, function: str) -> dict[str, Any]:
    """A meaningful first event for `function`: it authenticates and reaches data that exists (fresh data where the
    request creates something, so it succeeds instead of answering 409)."""
    f = world.fixed()
    folder = stack.events.folder(function)
    if folder == "process_jobs":
        return stack.events.sqs(jobs.take())
    if folder == "sweep_pending_jobs":
        return stack.events.scheduled()
    if folder == "run_daily_jobs":  # each project's day already done after its first run: the steady state of the hour
        return stack.events.scheduled(stack.events.daily_rule)
    if folder in ("process_card_changes", "aggregate_card_transactions"):  # the sample stream record: of no seeded card
        return dict(json.loads((ROOT / "events" / f"{folder}.json").read_text()))
    member_path = f"{V2}/programs/{{program}}/members/{{member}}"
    requests: dict[str, Callable[[], tuple[str, str, Any]]] = {
        "create_program": lambda: ("POST", f"{V2}/programs", {
            "name": "Cold", "status": "ACTIVE", "card_definitions": [{"id": f["cdef"]}], "earning_rules": [{"id": f["rule"]}],
            "rewards": [{"id": f["reward"], "stock": 5}]}),
        "get_program": lambda: ("GET", f"{V2}/programs/{f['program']}", None),
        "create_card_definition": lambda: ("POST", f"{V2}/card-definitions", {"name": "Cold wallet", "type": "INDIVIDUAL", "status": "ACTIVE"}),
        "get_card_definition": lambda: ("GET", f"{V2}/card-definitions/{f['cdef']}", None),
        "create_earning_rule": lambda: ("POST", f"{V2}/earning-rules", {
            "name": "Cold rule", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
            "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 1, "card_definition_id": f["cdef"]}}]}]}),
        "get_earning_rule": lambda: ("GET", f"{V2}/earning-rules/{f['rule']}", None),
        "create_reward": lambda: ("POST", f"{V2}/rewards", {
            "name": "Cold reward", "type": "MATERIAL", "status": "ACTIVE", "material": {"type": "PRODUCT", "product": {"id": "prod_1"}},
            "costs": [{"spending": [{"points": 10, "card_definition_id": f["cdef"]}]}]}),
        "get_reward": lambda: ("GET", f"{V2}/rewards/{f['reward']}", None),
        "create_program_member": lambda: ("POST", f"{V2}/programs/{f['program']}/members", {"customer_id": world.take_customer()}),
        "get_program_member": lambda: ("GET", _member(world, member_path), None),
        "adjust_card_points": lambda: ("POST", _member(world, member_path + "/cards/{card}/points"), {"points": 10, "reason": "cold"}),
        "list_card_transactions": lambda: ("GET", _member(world, member_path + "/cards/{card}/transactions"), None),
        "purchase_member_reward": lambda: ("POST", _member(world, member_path + "/rewards/purchases"), {"reward_id": f["reward"]}),
        "list_member_reward_purchases": lambda: ("GET", _member(world, member_path + "/rewards/purchases"), None),
        "create_customer": lambda: ("POST", "/v1/customers", {"source_id": f"cold-{uuid.uuid4().hex[:12]}", "name": "Cold"}),
        "get_customer": lambda: ("GET", f"/v1/customers/{world.take_member().customer}", None),
        "create_loyalty_program_v1": lambda: ("POST", "/v1/loyalties", {
            "name": f"Cold {uuid.uuid4().hex[:12]}", "type": "AUTO_UPDATE",
            "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}, "code_config": {"pattern": "CO-########"}}}),
        "get_loyalty_program_v1": lambda: ("GET", f"/v1/loyalties/{f['campaign']}", None),
        "add_member_v1": lambda: ("POST", f"/v1/loyalties/{f['campaign']}/members", {"customer": world.take_customer()}),
        "get_member_v1": lambda: ("GET", f"/v1/loyalties/{f['campaign']}/members/{world.take_v1_member().code}", None),
        "get_member_by_code_v1": lambda: ("GET", f"/v1/loyalties/members/{world.take_v1_member().code}", None),
        "update_loyalty_card_balance_v1": lambda: (
            "POST", f"/v1/loyalties/{f['campaign']}/members/{world.take_v1_member().code}/balance", {"points": 10}),
        "update_loyalty_card_balance_by_code_v1": lambda: (
            "POST", f"/v1/loyalties/members/{world.take_v1_member().code}/balance", {"points": 10}),
        "route_not_found": lambda: ("GET", f"{V2}/no-such-route", None),
    }
    request = requests[folder]() if folder in requests else _sample(folder)
    if isinstance(request, dict):
        return request
    method, path, body = request
    routed, event = stack.events.http(method, path, body, stack.headers)
    if routed != function:
        raise RuntimeError(f"{method} {path} routes to {routed}, not {function}")
    return event


IMPORT_GROUPS = ("boto3/botocore", "Powertools", "pydantic", "loyalty.models", "loyalty (other)", "stdlib (top level)")
_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+\d+ \|( *)(\S+)$", re.MULTILINE)
_BOTO = {"boto3", "botocore", "s3transfer", "urllib3", "jmespath", "dateutil", "six"}
_PYDANTIC = {"pydantic", "pydantic_core", "annotated_types", "typing_extensions", "typing_inspection"}


def _import_group(module: str) -> str | None:
    """The package group of a module; None for the standard library and anything else (charged to its importer)."""
    top = module.split(".")[0]
    if module.startswith("loyalty.") and module.endswith(".models"):
        return "loyalty.models"
    if top in ("loyalty", "app"):
        return "loyalty (other)"
    if top in _BOTO:
        return "boto3/botocore"
    if top == "aws_lambda_powertools":
        return "Powertools"
    return "pydantic" if top in _PYDANTIC else None


def charge_imports(importtime_output: str) -> dict[str, float]:
    """Self import times (ms) per group. `-X importtime` prints a module after its imports, indented by depth, so the
    lines before a module that are deeper are its subtree: ungrouped (stdlib) time there is charged to it."""
    totals = dict.fromkeys(IMPORT_GROUPS, 0.0)
    pending: list[tuple[int, float]] = []  # (depth, uncharged ms of that subtree)
    for match in _IMPORT_LINE.finditer(importtime_output):
        self_ms, depth, group = int(match.group(1)) / 1000, len(match.group(2)) // 2, _import_group(match.group(3))
        uncharged = self_ms
        while pending and pending[-1][0] > depth:
            uncharged += pending.pop()[1]
        if group is None:
            pending.append((depth, uncharged))
        else:
            totals[group] += uncharged
    totals["stdlib (top level)"] += sum(ms for _, ms in pending)
    return totals


def _member(world: World, template: str) -> str:
    """`template` filled with an unused seeded v2 member's program, member and card ids."""
    m = world.take_member()
    return template.format(program=m.program, member=m.member, card=m.card)


@dataclass
class ChildRun:
    """What one child reported."""

    spawn_to_served_ms: float
    import_ms: float
    first_ms: float
    rss_kb: int
    status: int
    summary: dict[str, Any] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)  # a function child: the AWS calls of its first event


class Children:
    """Spawns bench/child.py with the stack's environment and reads its BENCH lines."""

    def __init__(self, stack: BenchStack, workdir: Path) -> None:
        self.stack = stack
        self.workdir = workdir
        self.env = {**stack.child_environment(), "SWEEP_AFTER_SECONDS": "86400"}  # the sweeper's steady state: nothing due
        self.layer = str(stack.events.template.functions[stack.events.functions[0]].layers[0])

    def args(self, function: str | None, events: list[dict[str, Any]] | None) -> list[str]:
        """The child's command line (`function=None`: the boto3 baseline; FLOOR: the dependencies' floor)."""
        if function is None:
            return ["boto3"]
        if function == FLOOR:
            return ["floor"]
        path = self.workdir / f"{function}-{uuid.uuid4().hex[:8]}.jsonl"
        path.write_text("".join(json.dumps(e) + "\n" for e in events or []), encoding="utf-8")
        code = self.stack.events.template.functions[function].code_uri
        return ["function", str(code), self.layer, str(path)]

    def import_times(self, function: str, event: dict[str, Any]) -> dict[str, float]:
        """`python -X importtime` self times in ms by package, a stdlib module charged to the package that imported it."""
        args = [sys.executable, "-X", "importtime", "-P", str(CHILD), *self.args(function, [event])]
        proc = subprocess.run(args, env=self.env, capture_output=True, text=True, cwd=self.workdir, timeout=120, check=True)
        return charge_imports(proc.stderr)

    def run(self, function: str | None, events: list[dict[str, Any]] | None = None, timeout: float = 120) -> ChildRun:
        """Spawn; `function=None` runs the boto3 baseline. Times spawn -> the first BENCH line (the first event served)."""
        args = [sys.executable, "-P", str(CHILD), *self.args(function, events)]
        started = time.perf_counter()
        proc = subprocess.Popen(args, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=self.workdir)
        try:
            assert proc.stdout is not None
            reports: list[dict[str, Any]] = []
            calls: list[dict[str, Any]] = []
            served = 0.0
            for line in proc.stdout:
                if line.startswith("BENCH "):
                    if not reports:
                        served = time.perf_counter()
                    reports.append(json.loads(line[6:]))
                elif line.startswith("CALLS "):
                    calls = json.loads(line[6:])
            proc.wait(timeout=timeout)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if not reports:
            raise RuntimeError(f"{function or 'boto3'}: the child reported nothing (exit {proc.returncode})")
        first = reports[0]
        return ChildRun((served - started) * 1000, first["import_ms"], first["first_ms"], first["rss_kb"], first["status"],
                        reports[1] if len(reports) > 1 else {}, calls)

    def replay(self, calls: list[dict[str, Any]], timeout: float = 120) -> ChildRun:
        """The fair baseline: a fresh interpreter making `calls` (a function's first event's) with plain boto3, timed the
        same way (spawn -> its report)."""
        path = self.workdir / f"calls-{uuid.uuid4().hex[:8]}.json"
        path.write_text(json.dumps(calls), encoding="utf-8")
        args = [sys.executable, "-P", str(CHILD), "replay", str(path)]
        started = time.perf_counter()
        proc = subprocess.run(args, env=self.env, capture_output=True, text=True, cwd=self.workdir, timeout=timeout)
        ended = time.perf_counter()
        lines = [json.loads(line[6:]) for line in proc.stdout.splitlines() if line.startswith("BENCH ")]
        if not lines or lines[0].get("calls") != len(calls):
            raise RuntimeError(f"replay of {len(calls)} calls reported {lines} (exit {proc.returncode}): {proc.stderr[-400:]}")
        r = lines[0]
        return ChildRun((ended - started) * 1000, r["import_ms"], r["first_ms"], r["rss_kb"], r["status"])


@dataclass
class ColdStart:
    """Median cold start of one function (spawn -> first event served) and its three ratios: to its fair baseline (plain
    boto3 in a fresh interpreter making the same calls), its import to `import boto3` + a client, and (the old one) to
    the bare baseline that makes no call."""

    function: str
    total_ms: float
    import_ms: float
    first_event_ms: float
    rss_mb: float
    ratio: float
    statuses: list[int]
    fair_ms: float = 0.0
    fair_ratio: float = 0.0
    import_ratio: float = 0.0
    calls: list[str] = field(default_factory=list)


def cold_start(function: str, runs: list[ChildRun], fair: list[ChildRun], bare: list[ChildRun]) -> ColdStart:
    """The medians of a function's runs and its ratios: total / fair baseline total, import / bare baseline import
    (`import boto3; boto3.client("dynamodb")` in-process), total / bare baseline total."""
    total = statistics.median(r.spawn_to_served_ms for r in runs)
    imported = statistics.median(r.import_ms for r in runs)
    fair_ms = statistics.median(r.spawn_to_served_ms for r in fair)
    bare_ms = statistics.median(r.spawn_to_served_ms for r in bare)
    bare_import = statistics.median(r.import_ms for r in bare)
    return ColdStart(function, total, imported, statistics.median(r.first_ms for r in runs), max(r.rss_kb for r in runs) / 1024,
                     total / bare_ms, sorted({r.status for r in runs}), fair_ms, total / fair_ms, imported / bare_import,
                     [f"{c['service']}:{c['operation']}" for c in runs[0].calls])


def warm_pyc(stack: BenchStack) -> None:
    """Byte-compile the functions and the layer (site-packages were compiled by pip), so every run finds warm .pyc."""
    for function in stack.events.template.functions.values():
        for path in (function.code_uri, *function.layers):
            compileall.compile_dir(str(path), quiet=1)


def cold_starts(stack: BenchStack, world: World, jobs: PendingJobs, rounds: int, log: Callable[[str], None],
                functions: list[str] | None = None) -> tuple[ChildRun, ChildRun, list[ColdStart]]:
    """Every function `rounds` times with warm .pyc, each run followed by its fair baseline (plain boto3 replaying the
    calls that very run made), round-robin with the bare boto3 baseline and the dependencies' floor (so load changes hit
    them all). Returns the bare baseline's and the floor's medians, and the functions' figures."""
    warm_pyc(stack)
    functions = functions or stack.events.functions
    runs: dict[str, list[ChildRun]] = {f: [] for f in functions}
    fair: dict[str, list[ChildRun]] = {f: [] for f in functions}
    bare: list[ChildRun] = []
    floors: list[ChildRun] = []
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        children = Children(stack, Path(tmp))
        for round_no in range(1, rounds + 1):
            for number, function in enumerate(functions):
                if number % 20 == 0:
                    bare.append(children.run(None))
                    floors.append(children.run(FLOOR))
                run = children.run(function, [first_event(stack, world, jobs, function)])
                runs[function].append(run)
                fair[function].append(children.replay(run.calls))
            log(f"cold start round {round_no}/{rounds} done")
    out = [cold_start(f, runs[f], fair[f], bare) for f in functions]
    return _medians(bare), _medians(floors), out


def _medians(runs: list[ChildRun]) -> ChildRun:
    """One run of medians (total and import) and the peak RSS."""
    return ChildRun(statistics.median(r.spawn_to_served_ms for r in runs), statistics.median(r.import_ms for r in runs), 0.0,
                    max(r.rss_kb for r in runs), 200)


def import_profiles(stack: BenchStack, world: World, jobs: PendingJobs, functions: list[str]) -> dict[str, dict[str, float]]:
    """Where import time goes, per function (`-X importtime` self times, grouped; inflated by the tracing itself)."""
    with tempfile.TemporaryDirectory(prefix="bench-imports-") as tmp:
        children = Children(stack, Path(tmp))
        return {f: children.import_times(f, first_event(stack, world, jobs, f)) for f in functions}


@dataclass
class Memory:
    """Peak RSS of a warm function process after `events` events, and its median cost per warm event."""

    function: str
    events: int
    first_rss_mb: float
    peak_rss_mb: float
    wall_ms: float
    cpu_ms: float
    statuses: list[int]


def memory(stack: BenchStack, world: World, jobs: PendingJobs, functions: list[str], count: int, worker_batches: int) -> list[Memory]:
    """Each function in one process serving `count` events (the worker: `worker_batches` batches of its BatchSize)."""
    out = []
    with tempfile.TemporaryDirectory(prefix="bench-mem-") as tmp:
        children = Children(stack, Path(tmp))
        for function in functions:
            if function == stack.events.worker:
                events = [stack.events.sqs(jobs.take(stack.events.worker_batch_size)) for _ in range(worker_batches)]
            else:
                events = [first_event(stack, world, jobs, function) for _ in range(count)]
            run = children.run(function, events, timeout=600)
            s = run.summary
            out.append(Memory(function, len(events), run.rss_kb / 1024, s["peak_rss_kb"] / 1024, s["wall_ms"], s["cpu_ms"],
                              sorted({run.status, *s["statuses"]})))
    return out


COLD_RATIOS = (("fair_ratio", "cold total ÷ fair baseline", 1.3), ("import_ratio", "import ÷ import boto3 + client", 1.25),
               ("ratio", "cold total ÷ bare boto3 client (old)", 1.5))


def ratio_summary(cold: list[ColdStart]) -> list[dict[str, Any]]:
    """For each of the three ratios: its target, median, range and how many functions meet it."""
    out = []
    for attr, label, target in COLD_RATIOS:
        values = [getattr(c, attr) for c in cold]
        out.append({"ratio": attr, "label": label, "target": target, "median": statistics.median(values), "min": min(values),
                    "max": max(values), "met": sum(v <= target for v in values), "functions": len(values)})
    return out
