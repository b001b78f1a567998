"""Webhook figures of issue 11: delivery throughput per worker, and the end-to-end delay from a reward purchase to its
webhook on the local runtime.

Throughput: the delivery function's handler (DeliverWebhooksFunction) in-process on batches of the template's BatchSize,
against a local HTTP receiver on a thread that answers 200 at once; the deliveries are made as the publisher makes them
(webhooks.service.fan_out in one transaction per event). Delay: `python -m local serve` as a subprocess on a free port
(embedded backend, as tests/e2e does), a webhook subscribed to `customer.reward_redemptions.completed` pointing at the
receiver, and purchases made one at a time over HTTP, each waited for at the receiver."""

from __future__ import annotations

import json
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from bench.buckets import served_table
from bench.capacity import Capacity, Index
from bench.stack import BenchStack
from local.poller import StreamPoller
from local.runtime import ServeProcess
from loyalty.core.clock import now_iso
from loyalty.db.table import Table
from loyalty.webhooks.service import fan_out

V2 = "/v2/loyalties"
REDEEMED = "customer.reward_redemptions.completed"
DELIVERY_FUNCTION = "DeliverWebhooksFunction"
WARMUP_BATCHES = 10  # untimed batches first
PURCHASE_TIMEOUT = 60.0  # seconds a purchase's webhook may take before the run gives up


# ------------------------------------------------------------------------------------------------ the receiver
@dataclass(frozen=True)
class Arrival:
    """One POST the receiver answered: when (epoch seconds), its headers (lower-case names) and body."""

    at: float
    headers: dict[str, str]
    body: bytes


class Receiver:
    """A local HTTP receiver on a thread: answers every POST 200 at once (no body) and keeps what arrived."""

    def __init__(self) -> None:
        self.arrivals: list[Arrival] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                at = time.time()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with receiver.arrived:
                    receiver.arrivals.append(Arrival(at, {k.lower(): v for k, v in self.headers.items()}, body))
                    receiver.arrived.notify_all()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="webhook-receiver", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait_for(self, count: int, timeout: float) -> Arrival:
        """The `count`-th arrival (1-based), waiting up to `timeout` seconds for it."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.arrivals) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"webhook {count} did not arrive within {timeout:.0f} s ({len(self.arrivals)} arrived)")
                self.arrived.wait(left)
            return self.arrivals[count - 1]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ------------------------------------------------------------------------------------------------ results
@dataclass
class Throughput:
    """The delivery function on full batches: deliveries per second of handler time (one worker), per delivery calls."""

    deliveries: int
    batch_size: int
    batches: int
    seconds: float
    batch_median_ms: float
    batch_cpu_ms: float
    calls: str = ""
    read_units: float = 0.0
    write_units: float = 0.0

    @property
    def per_second(self) -> float:
        """Deliveries per second of one worker: a full batch over the median batch's handler time."""
        return self.batch_size / self.batch_median_ms * 1000 if self.batch_median_ms else 0.0

    @property
    def mean_per_second(self) -> float:
        """Deliveries per second over every timed batch (slow batches included)."""
        return self.deliveries / self.seconds if self.seconds else 0.0

    @property
    def ms_per_delivery(self) -> float:
        return self.batch_median_ms / self.batch_size if self.batch_size else 0.0


@dataclass(frozen=True)
class Journey:
    """One purchase's way to its webhook (seconds from the 202): the purchase approved by the worker (its transaction's
    `updated_at`), the event written by the aggregator (its `created_at`), recorded published by the publish job
    (`published_at`), the delivery at the receiver."""

    request_s: float
    approved_s: float
    aggregated_s: float
    published_s: float
    arrived_s: float


@dataclass
class Delay:
    """The end-to-end delay from a purchase's 202 to its webhook at the receiver, over `journeys`."""

    journeys: list[Journey] = field(default_factory=list)
    startup_seconds: float = 0.0
    poll: dict[str, float] = field(default_factory=dict)

    def stage(self, name: str) -> tuple[float, float]:
        """(median, p95) in seconds of one stage: `arrived` (end to end), `to_approved`, `to_aggregated`, `to_published`,
        `to_delivered`."""
        values = [stage_seconds(j)[name] for j in self.journeys]
        return (statistics.median(values), p95(values)) if values else (0.0, 0.0)


def stage_seconds(j: Journey) -> dict[str, float]:
    """The stages of one journey: 202 -> approved -> event written -> published -> arrived, and end to end."""
    return {"to_approved": j.approved_s, "to_aggregated": j.aggregated_s - j.approved_s, "to_published": j.published_s - j.aggregated_s,
            "to_delivered": j.arrived_s - j.published_s, "arrived": j.arrived_s}


