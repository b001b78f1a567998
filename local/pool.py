"""Worker processes per function: the local twin of Lambda execution environments.

Each function gets a pool of its own processes (local/worker.py), started lazily: the first on the function's
first request, more while every process of the function is busy, up to `concurrency` per function. A process serves one
event at a time, so requests to one function run in parallel, a handler's module-level state lives in its process (as
in a Lambda execution environment), and a slow function never blocks another. Across functions at most `max_processes`
run; past it, the process idle the longest (of any function) is stopped to make room, and processes idle longer than
`idle_seconds` are reaped, as Lambda recycles idle environments.

Workers are forked by a `multiprocessing` fork server that has imported the third-party stack once (local/preload.py),
so a cold start costs the function's own imports, not a new interpreter's; the pages they share stay shared. Protocol on
the worker's pipe, one JSON document per message: the worker answers `{"ready": ...}` once its handler is imported (the
cold start); then each event gets one answer, `{"result": ...}` or `{"error": {...}}`. A handler's own prints go to
the runtime's log (stderr)."""

from __future__ import annotations

import json
import logging
import multiprocessing
import multiprocessing.context
import os
import threading
import time
from typing import Any

from local import worker as worker_process
from local.template import REGION, Function

log = logging.getLogger("local")

DEFAULT_CONCURRENCY = 4
DEFAULT_MAX_PROCESSES = 64  # forked from the fork server: 52-62 MB RSS, 23-33 MB PSS each when warm: 1.5-2 GB PSS at most
DEFAULT_IDLE_SECONDS = 300.0
STARTUP_SECONDS = 60.0  # a cold start slower than this is a broken function
TIMEOUT_GRACE_SECONDS = 2.0


class FunctionError(Exception):
    """The handler raised (in its worker process); the message carries the worker's exception type and message."""


class FunctionTimeout(FunctionError):
    """The handler ran past its Timeout (+ a grace): its process was stopped, as Lambda stops the invocation."""


_FORK_SERVER: multiprocessing.context.ForkServerContext | None = None


def fork_server() -> multiprocessing.context.ForkServerContext:
    """The multiprocessing context whose fork server forks the workers, with local/preload.py imported in it once."""
    global _FORK_SERVER
    if _FORK_SERVER is None:
        _FORK_SERVER = multiprocessing.get_context("forkserver")
        _FORK_SERVER.set_forkserver_preload(["local.preload"])
    return _FORK_SERVER


class Worker:
    """One worker process serving one function, one event at a time."""

    def __init__(self, function: Function, region: str) -> None:
        self.function = function
        self.last_used = time.monotonic()
        started = time.perf_counter()
        context = fork_server()
        self._conn, child = context.Pipe()
        self.proc = context.Process(target=worker_process.serve, args=(child, function, region, dict(os.environ)),
                                    name=f"worker-{function.logical_id}", daemon=True)
        try:
            self.proc.start()
            child.close()
            answer = self._receive(STARTUP_SECONDS)
        except BaseException:
            self.stop()
            raise
        if "error" in answer:
            self.stop()
            raise FunctionError(f"{function.logical_id}: cannot load: {answer['error'].get('message')}")
        self.pid: int = self.proc.pid or 0
        log.debug("%s: worker %d started in %.0f ms", function.logical_id, self.pid, (time.perf_counter() - started) * 1000)

    @property
    def alive(self) -> bool:
        return self.proc.is_alive()

    def _receive(self, timeout: float) -> dict[str, Any]:
        if not self._conn.poll(timeout):
            raise TimeoutError
        try:
            return json.loads(self._conn.recv_bytes())  # type: ignore[no-any-return]
        except EOFError:
            self.proc.join(5)
            raise FunctionError(f"{self.function.logical_id}: its worker process exited (code {self.proc.exitcode})") from None

    def invoke(self, event: dict[str, Any]) -> Any:
        """Run the handler on the event in this worker; the result as JSON gives it back. Raises FunctionError."""
        self.last_used = time.monotonic()
        try:
            self._conn.send_bytes(json.dumps(event).encode())
            answer = self._receive(self.function.timeout + TIMEOUT_GRACE_SECONDS)
        except TimeoutError:
            self.stop()
            raise FunctionTimeout(f"{self.function.logical_id} ran longer than its Timeout ({self.function.timeout} s); "
                                  "its process was stopped") from None
        except (BrokenPipeError, ConnectionError, ValueError) as exc:
            self.stop()
            raise FunctionError(f"{self.function.logical_id}: its worker process failed ({exc})") from None
        finally:
            self.last_used = time.monotonic()
        if "error" in answer:
            error = answer["error"]
            raise FunctionError(f"{error.get('type')}: {error.get('message')}")
        return answer["result"]

    def stop(self) -> None:
        """End the process (closing its pipe makes it exit; killed if it does not within a second)."""
        self._conn.close()
        if self.proc.pid is None:  # never started
            return
        self.proc.join(1)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)


