"""Handler overhead and worker throughput: the real handlers in-process against DynamoDB Local, side by side with a
plain boto3 replay of the same minimal calls on the same backend (bench/replay.py), medians of interleaved runs."""

from __future__ import annotations

import cProfile
import json
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from bench.calls import Call
from bench.profiling import cpu_by_layer
from bench.replay import Replay
from bench.seed import V2, World
from bench.stack import BenchStack
from local.poller import QueuePoller

Slot = dict[str, str]


@dataclass
class Target:
    """An endpoint to time: where its data comes from (a fresh slot per run) and the event for a slot."""

    name: str
    slot: Callable[[], Slot]
    event: Callable[[Slot], tuple[str, dict[str, Any]]]
    expect: int = 200


@dataclass
class Overhead:
    """Median handler time vs median plain-boto3 time for the same calls."""

    name: str
    function: str
    handler_calls: str
    baseline_calls: str
    handler_ms: float
    baseline_ms: float
    handler_cpu_ms: float
    baseline_cpu_ms: float
    reps: int

    @property
    def ratio(self) -> float:
        return self.handler_ms / self.baseline_ms

    @property
    def own_cpu_ms(self) -> float:
        """CPU the handler spends beyond what boto3 spends making the same calls."""
        return self.handler_cpu_ms - self.baseline_cpu_ms


@dataclass
class Throughput:
    """Purchases approved per second by one worker (batches of 10) vs the same number of approve transactions by boto3."""

    purchases: int
    rounds: int
    worker_per_s: float
    handler_per_s: float
    boto3_per_s: float
    batch_ms: float

    @property
    def ratio(self) -> float:
        """Handler time per purchase ÷ boto3 time per TransactWriteItems."""
        return self.boto3_per_s / self.handler_per_s

    @property
    def ratio_end_to_end(self) -> float:
        """The same with SQS receive and delete (on the emulator) counted."""
        return self.boto3_per_s / self.worker_per_s


@dataclass
class IdempotencyCost:
    """The same purchase with and without an Idempotency-Key: calls made and median handler time of each, and a replay."""

    calls_without: str
    calls_with: str
    calls_replay: str
    ms_without: float
    ms_with: float
    ms_replay: float
    reps: int

    @property
    def ratio(self) -> float:
        return self.ms_with / self.ms_without


