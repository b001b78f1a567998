"""Load test of `python -m local serve` over HTTP: `python -m bench.load [--backend embedded] [--only load|writes|big]` (`make load`).

Starts `python -m local serve` (its worker pools, on the backend `make serve` would choose unless told otherwise: DynamoDB
Local when java 17+ is here, else embedded) on a free port, seeds a world
through the API with the dev key (a program with a reward and an order earning rule, members with points, a v1 campaign
with cards), warms every route, then three sections:

* **load**: locust (bench/locustfile.py), headless, `--users` clients for `--seconds`, a shop backend's mix of member
  reads, reward purchases, points adjustments and paid orders. Per request type: requests, throughput, p50/p95/p99/max,
  purchases refused with 423 for want of points (expected, not errors) and errors (5xx, no answer, any other 4xx).
* **writes**: 10,000 writes (`--writes`) through the API from 4 clients, in turn v2 points, paid orders, v1 balance changes
  and purchases, then lets the worker and the stream consumers settle: serve's memory after a 10,000-write run.
* **big**: fills the table past `--items` items (realistic members, cards, codes and customers written in bulk by
  bench/seed.py straight into the backend), lets the stream consumers and the worker work off the backlog (up to
  `--settle-seconds`), warms every route's workers again (idle ones stopped meanwhile), then one locust client runs the same mix
  for `--timing-seconds`: the max and p99 latency on the big table. serve's memory (RSS and PSS summed over the serve
  process and all its children: the backend, the worker pools) is sampled throughout and reported after each step.

Prints a table and writes bench/load.json. The per-project rate limit is off (PROJECT_RATE_LIMIT=0), as in `make bench`."""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil
import requests

from local.backends import REGION, best_local_backend
from local.runtime import DEV_PROJECT, ROOT, ServeProcess
from loyalty.db.table import SCAN_PAGE

V2 = "/v2/loyalties"
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
ENV = {"PROJECT_RATE_LIMIT": "0"}  # the load is one project's: measured without the per-project limit
LOAD_STATE = ROOT / ".local" / "load-dynamodb-local"  # DynamoDB Local's jar, kept between runs
WRITES = ("purchase", "points (v2)", "balance (v1)", "order")  # the request types that write
STARTING_POINTS = 1000
REWARD_COST = 100


