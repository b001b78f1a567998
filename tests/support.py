"""Test support: in-process moto resources built from template.yaml, handler invocation, queue and stream draining."""

from __future__ import annotations

import base64
import importlib.util
import json
import time
import uuid
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
TABLE = "loyalty-test"
REFERENCE_DIR = ROOT / "tests" / "reference"  # the schema-only extract of the Voucherify reference, written by `make reference`


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that reads CloudFormation short-form tags as plain mappings."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {f"Fn::{suffix}" if suffix not in ("Ref", "Condition") else suffix: value}


_CfnLoader.add_multi_constructor("!", _tag)


def template() -> dict[str, Any]:
    """template.yaml as a dict."""
    return yaml.load((ROOT / "template.yaml").read_text(), Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass


def reference_file(name: str) -> Any:
    """A file of the committed reference extract (a fresh copy of each call); fails the calling test when it is missing."""
    path = REFERENCE_DIR / name
    if not path.is_file():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run `make reference` (it extracts the schemas and seed examples the "
                    "tests need from the Voucherify reference in ../shared/), then commit tests/reference/", pytrace=False)
    return json.loads(path.read_text(encoding="utf-8"))


def create_table(client: Any, name: str = TABLE) -> None:
    """The table exactly as template.yaml defines it (its stream included), with moto's transactions made O(items) and
    atomic (local/moto_patches.py)."""
    from local import moto_patches

    moto_patches.install()
    props = template()["Resources"]["Table"]["Properties"]
    client.create_table(
        TableName=name,
        AttributeDefinitions=props["AttributeDefinitions"],
        KeySchema=props["KeySchema"],
        GlobalSecondaryIndexes=props["GlobalSecondaryIndexes"],
        BillingMode=props["BillingMode"],
        StreamSpecification={"StreamEnabled": True, **props["StreamSpecification"]},
    )


CARD_CHANGES = "ProcessCardChangesFunction"
CARD_TRANSACTIONS = "AggregateCardTransactionsFunction"
STREAM_CONSUMERS = {CARD_CHANGES: "process_card_changes", CARD_TRANSACTIONS: "aggregate_card_transactions"}
"""The table stream's consumers in template.yaml and their function folders."""


@cache
def _stream_trigger(function: str = CARD_CHANGES) -> Any:
    from local.template import load_template

    return next(t for t in load_template(ROOT / "template.yaml").stream_triggers if t.function == function)


class MotoStream:
    """The three streams calls a StreamPoller makes, answered from in-process moto's shard of one table. Through botocore
    (a `dynamodbstreams` client at https://streams.dynamodb.us-east-1.amazonaws.com: in-process moto refuses the API at
    any other address) a GetRecords spends ~50 ms serialising the items' images; this reads moto's records as they are."""

    def __init__(self, table: str, region: str = "us-east-1") -> None:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        self.backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][region]
        self.table = table

    def _shard(self) -> Any:
        return self.backend.tables[self.table].stream_shard

    def describe_stream(self, **_: Any) -> dict[str, Any]:
        """The stream's one shard."""
        return {"StreamDescription": {"Shards": [self._shard().to_json()]}}

    def get_shard_iterator(self, *, ShardIteratorType: str, **_: Any) -> dict[str, Any]:
        """An iterator is the index of the next record."""
        return {"ShardIterator": "0" if ShardIteratorType == "TRIM_HORIZON" else str(len(self._shard().items))}

    def get_records(self, *, ShardIterator: str, Limit: int = 1000) -> dict[str, Any]:
        """Up to `Limit` records from the iterator on, and the iterator after them."""
        start = int(ShardIterator)
        records = [r.record for r in self._shard().items[start:start + Limit]]
        return {"Records": records, "NextShardIterator": str(start + len(records))}


def stream_poller(name: str = TABLE, function: str = CARD_CHANGES) -> Any:
    """A reader of the table's stream with template.yaml's trigger of `function` (filters, batch size, partial batch
    responses, bisect, retries), invoking its folder (functions/process_card_changes/ by default) in this process. It
    keeps its position: each record is delivered once; batches that fail past their retries are kept in its `.delivered`."""
    from local.poller import StreamPoller

    stream = MotoStream(name)
    stream_arn = stream.backend.tables[name].latest_stream_label
    arn = f"{stream.backend.tables[name].table_arn}/stream/{stream_arn}"
    folder = STREAM_CONSUMERS[function]
    return StreamPoller(_stream_trigger(function), arn, stream, lambda _, event: invoke(folder, event))


class StreamPollers:
    """Every consumer of the table's stream, each with its own position (as each event source mapping has)."""

    def __init__(self, name: str = TABLE) -> None:
        self.pollers = [stream_poller(name, function) for function in STREAM_CONSUMERS]

    def poll_once(self) -> int:
        """Poll each consumer once; the sum of their activity (0: all idle)."""
        return sum(poller.poll_once() for poller in self.pollers)

    @property
    def delivered(self) -> list[dict[str, Any]]:
        """The failure descriptors of every consumer."""
        return [d for poller in self.pollers for d in poller.delivered]


def drain_stream(poller: Any) -> int:
    """Deliver every stream record written since the last drain to the card-change function; returns records read."""
    read = 0
    while True:
        step = poller.poll_once()
        if not step:
            return read
        read += step