class Timings:
    """Runs the overhead and throughput measurements; keeps the probes' captures for the pending-purchase pool."""

    def __init__(self, stack: BenchStack, world: World, *, reps: int, warmup: int) -> None:
        self.stack = stack
        self.world = world
        self.reps = reps
        self.warmup = warmup
        self.clients = {"dynamodb": stack.client("dynamodb"), "sqs": stack.client("sqs")}
        self.bodies: dict[str, str] = {}
        self._pending: list[Slot] = []
        self._purchase: tuple[Replay, str, str] | None = None
        self._worker_replay: Replay | None = None

    # ------------------------------------------------------------------ targets
    def _http(self, method: str, path: Callable[[Slot], str],
              body: Callable[[Slot], Any] | None = None) -> Callable[[Slot], tuple[str, dict[str, Any]]]:
        return lambda s: self.stack.events.http(method, path(s), body(s) if body else None, self.stack.headers)

    def _member_slot(self) -> Slot:
        m = self.world.take_member()
        return {**self.world.fixed(), "program": m.program, "member": m.member, "card": m.card}

    def _v1_slot(self) -> Slot:
        m = self.world.take_v1_member()
        return {**self.world.fixed(), "member": m.member, "card": m.card, "code": m.code}

    def targets(self) -> list[Target]:
        """The seed endpoints (and the v2 member read, for the cost figures), in the order they are measured."""
        w = self.world
        return [
            Target("create program", w.fixed, self._http("POST", lambda s: f"{V2}/programs", lambda s: {
                "name": "Bench program", "status": "ACTIVE", "card_definitions": [{"id": s["cdef"]}], "earning_rules": [{"id": s["rule"]}],
                "rewards": [{"id": s["reward"], "stock": {"type": "LIMITED", "limited": {"quantity": 1000}}}],
                "metadata": {"source": "bench"}})),
            Target("create member", lambda: {**w.fixed(), "customer": w.take_customer()},
                   self._http("POST", lambda s: f"{V2}/programs/{s['program']}/members", lambda s: {"customer_id": s["customer"]})),
            Target("purchase reward", self._member_slot,
                   self._http("POST", lambda s: f"{V2}/programs/{s['program']}/members/{s['member']}/rewards/purchases",
                              lambda s: {"reward_id": s["reward"]}), expect=202),
            Target("v1 add member", lambda: {**w.fixed(), "customer": w.take_customer()},
                   self._http("POST", lambda s: f"/v1/loyalties/{s['campaign']}/members", lambda s: {"customer": s["customer"]})),
            Target("v1 get member", self._v1_slot, self._http("GET", lambda s: f"/v1/loyalties/{s['campaign']}/members/{s['code']}")),
            Target("get member (v2)", self._member_slot, self._http("GET", lambda s: f"{V2}/programs/{s['program']}/members/{s['member']}")),
        ]

    def worker_target(self) -> Target:
        """The worker completing one purchase (an SQS event of one record)."""
        events = self.stack.events
        return Target("worker: 1 purchase job", self.take_pending, lambda s: (events.worker, events.sqs([self.bodies[s["ctx"]]])))

    # ------------------------------------------------------------------ measuring
    def _invoke(self, target: Target, slot: Slot) -> tuple[float, float, Any]:
        function, event = target.event(slot)
        started, cpu = time.perf_counter(), time.thread_time()
        resp = self.stack.invoke(function, event)
        wall, cpu = time.perf_counter() - started, time.thread_time() - cpu
        ok = resp.get("statusCode") == target.expect if "statusCode" in resp else not resp.get("batchItemFailures")
        if not ok:
            raise RuntimeError(f"{target.name}: unexpected answer {str(resp)[:500]}")
        return wall * 1000, cpu * 1000, resp

    def capture(self, target: Target) -> tuple[str, list[Call], Slot, Any]:
        """One recorded probe run: (function, its calls, its slot, its response)."""
        slot = target.slot()
        recorder = self.stack.recording()
        try:
            with recorder.record() as tally:
                _, _, resp = self._invoke(target, slot)
        finally:
            recorder.detach()
        return target.event(slot)[0], tally.calls, slot, resp

    def overhead(self, target: Target) -> Overhead:
        """Probe, then `warmup` + `reps` interleaved runs of the handler and of its boto3 replay, each on fresh data."""
        function, calls, probe_slot, resp = self.capture(target)
        replay = Replay(calls, probe_slot)
        if target.name == "purchase reward":
            tx = json.loads(resp["body"])["transaction"]
            self._purchase = (Replay(calls, probe_slot, {"TransactWriteItems", "SendMessage"}), tx["id"],
                              tx["details"]["reward_transaction"]["id"])
        if target.name.startswith("worker"):
            self._worker_replay = Replay(calls, probe_slot, {"TransactWriteItems"})
        handler, baseline, cpu, baseline_cpu = [], [], [], []
        for i in range(self.warmup + self.reps):
            slot_a, plan = target.slot(), replay.plan(target.slot())
            order = (0, 1) if i % 2 else (1, 0)
            for which in order:
                if which == 0:
                    wall, cpu_ms, _ = self._invoke(target, slot_a)
                    if i >= self.warmup:
                        handler.append(wall)
                        cpu.append(cpu_ms)
                else:
                    started, cpu_started = time.perf_counter(), time.thread_time()
                    plan.run(self.clients)
                    if i >= self.warmup:
                        baseline.append((time.perf_counter() - started) * 1000)
                        baseline_cpu.append((time.thread_time() - cpu_started) * 1000)
        described = " + ".join(c.operation + ("(auth)" if c.category == "auth" else "") for c in calls)
        return Overhead(target.name, function, described, replay.describe(), statistics.median(handler), statistics.median(baseline),
                        statistics.median(cpu), statistics.median(baseline_cpu), self.reps)

    def idempotency(self) -> IdempotencyCost:
        """`purchase reward` with a fresh Idempotency-Key against the same purchase without one (interleaved, fresh members),
        and the replay of a keyed request (same key, same body) that answers from the stored record."""
        plain = next(t for t in self.targets() if t.name == "purchase reward")

        def keyed(key: str) -> Target:
            def event(slot: Slot) -> tuple[str, dict[str, Any]]:
                path = f"{V2}/programs/{slot['program']}/members/{slot['member']}/rewards/purchases"
                return self.stack.events.http("POST", path, {"reward_id": slot["reward"]},
                                              {**self.stack.headers, "Idempotency-Key": key})
            return Target("purchase reward (keyed)", plain.slot, event, expect=202)

        def described(calls: list[Call]) -> str:
            return " + ".join(c.operation for c in calls if c.category != "auth")

        _, calls_without, _, _ = self.capture(plain)
        first = keyed(uuid.uuid4().hex)
        _, calls_with, slot, _ = self.capture(first)
        recorder = self.stack.recording()
        try:
            with recorder.record() as tally:
                self._invoke(first, slot)
        finally:
            recorder.detach()
        without: list[float] = []
        with_key: list[float] = []
        replay: list[float] = []
        for i in range(self.warmup + self.reps):
            target, slot = keyed(uuid.uuid4().hex), plain.slot()
            runs = [(plain, plain.slot(), without), (target, slot, with_key), (target, slot, replay)]
            if i % 2:
                runs[0], runs[1] = runs[1], runs[0]
            for run_target, run_slot, sink in runs:
                wall, _, _ = self._invoke(run_target, run_slot)
                if i >= self.warmup:
                    sink.append(wall)
        return IdempotencyCost(described(calls_without), described(calls_with), described(tally.calls),
                               statistics.median(without), statistics.median(with_key), statistics.median(replay), self.reps)

    def cpu_profile(self, target: Target, runs: int) -> dict[str, float]:
        """CPU ms per request by layer (cProfile on thread CPU time, so I/O waits are left out; profiling inflates it)."""
        profile = cProfile.Profile(time.thread_time)
        for _ in range(runs):
            function, event = target.event(target.slot())
            profile.enable()
            self.stack.invoke(function, event)
            profile.disable()
        return cpu_by_layer(profile, runs)

    # ------------------------------------------------------------------ pending purchases
    def make_pending(self, count: int, threads: int = 4) -> None:
        """`count` accepted, not yet completed purchases (the purchase's own transaction replayed; messages kept, not sent)."""
        if self._purchase is None:
            raise RuntimeError("time `purchase reward` first: its probe is the template of a pending purchase")
        replay, probe_ctx, probe_rtx = self._purchase
        local = threading.local()

        def one(slot: Slot) -> Slot:
            if not hasattr(local, "client"):
                assert self.stack.runtime.backend is not None
                local.client = self.stack.runtime.backend.client("dynamodb")
            plan = replay.plan(slot)
            body = ""
            for call in plan.calls:
                if call.method == "transact_write_items":
                    local.client.transact_write_items(**call.params)
                else:
                    body = call.params["MessageBody"]
            done = {**slot, "ctx": plan.mapping[probe_ctx], "rtx": plan.mapping[probe_rtx]}
            self.bodies[done["ctx"]] = body
            return done

        slots = [self._member_slot() for _ in range(count)]
        with ThreadPoolExecutor(threads) as pool:
            self._pending += list(pool.map(one, slots))

    def take_pending(self) -> Slot:
        """A pending purchase nobody used yet."""
        if not self._pending:
            raise RuntimeError("no pending purchases left: make_pending() more")
        return self._pending.pop(0)

    def take_pending_bodies(self, count: int) -> list[str]:
        """Queue message bodies of `count` pending purchases."""
        return [self.bodies[self.take_pending()["ctx"]] for _ in range(count)]

    # ------------------------------------------------------------------ throughput
    def throughput(self, per_round: int, rounds: int) -> Throughput:
        """Alternate rounds: one worker draining `per_round` purchase jobs from the queue (batches of 10), and boto3 making
        `per_round` approve transactions (the worker's own, replayed) on other pending purchases."""
        if self._worker_replay is None:
            raise RuntimeError("time the worker first: its probe is the baseline's template")
        stack = self.stack
        assert stack.runtime.template is not None
        trigger = stack.runtime.template.queue_triggers[0]
        handler_s = [0.0]

        def invoke(function: str, event: dict[str, Any]) -> Any:
            started = time.perf_counter()
            result = stack.invoke(function, event)
            handler_s[0] += time.perf_counter() - started
            if result.get("batchItemFailures"):
                raise RuntimeError(f"the worker failed a batch: {result}")
            return result

        poller = QueuePoller(trigger, stack.queue_url, stack.runtime.resources.attrs[f"{trigger.queue}.Arn"], stack.client("sqs"), invoke)
        sqs = stack.client("sqs")
        stack.take_jobs()  # whatever earlier runs left on the queue
        worker_rates, handler_rates, boto3_rates, batch_ms = [], [], [], []
        for _ in range(rounds):
            slots = [self.take_pending() for _ in range(per_round)]
            bodies = [self.bodies[s["ctx"]] for s in slots]
            for i in range(0, len(bodies), 10):
                sqs.send_message_batch(QueueUrl=stack.queue_url, Entries=[{"Id": str(j), "MessageBody": b} for j, b in enumerate(bodies[i:i + 10])])
            handler_s[0], done, batches = 0.0, 0, 0
            started = time.perf_counter()
            while done < per_round:
                got = poller.poll_once(wait_seconds=0)
                done += got
                batches += 1 if got else 0
            elapsed = time.perf_counter() - started
            self._check_approved(slots[0], slots[-1])
            worker_rates.append(per_round / elapsed)
            handler_rates.append(per_round / handler_s[0])
            batch_ms.append(handler_s[0] * 1000 / batches)
            plans = [self._worker_replay.plan(self.take_pending()) for _ in range(per_round)]
            started = time.perf_counter()
            for plan in plans:
                plan.run(self.clients)
            boto3_rates.append(per_round / (time.perf_counter() - started))
        return Throughput(per_round, rounds, statistics.median(worker_rates), statistics.median(handler_rates),
                          statistics.median(boto3_rates), statistics.median(batch_ms))

    def _check_approved(self, *slots: Slot) -> None:
        for slot in slots:
            item = self.clients["dynamodb"].get_item(TableName=self.stack.table, ConsistentRead=True, Key={
                "PK": {"S": f"{self.stack.project}#CARD#{slot['card']}"}, "SK": {"S": f"CTX#{slot['ctx']}"}}).get("Item") or {}
            if item.get("status", {}).get("S") != "APPROVED":
                raise RuntimeError(f"purchase {slot['ctx']} was not approved by the worker: {item.get('status')}")
