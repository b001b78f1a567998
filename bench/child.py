"""A fresh interpreter for cold-start and memory runs: import one handler the way Lambda does and serve events.

    python bench/child.py boto3                          # the baseline: import boto3; boto3.client("dynamodb")
    python bench/child.py function CODE_DIR LAYER_DIR EVENTS_JSONL

Writes `BENCH {json}` lines to stdout: one after the first event (import and first-event times, RSS), and for more than
one event a summary (peak RSS, median wall and CPU time per warm event). Nothing from the project is imported before
the handler module, so the import time is the function's own."""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
import types
import uuid
from typing import Any


def _report(**values: Any) -> None:
    sys.stdout.write("BENCH " + json.dumps(values) + "\n")
    sys.stdout.flush()


def _rss_kb() -> int:
    """Peak RSS of this process image. VmHWM starts afresh at exec; ru_maxrss would carry the forking parent's peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _context(name: str) -> Any:
    return types.SimpleNamespace(function_name=name, function_version="$LATEST", memory_limit_in_mb=256,
                                 invoked_function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
                                 aws_request_id=str(uuid.uuid4()), log_group_name=f"/aws/lambda/{name}", log_stream_name="bench",
                                 get_remaining_time_in_millis=lambda: 10_000)


def _status(result: Any) -> int:
    """200/4xx/5xx of an API result; 200 for a worker batch without failures, 500 with."""
    if isinstance(result, dict) and "statusCode" in result:
        return int(result["statusCode"])
    if isinstance(result, dict) and result.get("batchItemFailures"):
        return 500
    return 200


def baseline() -> None:
    started = time.perf_counter()
    import boto3

    boto3.client("dynamodb")
    _report(import_ms=(time.perf_counter() - started) * 1000, first_ms=0.0, rss_kb=_rss_kb(), status=200)


def function(code_dir: str, layer_dir: str, events_path: str) -> None:
    started = time.perf_counter()
    sys.path[:0] = [code_dir, layer_dir]
    import app  # type: ignore[import-not-found]  # the function's module, as Lambda's `app.handler`

    imported = time.perf_counter()
    with open(events_path, encoding="utf-8") as fh:
        events = [json.loads(line) for line in fh if line.strip()]
    name = os.path.basename(code_dir.rstrip("/"))
    first = time.perf_counter()
    result = app.handler(json.loads(json.dumps(events[0])), _context(name))
    done = time.perf_counter()
    _report(import_ms=(imported - started) * 1000, first_ms=(done - first) * 1000, rss_kb=_rss_kb(), status=_status(result))
    if len(events) < 2:
        return
    walls, cpus, statuses = [], [], []
    for event in events[1:]:
        t0, c0 = time.perf_counter(), time.process_time()
        result = app.handler(json.loads(json.dumps(event)), _context(name))
        walls.append((time.perf_counter() - t0) * 1000)
        cpus.append((time.process_time() - c0) * 1000)
        statuses.append(_status(result))
    _report(events=len(events), peak_rss_kb=_rss_kb(), wall_ms=statistics.median(walls), cpu_ms=statistics.median(cpus),
            statuses=sorted(set(statuses)))


if __name__ == "__main__":
    if sys.argv[1] == "boto3":
        baseline()
    else:
        function(*sys.argv[2:5])
