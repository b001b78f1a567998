"""Worker process pools (local/pool.py): parallel per function, isolated module state, a slow function blocks no other."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from local.pool import FunctionError, FunctionTimeout, Pools
from local.template import Function

CODE = '''
import os, time
CALLS = 0

def handler(event, context):
    global CALLS
    CALLS += 1
    if event.get("fail"):
        raise ValueError("asked to fail")
    time.sleep(event.get("sleep", 0))
    print("a handler's print goes to the log, not to the protocol")
    return {"pid": os.getpid(), "calls": CALLS, "name": context.function_name, "env": os.environ.get("POOL_TEST")}
'''


def _function(tmp_path: Path, name: str, timeout: int = 10) -> Function:
    code = tmp_path / name
    code.mkdir(exist_ok=True)
    (code / "app.py").write_text(CODE)
    return Function(name, code, "app.handler", "python3.11", timeout, 128, {}, (), {})


@pytest.fixture
def pools(tmp_path: Path) -> Pools:
    os.environ["POOL_TEST"] = "inherited"
    functions = {name: _function(tmp_path, name, timeout=1 if name == "Short" else 10) for name in ("Fast", "Slow", "Short")}
    pools = Pools(functions, concurrency=4, max_processes=6, idle_seconds=60)
    yield pools
    pools.close()
    os.environ.pop("POOL_TEST", None)


def test_requests_to_one_function_run_in_parallel_in_processes_of_their_own(pools: Pools) -> None:
    pools.invoke("Fast", {})  # the cold start
    started = time.monotonic()
    with ThreadPoolExecutor(4) as ex:
        results = list(ex.map(lambda _: pools.invoke("Fast", {"sleep": 0.8}), range(4)))
    assert time.monotonic() - started < 2.5  # four 0.8 s calls, not one after another (3.2 s)
    assert len({r["pid"] for r in results}) == 4 and os.getpid() not in {r["pid"] for r in results}
    assert pools.size("Fast") == 4 and all(r["name"] == "Fast" and r["env"] == "inherited" for r in results)
    with ThreadPoolExecutor(8) as ex:  # past the pool's maximum, requests wait for a worker: none is refused
        more = list(ex.map(lambda _: pools.invoke("Fast", {"sleep": 0.1}), range(8)))
    assert len(more) == 8 and pools.size("Fast") == 4


def test_module_state_is_per_process(pools: Pools) -> None:
    first = pools.invoke("Fast", {})
    second = pools.invoke("Fast", {})
    assert second["pid"] == first["pid"] and second["calls"] == first["calls"] + 1  # a warm worker keeps its globals
    other = pools.invoke("Slow", {})
    assert other["pid"] != first["pid"] and other["calls"] == 1  # another function's process does not share them


def test_a_slow_function_does_not_block_another(pools: Pools) -> None:
    pools.invoke("Fast", {})
    with ThreadPoolExecutor(2) as ex:
        slow = ex.submit(pools.invoke, "Slow", {"sleep": 3})
        time.sleep(0.2)
        started = time.monotonic()
        pools.invoke("Fast", {})
        assert time.monotonic() - started < 1.5 and not slow.done()
        slow.result()


def test_errors_and_timeouts_fail_one_invocation(pools: Pools) -> None:
    with pytest.raises(FunctionError, match="ValueError: asked to fail"):
        pools.invoke("Fast", {"fail": True})
    assert pools.invoke("Fast", {})["calls"] >= 2  # the same worker serves on
    with pytest.raises(FunctionTimeout):
        pools.invoke("Short", {"sleep": 5})  # Timeout 1 s (+ grace): its process is stopped
    assert pools.size("Short") == 0
    assert pools.invoke("Short", {})["calls"] == 1  # a fresh process (a cold start)


def test_idle_workers_are_reaped_and_the_global_cap_evicts_the_oldest(pools: Pools) -> None:
    with ThreadPoolExecutor(4) as ex:
        list(ex.map(lambda _: pools.invoke("Fast", {"sleep": 0.5}), range(4)))
    pools.invoke("Slow", {})
    pools.invoke("Short", {})
    assert pools.size("Fast") + pools.size("Slow") + pools.size("Short") <= 6
    pids = pools.pids()
    assert pools.reap(older_than=0) == len(pids) and pools.pids() == []
    for pid in pids:
        with pytest.raises(OSError):
            os.kill(pid, 0)  # stopped and waited for: no zombie left behind
    assert pools.invoke("Fast", {})["calls"] == 1