def scan_pending_jobs(client: Any, table: str, older_than_ms: int) -> list[dict[str, Any]]:
    """Every project's jobs in the PendingJobs index whose wait began before `older_than_ms` (a Scan: tests only; the
    sweeper Queries project by project)."""
    jobs: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table, "IndexName": "PendingJobs", "FilterExpression": "JOBSK < :t",
                              "ExpressionAttributeValues": {":t": {"S": f"{older_than_ms:013d}"}}}
    while True:
        resp = client.scan(**kwargs)
        jobs += [json.loads(raw["job"]["S"]) for raw in resp.get("Items", [])]
        if "LastEvaluatedKey" not in resp:
            return jobs
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


def context(name: str = "test") -> SimpleNamespace:
    """A Lambda context object good enough for Powertools."""
    return SimpleNamespace(
        function_name=name,
        function_version="$LATEST",
        invoked_function_arn=f"arn:aws:lambda:us-east-1:000000000000:function:{name}",
        memory_limit_in_mb=256,
        aws_request_id=str(uuid.uuid4()),
        log_group_name=f"/aws/lambda/{name}",
        log_stream_name="test",
        get_remaining_time_in_millis=lambda: 10_000,
    )


_MODULES: dict[str, ModuleType] = {}


def function(name: str) -> ModuleType:
    """The module of functions/<name>/app.py (loaded once per test session)."""
    if name not in _MODULES:
        spec = importlib.util.spec_from_file_location(f"fn_{name}", ROOT / "functions" / name / "app.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _MODULES[name] = module
    return _MODULES[name]


def http_event(method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
               query: dict[str, str] | None = None, raw_body: str | None = None) -> dict[str, Any]:
    """An API Gateway HTTP API v2.0 event."""
    text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
    qs = "&".join(f"{k}={v}" for k, v in (query or {}).items())
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": qs,
        "headers": {"content-type": "application/json", **{k.lower(): v for k, v in (headers or {}).items()}},
        "queryStringParameters": query or None,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": "localhost",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "pytest"},
            "requestId": uuid.uuid4().hex[:16],
            "routeKey": f"{method} {path}",
            "stage": "$default",
            "time": "22/Nov/2026:00:00:00 +0000",
            "timeEpoch": 0,
        },
        "body": text,
        "isBase64Encoded": False,
    }


def invoke(name: str, event: dict[str, Any]) -> dict[str, Any]:
    """Call a function's handler with an event."""
    result: dict[str, Any] = function(name).handler(event, context(name))
    return result


def call(name: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
         query: dict[str, str] | None = None, raw_body: str | None = None) -> tuple[int, Any]:
    """Invoke an API function over a v2.0 event; returns (status, parsed JSON body)."""
    resp = invoke(name, http_event(method, path, body, headers, query, raw_body))
    text = resp.get("body") or ""
    if resp.get("isBase64Encoded"):
        text = base64.b64decode(text).decode()
    return resp["statusCode"], json.loads(text) if text else None


def sqs_event(messages: list[dict[str, Any]], queue_arn: str = "arn:aws:sqs:us-east-1:000000000000:jobs") -> dict[str, Any]:
    """An SQS Lambda event from received messages."""
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": {"ApproximateReceiveCount": m.get("Attributes", {}).get("ApproximateReceiveCount", "1"),
                       "SentTimestamp": "0", "SenderId": "test", "ApproximateFirstReceiveTimestamp": "0"},
        "messageAttributes": {}, "md5OfBody": m.get("MD5OfBody", ""), "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn, "awsRegion": "us-east-1"} for m in messages]}


def drain_queue(sqs: Any, queue_url: str, max_rounds: int = 20) -> int:
    """Run the worker over the queue until it is empty, like the SQS trigger; returns messages processed."""
    done = 0
    for _ in range(max_rounds):
        resp = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=0)
        messages = resp.get("Messages", [])
        if not messages:
            return done
        result = invoke("process_jobs", sqs_event(messages))
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        for m in messages:
            if m["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
                done += 1
        if failed == {m["MessageId"] for m in messages}:
            return done
    return done


def served_table(state_dir: str | Path, project: str = "dev") -> Any:
    """A project's table on the backend a running `python -m local serve` uses (its <state-dir>/endpoints.json names it)."""
    import boto3

    from loyalty.db.table import Table

    info = json.loads((Path(state_dir) / "endpoints.json").read_text())
    client = boto3.client("dynamodb", endpoint_url=info["endpoints"]["dynamodb"], region_name=info["region"],
                          aws_access_key_id="test", aws_secret_access_key="test")  # emulators accept any credentials
    return Table(project, info["table_name"], cursor_secret="-" * 32, client=client)


def served_event_schema(state_dir: str | Path, name: str, properties: dict[str, Any] | None = None, project: str = "dev") -> str:
    """The `ms_` id of a custom event schema created (or found, by name) in a project of a running `python -m local serve`,
    through the service the `create-event-schema` command uses."""
    from loyalty.schemas.service import create_event_schema

    return create_event_schema(served_table(state_dir, project), name, properties, exist_ok=True)["id"]


def served_tier_day(state_dir: str | Path, day: str, project: str = "dev") -> dict[str, int]:
    """Move a running serve's clock for tiers: run the daily job's tier work for `day` (YYYY-MM-DD) in a project, as the
    scheduled function does on that day (tests cannot wait a month for a tracking period to turn)."""
    from loyalty.tiering.service import run_daily

    return run_daily(served_table(state_dir, project), day)


def eventually(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Poll until `check()` returns a truthy value (the worker runs asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            assert value, "condition not reached in time"
            return value
        time.sleep(0.2)
