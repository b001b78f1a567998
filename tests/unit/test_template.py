"""template.yaml checks that cfn-lint and `sam validate --lint` do not make (Runtime, Timeout, batch settings, routes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local.template import FUNCTION, QUEUE, TABLE, load_yaml, merge_globals

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_yaml(ROOT / "template.yaml")
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
GLOBALS: dict[str, Any] = (TEMPLATE.get("Globals") or {}).get("Function") or {}
FUNCTIONS = {k: merge_globals(GLOBALS, r.get("Properties") or {}) for k, r in RESOURCES.items() if r["Type"] == FUNCTION}
API_GATEWAY_TIMEOUT = 29


def events_of(props: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e.get("Properties") or {} for e in (props.get("Events") or {}).values() if e["Type"] == kind]


def code_dir(props: dict[str, Any]) -> str:
    """`functions/<x>/` -> `x`."""
    uri = props["CodeUri"]
    assert uri.startswith("functions/") and uri.endswith("/") and uri.count("/") == 2, uri
    return str(uri.split("/")[1])


WORKERS = {k: p for k, p in FUNCTIONS.items() if events_of(p, "SQS")}
API_FUNCTIONS = {k: p for k, p in FUNCTIONS.items() if events_of(p, "HttpApi")}


def test_every_function_folder_has_one_function_resource_and_an_event() -> None:
    folders = sorted(p.name for p in (ROOT / "functions").iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    by_dir: dict[str, list[str]] = {}
    for logical_id, props in FUNCTIONS.items():
        by_dir.setdefault(code_dir(props), []).append(logical_id)
    for folder in folders:
        assert len(by_dir.get(folder, [])) == 1, f"functions/{folder}/ is the CodeUri of {by_dir.get(folder, [])}"
        assert (ROOT / "events" / f"{folder}.json").is_file(), f"events/{folder}.json is missing"


def test_every_function_resource_has_its_code() -> None:
    missing = [f"{k}: {p['CodeUri']}app.py" for k, p in FUNCTIONS.items() if not (ROOT / p["CodeUri"] / "app.py").is_file()]
    assert not missing, f"function resources without code: {missing}"


def test_every_event_file_belongs_to_a_function_and_is_its_kind_of_event() -> None:
    by_dir = {code_dir(p): p for p in FUNCTIONS.values()}
    for path in sorted((ROOT / "events").glob("*.json")):
        assert path.stem in by_dir, f"{path.name} matches no function folder"
        event = json.loads(path.read_text())
        props = by_dir[path.stem]
        if events_of(props, "HttpApi"):
            api = events_of(props, "HttpApi")[0]
            assert event["version"] == "2.0" and event["routeKey"] == f"{api['Method']} {api['Path']}", path.name
        elif events_of(props, "SQS"):
            assert event["Records"] and event["Records"][0]["eventSource"] == "aws:sqs", path.name
        else:
            assert event["detail-type"] == "Scheduled Event", path.name


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_runtime_and_timeout(logical_id: str) -> None:
    props = FUNCTIONS[logical_id]
    assert props.get("Runtime") == "python3.11"
    timeout = props.get("Timeout", 3)
    assert isinstance(timeout, int) and 3 <= timeout <= 60
    if logical_id in API_FUNCTIONS:
        assert timeout <= API_GATEWAY_TIMEOUT, "API Gateway gives up after 29 s"


def test_worker_batching() -> None:
    assert WORKERS, "no SQS-triggered function"
    for props in WORKERS.values():
        for sqs in events_of(props, "SQS"):
            assert sqs.get("BatchSize") == 10
            assert sqs.get("FunctionResponseTypes") == ["ReportBatchItemFailures"]


def test_queue_redrive_and_visibility_timeout() -> None:
    queues = {k: r.get("Properties") or {} for k, r in RESOURCES.items() if r["Type"] == QUEUE}
    for props in WORKERS.values():
        for sqs in events_of(props, "SQS"):
            queue_id = sqs["Queue"]["Fn::GetAtt"][0]
            queue = queues[queue_id]
            redrive = queue.get("RedrivePolicy") or {}
            dlq = redrive.get("deadLetterTargetArn") or {}
            assert dlq.get("Fn::GetAtt", [None])[0] in queues and dlq["Fn::GetAtt"][0] != queue_id, "the queue needs a DLQ"
            assert 3 <= int(redrive.get("maxReceiveCount", 0)) <= 10
            # AWS: set the queue's visibility timeout to at least six times the function timeout.
            assert int(queue.get("VisibilityTimeout", 30)) >= 6 * int(props.get("Timeout", 3)), (
                f"{queue_id} VisibilityTimeout {queue.get('VisibilityTimeout', 30)} < 6 x worker Timeout {props.get('Timeout', 3)}"
            )


def test_http_api_events_use_the_api_and_routes_are_unique() -> None:
    seen: dict[tuple[str, str], str] = {}
    for logical_id, props in API_FUNCTIONS.items():
        for api in events_of(props, "HttpApi"):
            assert api.get("ApiId") == {"Ref": "HttpApi"}, logical_id
            key = (str(api["Method"]).upper(), str(api["Path"]))
            assert key not in seen, f"{key} is served by {seen.get(key)} and {logical_id}"
            seen[key] = logical_id
    assert RESOURCES["HttpApi"]["Type"] == "AWS::Serverless::HttpApi"


def test_table_indexes() -> None:
    tables = [r.get("Properties") or {} for r in RESOURCES.values() if r["Type"] == TABLE]
    assert len(tables) == 1, "one table"
    indexes = {i["IndexName"] for i in tables[0].get("GlobalSecondaryIndexes") or []}
    assert {"GSI1", "PendingJobs"} <= indexes