def p95(values: list[float]) -> float:
    """The 95th percentile (inclusive method; the value itself for one value)."""
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


def epoch(iso: str) -> float:
    """Epoch seconds of an API timestamp (`YYYY-MM-DDTHH:MM:SS.sssZ`)."""
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


# ------------------------------------------------------------------------------------------------ throughput
def _event(project: str, n: int) -> dict[str, Any]:
    """A reward-redeemed event of a realistic size (its card transaction inside), as the aggregator writes it."""
    ctx = {"id": f"lctx_{uuid.uuid4().hex[:18]}", "card_id": "lcrd_bench", "program_id": "lprg_bench", "member_id": "lmbr_bench",
           "card_definition_id": "lcdef_bench", "card_type": "INDIVIDUAL", "type": "POINTS_SPENT_ON_REWARD",
           "reason": "Reward purchase", "details": {"points": {"total": -100}, "reward": {"id": "lrew_bench", "name": "Tea"},
                                                    "metadata": {}},
           "status": "APPROVED", "created_at": now_iso(), "object": "card_transaction"}
    return {"id": f"evt_bench{uuid.uuid4().hex[:24]}", "object": "event", "type": REDEEMED, "created_at": now_iso(),
            "project_id": project, "data": {"customer_id": "cust_bench", "member_id": "lmbr_bench", "program_id": "lprg_bench",
                                             "card_id": "lcrd_bench", "code": f"BENCH-{n:06d}", "transaction": ctx}}


def make_deliveries(db: Table, count: int) -> list[str]:
    """`count` events fanned out to the project's webhooks as the publisher does (one transaction each); the job bodies."""
    bodies: list[str] = []
    for n in range(count):
        tx = db.transaction()
        jobs = fan_out(db, tx, _event(db.project_id, n))
        tx.commit()
        bodies += [job.to_json() for job in jobs]
    return bodies