def _log(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------- the API and the world
class Api:
    """Requests to the served API with the dev key; each raises unless its status is expected."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self.base_url = base_url
        self.headers = {**headers, "Content-Type": "application/json"}
        self._local = threading.local()

    def request(self, method: str, path: str, body: Any = None, *, expect: int | tuple[int, ...] = (200, 201, 202)) -> Any:
        """One request (a session per thread); the parsed body."""
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
            self._local.session.headers.update(self.headers)
        resp = self._local.session.request(method, self.base_url + path, json=body, timeout=60)
        if resp.status_code not in ((expect,) if isinstance(expect, int) else expect):
            raise RuntimeError(f"{method} {path}: {resp.status_code} {resp.text[:300]}")
        return resp.json() if resp.content else None

    def post(self, path: str, body: Any) -> Any:
        """A POST expecting 200, 201 or 202; the parsed body."""
        return self.request("POST", path, body)


def seed_world(api: Api, members: int, v1_cards: int, threads: int = 8) -> dict[str, Any]:
    """A program (card definition, reward costing REWARD_COST, an earning rule on paid orders), `members` members holding
    STARTING_POINTS each, and a v1 campaign with `v1_cards` cards: all through the API."""
    tag = uuid.uuid4().hex[:8]
    cdef = api.post(f"{V2}/card-definitions", {"name": f"Load wallet {tag}", "type": "INDIVIDUAL", "status": "ACTIVE"})["id"]
    reward = api.post(f"{V2}/rewards", {"name": f"Load coffee {tag}", "type": "MATERIAL", "status": "ACTIVE",
                                        "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}},
                                        "costs": [{"spending": [{"points": REWARD_COST, "card_definition_id": cdef}]}]})["id"]
    earn = {"type": "POINTS", "points": {"value": 10, "card_definition_id": cdef}}
    rule = api.post(f"{V2}/earning-rules", {"name": f"Load orders {tag}", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
                                            "earnings": [{"effects": [earn]}]})["id"]
    program = api.post(f"{V2}/programs", {"name": f"Load {tag}", "status": "ACTIVE", "card_definitions": [{"id": cdef}],
                                          "earning_rules": [{"id": rule}], "rewards": [{"id": reward}]})["id"]
    campaign = api.post("/v1/loyalties", {"name": f"Load legacy {tag}", "type": "AUTO_UPDATE",
                                          "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}})["id"]

    def member(i: int) -> dict[str, str]:
        customer = api.post("/v1/customers", {"source_id": f"load-{tag}-{i}", "name": f"Load {i}"})["id"]
        created = api.post(f"{V2}/programs/{program}/members", {"customer_id": customer})
        path = f"{V2}/programs/{program}/members/{created['id']}"
        card = created["cards"][0]["card"]["id"]
        api.post(f"{path}/cards/{card}/points", {"points": STARTING_POINTS, "reason": "load seed"})
        found = {"path": path, "card": card, "customer": customer}
        if i < v1_cards:
            found["v1_code"] = api.post(f"/v1/loyalties/{campaign}/members", {"customer": customer})["code"]
        return found

    with ThreadPoolExecutor(threads) as pool:
        seeded = list(pool.map(member, range(members)))
        list(pool.map(lambda m: _credited(api, m["path"]), seeded))
    return {"program": program, "reward": reward, "campaign": campaign, "headers": api.headers,
            "members": [{k: v for k, v in m.items() if k != "v1_code"} for m in seeded],
            "v1_codes": [m["v1_code"] for m in seeded if "v1_code" in m]}


def _credited(api: Api, member_path: str, timeout: float = 120.0) -> None:
    """Wait until the member's card shows the seed's points (a v2 points adjustment settles through the queue worker)."""
    deadline = time.monotonic() + timeout
    while api.request("GET", member_path)["cards"][0]["card"]["balance"]["points"] < STARTING_POINTS:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{member_path}: the seed's points did not arrive within {timeout:.0f} s")
        time.sleep(0.5)


def warm(api: Api, world: dict[str, Any], per_route: int = 8) -> None:
    """Each read route `per_route` times at once, so every pool has started its workers before anything is timed (writes
    were warmed by the seed; a purchase and an order once each here)."""
    m = world["members"][0]
    calls: list[Callable[[], Any]] = [
        lambda: api.request("GET", m["path"]),
        lambda: api.request("GET", f"{V2}/programs/{world['program']}/members?limit=20"),
        lambda: api.request("GET", f"{m['path']}/cards/{m['card']}/transactions?limit=20"),
    ]
    with ThreadPoolExecutor(per_route * len(calls)) as pool:
        for future in [pool.submit(call) for call in calls for _ in range(per_route)]:
            future.result()
    api.request("POST", f"{m['path']}/rewards/purchases", {"reward_id": world["reward"]}, expect=(202, 423))
    api.request("POST", "/v1/orders", {"source_id": f"warm-{uuid.uuid4().hex}", "status": "PAID", "amount": 100, "customer": {"id": m["customer"]}})


# ---------------------------------------------------------------------------------------------------- 10,000 writes
def write_run(api: Api, world: dict[str, Any], writes: int, clients: int = 4) -> dict[str, Any]:
    """`writes` writes through the API from `clients` threads, in turn a v2 points adjustment, a paid order, a v1 balance
    change and a reward purchase (a 423 once a card is out of points is an answer, counted apart, not a write): how many of
    each were accepted, the slowest answer and the time taken. Memory is sampled by the caller."""
    members, codes, campaign = world["members"], world["v1_codes"], world["campaign"]
    counter = iter(range(10**9))
    lock = threading.Lock()
    done: dict[str, int] = {}
    refused: dict[str, int] = {}  # answered, wrote nothing
    slowest: dict[str, Any] = {"ms": 0.0, "request": ""}

    def one(n: int) -> tuple[str, bool]:
        m = members[n % len(members)]
        kind = ("points (v2)", "order", "balance (v1)", "purchase")[n % 4]
        if kind == "points (v2)":
            api.post(f"{m['path']}/cards/{m['card']}/points", {"points": 1, "reason": "write run"})
        elif kind == "order":
            api.post("/v1/orders", {"source_id": f"writes-{uuid.uuid4().hex}", "status": "PAID", "amount": 100, "customer": {"id": m["customer"]}})
        elif kind == "balance (v1)" and codes:
            api.post(f"/v1/loyalties/{campaign}/members/{codes[n % len(codes)]}/balance", {"points": 1})
        else:
            kind = "purchase"
            answer = api.request("POST", f"{m['path']}/rewards/purchases", {"reward_id": world["reward"]}, expect=(202, 423))
            if (answer or {}).get("code") == 423:
                return "purchase refused (423)", False
        return kind, True

    def client() -> None:
        while True:
            with lock:
                if sum(done.values()) >= writes:
                    return
                n = next(counter)
            started = time.perf_counter()
            kind, wrote = one(n)
            ms = (time.perf_counter() - started) * 1000
            with lock:
                if wrote:
                    done[kind] = done.get(kind, 0) + 1
                else:
                    refused[kind] = refused.get(kind, 0) + 1
                if ms > slowest["ms"]:
                    slowest.update(ms=round(ms), request=kind)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    return {"writes": sum(done.values()), "by_kind": done, "refused": refused, "clients": clients, "seconds": round(time.perf_counter() - started, 1),
            "slowest_ms": slowest["ms"], "slowest_request": slowest["request"]}


# ---------------------------------------------------------------------------------------------------- locust
def run_locust(base_url: str, world: dict[str, Any], *, users: int, seconds: int, max_wait: float, workdir: Path) -> dict[str, Any]:
    """Run bench/locustfile.py headless against `base_url`; per request type (and "all"): requests, req/s, p50/p95/p99/max
    in ms, 423s and errors."""
    world_path, statuses_path, prefix = workdir / "world.json", workdir / "statuses.json", workdir / "locust"
    world_path.write_text(json.dumps(world))
    env = {**os.environ, "LOAD_WORLD": str(world_path), "LOAD_STATUSES": str(statuses_path), "LOAD_MAX_WAIT": str(max_wait)}
    cmd = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", base_url, "--users", str(users),
           "--spawn-rate", str(users), "--run-time", f"{seconds}s", "--stop-timeout", "30", "--csv", str(prefix),
           "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"]
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 120, check=False)
    if proc.returncode != 0 or not Path(f"{prefix}_stats.csv").exists():
        raise RuntimeError(f"locust failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    statuses = json.loads(statuses_path.read_text()) if statuses_path.exists() else {}
    return parse_stats(Path(f"{prefix}_stats.csv"), statuses)


def parse_stats(path: Path, statuses: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Locust's `<prefix>_stats.csv` and the locustfile's status counts as {type: figures}; "all" is locust's aggregate."""
    out: dict[str, Any] = {}
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            name = "all" if row["Name"] == "Aggregated" else row["Name"]
            counts = _merged(statuses) if name == "all" else statuses.get(name, {})
            out[name] = {
                "requests": int(row["Request Count"]), "per_second": round(float(row["Requests/s"]), 1),
                "p50_ms": _ms(row["50%"]), "p95_ms": _ms(row["95%"]), "p99_ms": _ms(row["99%"]),
                "max_ms": round(float(row["Max Response Time"]), 1),
                "exhausted_423": int(counts.get("423", 0)) if name in ("purchase", "all") else 0,
                "errors": int(row["Failure Count"]), "statuses": dict(sorted(counts.items())),
            }
    return out


def _merged(statuses: dict[str, dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for counts in statuses.values():
        for status, n in counts.items():
            total[status] = total.get(status, 0) + n
    return total


def _ms(value: str) -> float | None:
    return None if value in ("", "N/A") else float(value)


# ---------------------------------------------------------------------------------------------------- memory
def tree_memory(pid: int) -> dict[str, float]:
    """Memory of a `serve` process tree in MB: RSS and PSS (shared pages shared out, no double count) summed over the
    process and all its descendants, and the RSS of the serve side (the serve process, with the embedded backend in it,
    the pool's fork server and DynamoDB Local's java if any) apart from that of the function workers (the processes the
    fork server forked: local/pool.py)."""
    totals = {"rss_mb": 0.0, "pss_mb": 0.0, "serve_rss_mb": 0.0, "workers_rss_mb": 0.0, "workers": 0.0, "processes": 0.0}
    try:
        root = psutil.Process(pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.Error:
        return totals
    for proc in tree:
        try:
            info, worker = proc.memory_full_info(), _forked_worker(proc)
        except psutil.Error:
            continue
        totals["rss_mb"] += info.rss / 2**20
        totals["pss_mb"] += getattr(info, "pss", info.rss) / 2**20
        totals["workers_rss_mb" if worker else "serve_rss_mb"] += info.rss / 2**20
        totals["workers"] += worker
        totals["processes"] += 1
    return {k: round(v, 1) for k, v in totals.items()}


def _forked_worker(proc: psutil.Process) -> bool:
    """A function worker: a child of the pool's fork server (which runs `multiprocessing.forkserver`)."""
    parent = proc.parent()
    return parent is not None and "forkserver" in " ".join(parent.cmdline())


class MemorySampler:
    """Samples serve's tree memory every `interval` s in a thread; keeps the peak of each figure."""

    def __init__(self, pid: int, interval: float = 2.0) -> None:
        self.pid, self.interval = pid, interval
        self.peak: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> dict[str, float]:
        """One reading (and the peak updated)."""
        now = tree_memory(self.pid)
        self.peak = {k: max(v, self.peak.get(k, 0.0)) for k, v in now.items()}
        return now

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def settle(pid: int, *, idle_cpu_percent: float = 15.0, timeout: float = 120.0) -> float:
    """Wait until serve's process tree uses less than `idle_cpu_percent` of one CPU over 2 s (the stream consumers have
    caught up with a bulk write), or `timeout` s; the seconds waited."""
    started = last_said = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if time.perf_counter() - last_said > 60:
            _log(f"settling: {time.perf_counter() - started:.0f} s")
            last_said = time.perf_counter()
        try:
            root = psutil.Process(pid)
            tree = [root, *root.children(recursive=True)]
            before = sum(p.cpu_times().user + p.cpu_times().system for p in tree)
            time.sleep(2)
            after = sum(p.cpu_times().user + p.cpu_times().system for p in tree if p.is_running())
        except psutil.Error:
            continue
        if (after - before) / 2 * 100 < idle_cpu_percent:
            break
    return round(time.perf_counter() - started, 1)


# ---------------------------------------------------------------------------------------------------- the big table
class ServedStack:
    """What bench/seed.py needs of a stack, for a running `serve`: the dev project, its table, the backend's endpoints,
    requests through the HTTP API."""

    project = DEV_PROJECT

    def __init__(self, api: Api, state_dir: Path) -> None:
        info = json.loads((state_dir / "endpoints.json").read_text())
        self.api, self.table, self.endpoints = api, str(info["table_name"]), dict(info["endpoints"])

    def request(self, method: str, path: str, body: Any = None, *, expect: int | tuple[int, ...] = (200, 202)) -> Any:
        """One API request (bench/seed.py's interface); the parsed body."""
        return self.api.request(method, path, body, expect=expect)


def count_items(stack: ServedStack) -> int:
    """The table's items, counted with a paginated Scan (Select COUNT, pages of SCAN_PAGE: see there)."""
    import boto3

    ddb: Any = boto3.client("dynamodb", endpoint_url=stack.endpoints["dynamodb"])
    total = 0
    kwargs: dict[str, Any] = {"TableName": stack.table, "Select": "COUNT", "Limit": SCAN_PAGE}
    while True:
        page = ddb.scan(**kwargs)
        total += page["Count"]
        if "LastEvaluatedKey" not in page:
            return total
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _members_for(items: int) -> tuple[int, int]:
    """(v2 members, v1 members) for bench/seed.py to write at least `items` items: a customer is 2 items (the customer, its
    source-id claim), a member 5 (member, card, code claim, membership, welcome credit); each customer joins 2 programs and
    v1 members take a quarter as many customers, at most 2,000."""
    v2 = 0
    while 2 * max(v2 // 2, min(2000, v2 // 4)) + 5 * v2 + 5 * min(2000, v2 // 4) < items * 1.01:
        v2 += 100
    return v2, min(2000, v2 // 4)


def fill(stack: ServedStack, items: int) -> dict[str, Any]:
    """Write realistic items (customers, members with cards, code claims and a credit) with bench/seed.py until the table
    holds at least `items`; the members it made, the counts and the time."""
    from bench import seed

    before = count_items(stack)
    v2, v1 = _members_for(max(0, items - before))
    started = time.perf_counter()
    world = seed.seed(stack, v2_members=v2, v1_members=v1, programs=4, fresh_customers=0)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    after = count_items(stack)
    return {"items_before": before, "items_written": world.items_written, "items_after": after, "v2_members": v2, "v1_members": v1,
            "fill_seconds": round(seconds, 1), "items_per_second": round(world.items_written / seconds),
            "members": [{"path": f"{V2}/programs/{m.program}/members/{m.member}", "card": m.card, "customer": m.customer}
                        for m in world.v2_members],
            "program": world.programs[0], "reward": world.reward, "campaign": world.campaign,
            "v1_codes": [m.code for m in world.v1_members]}


# ---------------------------------------------------------------------------------------------------- report
def table(title: str, stats: dict[str, Any]) -> str:
    """The figures of one locust run as a plain-text table."""
    head = f"{'request':<18}{'requests':>9}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'max ms':>8}{'423':>6}{'errors':>7}"
    lines = [title, head, "-" * len(head)]
    for name in [*sorted(n for n in stats if n != "all"), "all"]:
        s = stats.get(name)
        if not s:
            continue
        lines.append(f"{name:<18}{s['requests']:>9}{s['per_second']:>8.1f}{_fmt(s['p50_ms'])}{_fmt(s['p95_ms'])}{_fmt(s['p99_ms'])}"
                     f"{_fmt(s['max_ms'])}{s['exhausted_423']:>6}{s['errors']:>7}")
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return f"{'-':>8}" if value is None else f"{value:>8.0f}"


@contextmanager
def served(backend: str, concurrency: int | None, log_path: Path | None = None) -> Iterator[ServeProcess]:
    """`python -m local serve` on a free port with a fresh state dir (DynamoDB Local's jar, and its tables while it runs, are
    kept in .local/load-dynamodb-local)."""
    extra = ["--concurrency", str(concurrency)] if concurrency else []
    with tempfile.TemporaryDirectory(prefix="loyalty-load-") as tmp:
        state = LOAD_STATE if backend == "dynamodb-local" else Path(tmp)
        proc = ServeProcess(backend=backend, port=0, state_dir=state, env=ENV, log_path=log_path or Path(tmp) / "serve.log", extra_args=extra)
        proc.start()
        try:
            yield proc
        finally:
            proc.stop()


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Everything the command line asked for; the results."""
    os.environ.update({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": REGION})  # the local backend's
    if args.backend == "auto":
        args.backend = best_local_backend(LOAD_STATE)
    results: dict[str, Any] = {"meta": {"backend": args.backend, "users": args.users, "seconds": args.seconds, "members": args.members,
                                        "cpus": os.cpu_count(), "python": sys.version.split()[0], "locust": _locust_version(),
                                        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}}
    with served(args.backend, args.concurrency, args.serve_log) as proc, tempfile.TemporaryDirectory(prefix="loyalty-locust-") as work:
        assert proc.proc is not None
        pid, api = proc.proc.pid, Api(proc.base_url, proc.dev_key.headers)
        with MemorySampler(pid) as memory:
            results["memory"] = {"started": memory.sample()}
            started = time.perf_counter()
            world = seed_world(api, args.members, args.v1_cards)
            warm(api, world)
            results["seed"] = {"members": len(world["members"]), "v1_cards": len(world["v1_codes"]),
                               "seconds": round(time.perf_counter() - started, 1)}
            _log(f"seeded {len(world['members'])} members and {len(world['v1_codes'])} v1 cards in {results['seed']['seconds']} s")
            results["memory"]["seeded"] = memory.sample()
            if args.only in (None, "load"):
                _log(f"load: {args.users} clients for {args.seconds} s")
                stats = run_locust(proc.base_url, world, users=args.users, seconds=args.seconds, max_wait=args.max_wait, workdir=Path(work))
                results["load"] = stats
                results["load_writes"] = sum(stats.get(n, {}).get("requests", 0) for n in WRITES)
                results["memory"]["after_load"] = memory.sample()
                print(table(f"load: {args.users} clients, {args.seconds} s, backend {args.backend}", stats))
            if args.only in (None, "writes"):
                _log(f"writes: {args.writes:,} writes through the API")
                results["writes"] = write_run(api, world, args.writes)
                results["writes"]["settle_seconds"] = settle(pid, timeout=args.settle_seconds)
                results["memory"]["after_writes"] = memory.sample()
                w = results["writes"]
                _log(f"{w['writes']:,} writes {w['by_kind']} (refused: {w['refused']}) in {w['seconds']} s "
                     f"(slowest {w['slowest_ms']} ms, a {w['slowest_request']}); settled in {w['settle_seconds']} s")
            if args.only in (None, "big"):
                stack = ServedStack(api, proc.state_dir)
                _log(f"big: filling the table to {args.items:,} items")
                filled = fill(stack, args.items)
                results["memory"]["after_fill"] = memory.sample()
                filled["settle_seconds"] = settle(pid, timeout=args.settle_seconds)
                _log(f"filled {filled['items_after']:,} items in {filled['fill_seconds']} s; settled in {filled['settle_seconds']} s")
                big_world = {**{k: filled[k] for k in ("members", "program", "reward", "campaign", "v1_codes")}, "headers": world["headers"]}
                warm(api, big_world)  # the fill and its backlog outlast --idle-seconds: time the table, not cold workers
                settle(pid, timeout=60)
                stats = run_locust(proc.base_url, big_world, users=1, seconds=args.timing_seconds, max_wait=0.0, workdir=Path(work))
                results["big"] = {**{k: v for k, v in filled.items() if k not in ("members", "v1_codes")}, "stats": stats,
                                  "max_ms": stats["all"]["max_ms"], "p99_ms": stats["all"]["p99_ms"]}
                results["memory"]["after_big"] = memory.sample()
                print(table(f"big table: {filled['items_after']:,} items, one client, {args.timing_seconds} s", stats))
            results["memory"]["peak"] = memory.peak
    mem = results["memory"]
    print("serve's memory in MB: RSS of the serve process (gateway + backend) | RSS of its workers (count) | RSS / PSS of all")
    for step, m in mem.items():
        print(f"  {step:<11} {m['serve_rss_mb']:>7.0f} | {m['workers_rss_mb']:>7.0f} ({m['workers']:.0f}) | {m['rss_mb']:>7.0f} / {m['pss_mb']:.0f}")
    return results


def _locust_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("locust")
    except PackageNotFoundError:
        return "absent"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backend", choices=("auto", "embedded", "dynamodb-local"), default="auto",
                   help="auto (default): what `make serve` chooses, DynamoDB Local when java 17+ is here")
    p.add_argument("--only", choices=("load", "writes", "big"), help="run one section alone")
    p.add_argument("--users", type=int, default=40, help="concurrent clients (default 40)")
    p.add_argument("--seconds", type=int, default=60, help="length of the load run (default 60)")
    p.add_argument("--max-wait", type=float, default=0.2, help="each client waits 0..this many s between requests (default 0.2)")
    p.add_argument("--members", type=int, default=100, help="members seeded through the API (default 100)")
    p.add_argument("--v1-cards", type=int, default=30, help="of which with a v1 campaign card too (default 30)")
    p.add_argument("--writes", type=int, default=10_000, help="writes the writes section makes through the API (default 10,000)")
    p.add_argument("--items", type=int, default=100_000, help="items the big section fills the table to (default 100,000)")
    p.add_argument("--settle-seconds", type=int, default=1200,
                   help="at most this long to wait for the worker and stream consumers to catch up after a bulk write (default 1,200)")
    p.add_argument("--timing-seconds", type=int, default=30, help="length of the one-client run on the big table (default 30)")
    p.add_argument("--concurrency", type=int, help="serve's --concurrency (worker processes per function; default serve's own)")
    p.add_argument("--serve-log", type=Path, help="keep serve's log (every request with its time) in this file")
    p.add_argument("--output", type=Path, default=ROOT / "bench" / "load.json")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run, print, write the JSON."""
    args = _parser().parse_args(argv)
    results = run(args)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    _log(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
