"""A fresh interpreter for cold-start and memory runs: import one handler the way Lambda does and serve events.

    python bench/child.py boto3                          # the bare baseline: import boto3; boto3.client("dynamodb")
    python bench/child.py function CODE_DIR LAYER_DIR EVENTS_JSONL
    python bench/child.py replay CALLS_JSON              # the fair baseline: plain boto3 making a first event's calls
    python bench/child.py floor                          # the dependencies' floor: boto3 + pydantic + Powertools, no project code

Writes `BENCH {json}` lines to stdout: one after the first event (import and first-event times, RSS), and for more than
one event a summary (peak RSS, median wall and CPU time per warm event). A function child then writes `CALLS {json}`: the
AWS calls its first event made (service, operation, parameters), recorded on botocore's BaseClient after the import, which
the replay child makes again with plain boto3 clients. Nothing from the project is imported before the handler module, so
the import time is the function's own."""

from __future__ import annotations

import base64
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


def encode(value: Any) -> Any:
    """`value` made JSON-safe: bytes (a DynamoDB binary attribute) become {"__bytes__": base64}."""
    if isinstance(value, bytes | bytearray):
        return {"__bytes__": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    return value


def decode(value: Any) -> Any:
    """The inverse of `encode`."""
    if isinstance(value, dict):
        if set(value) == {"__bytes__"}:
            return base64.b64decode(value["__bytes__"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def record_calls() -> list[dict[str, Any]]:
    """Start recording every AWS call made by any botocore client (existing or future) into the returned list."""
    from botocore.client import BaseClient

    calls: list[dict[str, Any]] = []
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def recorded(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        calls.append({"service": self.meta.service_model.service_name, "operation": operation_name,
                      "params": encode({k: v for k, v in api_params.items() if k != "Body" or isinstance(v, str | bytes)})})
        return original(self, operation_name, api_params)

    BaseClient._make_api_call = recorded  # type: ignore[attr-defined]
    return calls


def replay(calls: list[dict[str, Any]], client: Any = None) -> int:
    """Make `calls` again, in order, with plain boto3 clients (one per service, endpoints from the environment); a call
    the backend refuses (a condition already met by the original) still made its round trip. Returns the calls made."""
    from botocore import xform_name
    from botocore.exceptions import ClientError

    if client is None:
        import boto3
        from botocore.config import Config

        def client(service: str) -> Any:
            return boto3.client(service, config=Config(s3={"addressing_style": "path"}) if service == "s3" else None)  # type: ignore[call-overload]

    clients: dict[str, Any] = {}
    made = 0
    for call in calls:
        service = call["service"]
        if service not in clients:
            clients[service] = client(service)
        try:
            getattr(clients[service], xform_name(call["operation"]))(**decode(call["params"]))
        except ClientError:
            pass
        made += 1
    return made


def fair_baseline(calls_path: str) -> None:
    """Plain boto3 in a fresh interpreter making a function's first-event calls: import, clients, the same requests."""
    started = time.perf_counter()
    import boto3  # noqa: F401  # the import is what is timed here; replay() builds the clients

    imported = time.perf_counter()
    with open(calls_path, encoding="utf-8") as fh:
        calls = json.load(fh)
    made = replay(calls)
    done = time.perf_counter()
    _report(import_ms=(imported - started) * 1000, first_ms=(done - imported) * 1000, rss_kb=_rss_kb(), status=200, calls=made)


def floor() -> None:
    """The least any API function of this design imports: boto3 and a client, a pydantic model, Powertools' logger and
    an HTTP resolver with request validation (what loyalty.api.app.make_app builds), and nothing of the project."""
    started = time.perf_counter()
    import boto3
    from aws_lambda_powertools import Logger
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
    from pydantic import BaseModel, ConfigDict

    boto3.client("dynamodb")
    Logger(service="floor")
    APIGatewayHttpResolver(enable_validation=True)

    class Floor(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
        name: str

    Floor(name="floor")
    _report(import_ms=(time.perf_counter() - started) * 1000, first_ms=0.0, rss_kb=_rss_kb(), status=200)


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
    calls = record_calls()
    with open(events_path, encoding="utf-8") as fh:
        events = [json.loads(line) for line in fh if line.strip()]
    name = os.path.basename(code_dir.rstrip("/"))
    first = time.perf_counter()
    result = app.handler(json.loads(json.dumps(events[0])), _context(name))
    done = time.perf_counter()
    _report(import_ms=(imported - started) * 1000, first_ms=(done - first) * 1000, rss_kb=_rss_kb(), status=_status(result))
    sys.stdout.write("CALLS " + json.dumps(calls) + "\n")
    sys.stdout.flush()
    calls.clear()
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
    elif sys.argv[1] == "floor":
        floor()
    elif sys.argv[1] == "replay":
        fair_baseline(sys.argv[2])
    else:
        function(*sys.argv[2:5])