def throughput(stack: BenchStack, deliveries: int, log: Callable[[str], None] = lambda _m: None) -> Throughput:
    """Deliveries per second of one worker: the delivery handler in-process on full batches of the template's BatchSize,
    against a receiver that answers 200 at once."""
    trigger = next(t for t in stack.events.template.queue_triggers if t.function == DELIVERY_FUNCTION)
    receiver = Receiver()
    try:
        webhook = stack.request("POST", "/v1/webhooks", {"url": receiver.url, "events": [REDEEMED], "description": "bench"})
        db = Table(stack.project, stack.table, cursor_secret="-" * 32, client=stack.client("dynamodb"))
        warmup = WARMUP_BATCHES * trigger.batch_size  # DynamoDB Local's JVM warms up too
        bodies = make_deliveries(db, deliveries + warmup)
        if len(bodies) != deliveries + warmup:
            raise RuntimeError(f"the project has other webhooks subscribed to {REDEEMED}: {len(bodies)} deliveries made")
        log(f"webhooks: {len(bodies)} deliveries made")
        recorder = stack.recording()
        try:
            with recorder.record() as tally:
                _batch(stack, trigger.function, bodies[:1])
        finally:
            recorder.detach()
        client, table = stack.client("dynamodb"), stack.table
        props = next(iter(stack.events.template.of_type("AWS::DynamoDB::Table").values()))
        rru, wru = Capacity(Index.from_template(props),
                            lambda key: client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")).units(tally.calls)
        for i in range(1, warmup, trigger.batch_size):
            _batch(stack, trigger.function, bodies[i:min(i + trigger.batch_size, warmup)])
        walls, cpus = [], []
        timed = bodies[warmup:]
        for i in range(0, len(timed), trigger.batch_size):
            started, cpu = time.perf_counter(), time.thread_time()
            _batch(stack, trigger.function, timed[i:i + trigger.batch_size])
            walls.append(time.perf_counter() - started)
            cpus.append(time.thread_time() - cpu)
        if len(receiver.arrivals) != len(bodies):
            raise RuntimeError(f"{len(bodies)} deliveries run, {len(receiver.arrivals)} arrived")
        stack.request("DELETE", f"/v1/webhooks/{webhook['id']}", expect=204)
    finally:
        receiver.close()
    return Throughput(len(timed), trigger.batch_size, len(walls), round(sum(walls), 3), round(statistics.median(walls) * 1000, 1),
                      round(statistics.median(cpus) * 1000, 1), tally.describe(), rru, wru)


def _batch(stack: BenchStack, function: str, bodies: list[str]) -> None:
    result = stack.invoke(function, stack.events.sqs(bodies))
    if result.get("batchItemFailures"):
        raise RuntimeError(f"the delivery function failed: {result}")


# ------------------------------------------------------------------------------------------------ end-to-end delay
class _Client:
    """Requests to the served stack with its dev key; raises unless the status is expected."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers.update({**headers, "Content-Type": "application/json"})

    def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        resp = self.session.request(method, self.base_url + path, json=body, timeout=30)
        if resp.status_code != expect:
            raise RuntimeError(f"{method} {path}: {resp.status_code} {resp.text[:300]}")
        return resp.json() if resp.content else None


def _purchase_setup(client: _Client, purchases: int, cost: int) -> tuple[str, str]:
    """A program with a reward costing `cost` points and a member whose card holds enough for `purchases` of it (its
    credit approved); (the purchase path, the reward id)."""
    tag = uuid.uuid4().hex[:8]
    cdef = client.call("POST", f"{V2}/card-definitions", {"name": f"Bench wallet {tag}", "type": "INDIVIDUAL", "status": "ACTIVE"})["id"]
    reward = client.call("POST", f"{V2}/rewards", {"name": f"Tea {tag}", "type": "MATERIAL", "status": "ACTIVE",
                                                   "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}},
                                                   "costs": [{"spending": [{"points": cost, "card_definition_id": cdef}]}]})["id"]
    rule = client.call("POST", f"{V2}/earning-rules", {
        "name": f"Paid {tag}", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": cdef}}]}]})["id"]
    program = client.call("POST", f"{V2}/programs", {"name": f"Webhooks {tag}", "status": "ACTIVE", "card_definitions": [{"id": cdef}],
                                                    "earning_rules": [{"id": rule}], "rewards": [{"id": reward}]})["id"]
    customer = client.call("POST", "/v1/customers", {"source_id": f"bench-webhooks-{tag}", "name": "Bench"})["id"]
    member = client.call("POST", f"{V2}/programs/{program}/members", {"customer_id": customer})
    card = member["cards"][0]["card"]["id"]
    path = f"{V2}/programs/{program}/members/{member['id']}/cards/{card}"
    client.call("POST", f"{path}/points", {"points": cost * (purchases + 2), "reason": "bench"})
    deadline = time.monotonic() + PURCHASE_TIMEOUT
    while not any(t["status"] == "APPROVED" for t in client.call("GET", f"{path}/transactions")["data"]):
        if time.monotonic() > deadline:
            raise RuntimeError("the bench member's points were not approved in time")
        time.sleep(0.2)
    return f"{V2}/programs/{program}/members/{member['id']}/rewards/purchases", reward


def delay(purchases: int, log: Callable[[str], None] = lambda _m: None, env: dict[str, str] | None = None) -> Delay:
    """The delay from a reward purchase's 202 to its webhook at the receiver, through `python -m local serve`."""
    result = Delay()
    receiver = Receiver()
    with tempfile.TemporaryDirectory(prefix="loyalty-bench-webhooks-") as state:
        started = time.perf_counter()
        proc = ServeProcess(port=0, state_dir=state, env={"PROJECT_RATE_LIMIT": "0", **(env or {})})
        proc.start()
        result.startup_seconds = round(time.perf_counter() - started, 1)
        result.poll = {"queue long poll (s)": 1.0, "stream poll interval (s)": StreamPoller.poll_interval}
        log(f"webhooks: `python -m local serve` ready in {result.startup_seconds:.1f} s")
        try:
            client = _Client(proc.base_url, proc.dev_key.headers)
            project = proc.dev_key.app_id.split(".", 1)[0]
            db = served_table(state, project)
            client.call("POST", "/v1/webhooks", {"url": receiver.url, "events": [REDEEMED], "description": "bench"})
            purchase_path, reward = _purchase_setup(client, purchases + 1, 10)
            for n in range(purchases + 1):  # the first warms the functions up
                sent = time.time()
                client.call("POST", purchase_path, {"reward_id": reward}, expect=202)
                answered = time.time()
                arrival = receiver.wait_for(n + 1, PURCHASE_TIMEOUT)
                event = json.loads(arrival.body)
                item = db.get(db.keys.notify_event(event["id"]))
                published = epoch(str((item or {}).get("published_at") or event["created_at"]))
                approved = epoch(str(event["data"]["transaction"].get("updated_at") or event["created_at"]))
                if n:
                    result.journeys.append(Journey(answered - sent, approved - answered, epoch(event["created_at"]) - answered,
                                                   published - answered, arrival.at - answered))
        finally:
            proc.stop()
            receiver.close()
    return result