class Pools:
    """Every function's pool of workers, with the global cap and the idle reaper."""

    def __init__(self, functions: dict[str, Function], region: str = REGION, *, concurrency: int = DEFAULT_CONCURRENCY,
                 max_processes: int = DEFAULT_MAX_PROCESSES, idle_seconds: float = DEFAULT_IDLE_SECONDS) -> None:
        if concurrency < 1 or max_processes < 1:
            raise ValueError("concurrency and max_processes must be at least 1")
        self.functions = functions
        self.region = region
        self.concurrency = concurrency
        self.max_processes = max(max_processes, concurrency)
        self.idle_seconds = idle_seconds
        self._cond = threading.Condition()
        self._idle: dict[str, list[Worker]] = {name: [] for name in functions}
        self._count: dict[str, int] = dict.fromkeys(functions, 0)  # workers alive or starting, per function
        self._total = 0
        self._closed = False
        self._reaper = threading.Thread(target=self._reap_loop, name="pool-reaper", daemon=True)
        self._reaper.start()

    # ------------------------------------------------------------------ acquire / release
    def _acquire(self, name: str) -> Worker:
        victim: Worker | None = None
        with self._cond:
            while True:
                if self._closed:
                    raise RuntimeError("the runtime is stopping")
                idle = self._idle[name]
                if idle:
                    return idle.pop()  # the most recently used: warmest, lets the others age out
                if self._count[name] < self.concurrency:
                    victim = None
                    if self._total >= self.max_processes:
                        victim = self._oldest_idle()
                        if victim is None:
                            self._cond.wait(1)
                            continue
                        self._idle[victim.function.logical_id].remove(victim)
                        self._count[victim.function.logical_id] -= 1
                        self._total -= 1
                    self._count[name] += 1
                    self._total += 1
                    break
                self._cond.wait(1)
        if victim is not None:
            victim.stop()
        try:
            return Worker(self.functions[name], self.region)
        except BaseException:
            self._forget(name)
            raise

    def _oldest_idle(self) -> Worker | None:
        workers = [w for idle in self._idle.values() for w in idle]
        return min(workers, key=lambda w: w.last_used) if workers else None

    def _forget(self, name: str) -> None:
        with self._cond:
            self._count[name] -= 1
            self._total -= 1
            self._cond.notify_all()

    def _release(self, worker: Worker) -> None:
        name = worker.function.logical_id
        if not worker.alive or self._closed:
            worker.stop()
            self._forget(name)
            return
        with self._cond:
            self._idle[name].append(worker)
            self._cond.notify_all()

    def invoke(self, name: str, event: dict[str, Any]) -> Any:
        """Invoke `name` on a free worker of its pool (starting one if allowed, else waiting for one)."""
        if name not in self.functions:
            raise KeyError(name)
        worker = self._acquire(name)
        try:
            return worker.invoke(event)
        finally:
            self._release(worker)

    # ------------------------------------------------------------------ reaping, stats, stop
    def _reap_loop(self) -> None:
        while not self._closed:
            time.sleep(min(5.0, max(0.05, self.idle_seconds / 4)))
            self.reap()

    def reap(self, older_than: float | None = None) -> int:
        """Stop the workers idle longer than `older_than` s (default idle_seconds). Returns how many."""
        limit = time.monotonic() - (self.idle_seconds if older_than is None else older_than)
        with self._cond:
            stale = [w for idle in self._idle.values() for w in idle if w.last_used <= limit]
            for worker in stale:
                self._idle[worker.function.logical_id].remove(worker)
                self._count[worker.function.logical_id] -= 1
                self._total -= 1
            self._cond.notify_all()
        for worker in stale:
            worker.stop()
        return len(stale)

    def pids(self, name: str | None = None) -> list[int]:
        """The idle workers' process ids (of one function, or all)."""
        with self._cond:
            return [w.pid for n, idle in self._idle.items() if name in (None, n) for w in idle]

    def size(self, name: str) -> int:
        """Workers of one function, alive or starting."""
        with self._cond:
            return self._count[name]

    def close(self) -> None:
        """Stop every idle worker; busy ones stop when their invocation returns."""
        with self._cond:
            self._closed = True
            workers = [w for idle in self._idle.values() for w in idle]
            for idle in self._idle.values():
                idle.clear()
            self._cond.notify_all()
        for worker in workers:
            worker.stop()
