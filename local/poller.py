"""Event sources: an SQS poller per queue trigger (honouring partial batch responses), a DynamoDB stream poller per stream
trigger (filters, partial batch responses, bisect, retries, OnFailure) and a timer per schedule rule."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from local.template import ACCOUNT_ID, REGION, QueueTrigger, ScheduleTrigger, StreamTrigger

log = logging.getLogger("local")

Invoke = Callable[[str, dict[str, Any]], Any]
_RATE = re.compile(r"rate\(\s*(\d+)\s+(second|minute|hour|day)s?\s*\)", re.IGNORECASE)
_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def build_sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str = REGION) -> dict[str, Any]:
    """The Lambda event for a batch of ReceiveMessage results."""
    records = []
    for msg in messages:
        attributes = dict(msg.get("Attributes") or {})
        attributes.setdefault("ApproximateReceiveCount", "1")
        records.append({
            "messageId": msg["MessageId"],
            "receiptHandle": msg["ReceiptHandle"],
            "body": msg["Body"],
            "attributes": attributes,
            "messageAttributes": {
                name: {
                    "stringValue": a.get("StringValue"),
                    "binaryValue": a.get("BinaryValue"),
                    "stringListValues": a.get("StringListValues", []),
                    "binaryListValues": a.get("BinaryListValues", []),
                    "dataType": a["DataType"],
                }
                for name, a in (msg.get("MessageAttributes") or {}).items()
            },
            "md5OfBody": msg.get("MD5OfBody") or hashlib.md5(msg["Body"].encode()).hexdigest(),  # noqa: S324 - SQS's checksum
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": region,
        })
    return {"Records": records}


def messages_to_delete(result: Any, message_ids: list[str], report_failures: bool) -> list[str]:
    """Which messages of a successful invocation are done: all of them, minus `batchItemFailures` when the trigger reports them.

    A malformed failure list (unknown or empty ids) fails the whole batch, as Lambda does."""
    if not report_failures or not isinstance(result, dict) or not result.get("batchItemFailures"):
        return list(message_ids)
    failures = result["batchItemFailures"]
    failed = {f.get("itemIdentifier") for f in failures if isinstance(f, dict)}
    if len(failed) != len(failures) or not failed <= set(message_ids):
        return []
    return [m for m in message_ids if m not in failed]


class _BackgroundLoop:
    """A `_run` loop on a daemon thread, stopped through `_stop`."""

    thread_name = "loop"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        """Run in a background thread."""
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current step (a long poll of ~1 s, a batch or a scheduled run)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None


class QueuePoller(_BackgroundLoop):
    """Long-polls one queue and invokes its function with each batch; deletes what the function completed."""

    def __init__(self, trigger: QueueTrigger, queue_url: str, queue_arn: str, sqs: Any, invoke: Invoke, region: str = REGION) -> None:
        self.trigger = trigger
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.sqs = sqs
        self.invoke = invoke
        self.region = region
        self.busy = threading.Event()
        self.thread_name = f"sqs-{trigger.function}"
        super().__init__()

    def poll_once(self, wait_seconds: int = 1) -> int:
        """Receive one batch, invoke, delete the completed messages. Returns how many messages were received."""
        resp = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(self.trigger.batch_size, 10),
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = resp.get("Messages") or []
        if not messages:
            return 0
        self.busy.set()
        try:
            ids = [m["MessageId"] for m in messages]
            try:
                result = self.invoke(self.trigger.function, build_sqs_event(messages, self.queue_arn, self.region))
            except Exception:
                log.exception("%s failed on a batch of %d: the messages return after the visibility timeout", self.trigger.function, len(ids))
                return len(messages)
            done = set(messages_to_delete(result, ids, self.trigger.report_batch_item_failures))
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages) if m["MessageId"] in done]
            if entries:
                self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
            log.info("%s: batch of %d, %d done, %d failed", self.trigger.function, len(ids), len(entries), len(ids) - len(entries))
            return len(messages)
        finally:
            self.busy.clear()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:
                if self._stop.is_set():
                    return
                log.exception("polling %s failed", self.queue_url)
                self._stop.wait(1)



def parse_rate(expression: str) -> float:
    """Seconds between runs for `rate(N unit)`; units minute(s), hour(s), day(s), and second(s) for local use."""
    m = _RATE.fullmatch(expression.strip())
    if m is None or int(m.group(1)) < 1:
        raise ValueError(f"unsupported schedule {expression!r}: only rate(N minutes|hours|days|seconds)")
    return int(m.group(1)) * _UNIT_SECONDS[m.group(2).lower()]


def build_scheduled_event(rule: str, region: str = REGION, now: datetime | None = None, detail: Any = None) -> dict[str, Any]:
    """The EventBridge "Scheduled Event" a rule sends to its target."""
    now = now or datetime.now(UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT_ID}:rule/{rule}"],
        "detail": detail if detail is not None else {},
    }


class Scheduler(_BackgroundLoop):
    """Invokes one function every `interval` seconds (the first run after one interval, as EventBridge does)."""

    def __init__(self, trigger: ScheduleTrigger, interval: float, invoke: Invoke, region: str = REGION) -> None:
        self.trigger = trigger
        self.interval = interval
        self.invoke = invoke
        self.region = region
        self.thread_name = f"schedule-{trigger.function}"
        super().__init__()

    def event(self) -> dict[str, Any]:
        """The event of one run (a rule's constant Input replaces it, as in EventBridge)."""
        if self.trigger.input is not None:
            return json.loads(self.trigger.input) if isinstance(self.trigger.input, str) else dict(self.trigger.input)
        return build_scheduled_event(self.trigger.name, self.region)

    def run_once(self) -> Any:
        """Invoke the function now."""
        return self.invoke(self.trigger.function, self.event())

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run_once()
                log.info("%s: scheduled run done", self.trigger.function)
            except Exception:
                log.exception("%s: scheduled run failed", self.trigger.function)



# ---------------------------------------------------------------------------------------------------- DynamoDB streams
def validate_filter(pattern: Any, where: str = "pattern") -> None:
    """Refuse (ValueError) a FilterCriteria pattern beyond the subset `matches` implements: nested objects whose leaves
    are lists of exact values or `{"prefix": "..."}`."""
    if not isinstance(pattern, dict) or not pattern:
        raise ValueError(f"{where}: a filter pattern must be a non-empty object")
    for key, value in pattern.items():
        if isinstance(value, dict):
            validate_filter(value, f"{where}.{key}")
        elif isinstance(value, list) and value:
            for option in value:
                if isinstance(option, dict) and (set(option) != {"prefix"} or not isinstance(option["prefix"], str)):
                    raise ValueError(f"{where}.{key}: only exact values and {{\"prefix\": \"...\"}} are supported locally, not {option}")
                if isinstance(option, list):
                    raise ValueError(f"{where}.{key}: a list inside a list")
        else:
            raise ValueError(f"{where}.{key}: expected an object or a non-empty list of values, got {value!r}")


def matches(pattern: dict[str, Any], event: Any) -> bool:
    """Whether an event (a Lambda stream record) matches one EventBridge-style pattern (the subset `validate_filter` admits)."""
    if not isinstance(event, dict):
        return False
    for key, value in pattern.items():
        if key not in event:
            return False
        if isinstance(value, dict):
            if not matches(value, event[key]):
                return False
            continue
        actual = event[key]
        if not any(actual.startswith(o["prefix"]) if isinstance(o, dict) else actual == o
                   for o in value if not isinstance(o, dict) or isinstance(actual, str)):
            return False
    return True


def passes(filters: tuple[Any, ...], record: dict[str, Any]) -> bool:
    """A record reaches the function when there is no filter or any filter matches it (Lambda ORs the filters)."""
    return not filters or any(matches(f, record) for f in filters)


def _epoch(value: Any) -> Any:
    return value.timestamp() if isinstance(value, datetime) else value


def _empty_maps(value: Any) -> Any:
    """An attribute value with every empty map spelled `{"M": {}}` as DynamoDB's streams deliver it (DynamoDB Local's
    stream images come back with an empty map as `{}`, which no reader can decode)."""
    if not isinstance(value, dict) or not value:
        return {"M": {}} if value == {} else value
    if "M" in value and isinstance(value["M"], dict):
        return {"M": {k: _empty_maps(v) for k, v in value["M"].items()}}
    if "L" in value and isinstance(value["L"], list):
        return {"L": [_empty_maps(v) for v in value["L"]]}
    return value


def stream_record(raw: dict[str, Any], stream_arn: str, region: str = REGION) -> dict[str, Any]:
    """One GetRecords record as Lambda puts it in the event (eventSourceARN added, the creation time in epoch seconds,
    empty maps in the images as DynamoDB spells them)."""
    change = dict(raw["dynamodb"])
    for image in ("NewImage", "OldImage"):
        if isinstance(change.get(image), dict):
            change[image] = {name: _empty_maps(v) for name, v in change[image].items()}
    if "ApproximateCreationDateTime" in change:
        change["ApproximateCreationDateTime"] = _epoch(change["ApproximateCreationDateTime"])
    return {
        "eventID": raw.get("eventID") or uuid.uuid4().hex,
        "eventName": raw["eventName"],
        "eventVersion": raw.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": raw.get("awsRegion") or region,
        "dynamodb": change,
        "eventSourceARN": stream_arn,
    }


def build_stream_event(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The Lambda event of a batch of stream records (already in Lambda's record shape)."""
    return {"Records": list(records)}


def failed_from(result: Any, records: list[dict[str, Any]], report_failures: bool) -> int | None:
    """Index of the record a successful invocation's batch resumes from (None: the whole batch is done).

    With ReportBatchItemFailures, the lowest reported sequence number; a malformed report (unknown, empty or missing
    itemIdentifier) fails the whole batch, as Lambda does."""
    if not report_failures or not isinstance(result, dict) or not result.get("batchItemFailures"):
        return None
    sequence = [r["dynamodb"]["SequenceNumber"] for r in records]
    failed = [f.get("itemIdentifier") if isinstance(f, dict) else None for f in result["batchItemFailures"]]
    if not all(isinstance(f, str) and f in sequence for f in failed):
        return 0
    return min(sequence.index(str(f)) for f in failed)


class StreamRetention:
    """The records of one stream its pollers have all read, handed to `forget(shard_id, sequence_number)` so that a local
    backend can drop them (DynamoDB Streams trims its records after 24 hours by itself; moto keeps them for ever: see
    local/moto_patches.py `forget_stream_records`). A record is forgotten once every poller registered here has read it:
    a poller keeps what it read and has not yet delivered in memory, so nothing is forgotten before it is delivered."""

    def __init__(self, forget: Callable[[str, int], Any]) -> None:
        self._forget = forget
        self._lock = threading.Lock()
        self._read: dict[int, dict[str, int]] = {}  # poller -> shard -> last sequence number it read
        self._forgotten: dict[str, int] = {}  # shard -> the sequence number forgotten through

    def register(self, poller: object) -> None:
        with self._lock:
            self._read.setdefault(id(poller), {})

    def read(self, poller: object, shard_id: str, sequence_number: str) -> None:
        """`poller` has read its shard through `sequence_number`: forget what every poller has read."""
        with self._lock:
            self._read[id(poller)][shard_id] = int(sequence_number)
            positions = [read.get(shard_id) for read in self._read.values()]
            if any(p is None for p in positions):
                return
            through = min(p for p in positions if p is not None)
            if through > self._forgotten.get(shard_id, -1):
                self._forget(shard_id, through)
                self._forgotten[shard_id] = through


class StreamPoller(_BackgroundLoop):
    """Reads one table's stream shard by shard and invokes its function with batches of the records its filters pass, as
    Lambda's event source mapping does: in order per shard; a batch the function fails (an error, or `batchItemFailures`)
    is retried from its first failed record; on an error with bisect on, the batch is halved first (halving does not
    count as a retry); after `max_retries` retries the failed records' descriptor goes to the OnFailure queue and the
    shard moves on. Positions live in memory: a runtime starts at the trigger's StartingPosition (TRIM_HORIZON: every
    record the stream still holds). MaximumBatchingWindowInSeconds is not waited for: a batch goes as soon as it is read."""

    poll_interval = 0.25  # Lambda polls a shard four times a second
    read_limit = 100
    """Records per GetRecords. The embedded backend serves one under its lock, about 1 ms a record (both images): reading
    1,000 at once, as Lambda may, held every other request for a second while a consumer worked off a backlog; pages of
    100 hold it for about 0.1 s, and a batch still fills from several pages."""

    def __init__(self, trigger: StreamTrigger, stream_arn: str, streams: Any, invoke: Invoke, region: str = REGION,
                 sqs: Any = None, failure_queue_url: str | None = None, function_arn: str | None = None,
                 retention: StreamRetention | None = None) -> None:
        for i, pattern in enumerate(trigger.filters):
            validate_filter(pattern, f"{trigger.function} FilterCriteria #{i + 1}")
        self.trigger = trigger
        self.stream_arn = stream_arn
        self.streams = streams
        self.invoke = invoke
        self.region = region
        self.sqs = sqs
        self.failure_queue_url = failure_queue_url
        self.function_arn = function_arn or f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{trigger.function}"
        self.thread_name = f"stream-{trigger.function}"
        self._lock = threading.Lock()
        self._iterators: dict[str, str | None] = {}  # open shard -> next iterator (None: closed, pending records left)
        self._last: dict[str, str] = {}  # shard -> last sequence number read
        self._pending: dict[str, list[dict[str, Any]]] = {}  # shard -> filtered records not yet settled
        self._done: set[str] = set()  # closed shards fully read and settled
        self._described = 0.0
        self._attempts: dict[str, int] = {}  # shard -> retries of its head batch
        self._cap: dict[str, int] = {}  # shard -> its head batch's size (halved by bisect)
        self.delivered: list[dict[str, Any]] = []  # failure descriptors sent (for tests and logs)
        self.retention = retention
        if retention is not None:
            retention.register(self)
        super().__init__()

    # ------------------------------------------------------------------ shards
    def _discover(self, force: bool = False) -> None:
        if not force and time.monotonic() - self._described < 5.0:
            return
        first = not self._iterators and not self._done
        shards: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"StreamArn": self.stream_arn}
        while True:
            desc = self.streams.describe_stream(**kwargs)["StreamDescription"]
            shards += desc.get("Shards") or []
            if not desc.get("LastEvaluatedShardId"):
                break
            kwargs["ExclusiveStartShardId"] = desc["LastEvaluatedShardId"]
        self._described = time.monotonic()
        known = {s["ShardId"] for s in shards}
        for shard in shards:
            shard_id, parent = shard["ShardId"], shard.get("ParentShardId")
            if shard_id in self._iterators or shard_id in self._done:
                continue
            if parent and parent in known and parent not in self._done:
                continue  # a child shard waits until its parent is read to the end (order per key)
            position = self.trigger.starting_position if first else "TRIM_HORIZON"
            self._iterators[shard_id] = self.streams.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType=position)["ShardIterator"]
            self._pending.setdefault(shard_id, [])

    def _read(self, shard_id: str) -> int:
        """Read the shard page by page (`read_limit` records each) until a batch is pending, the shard has nothing more
        or 1,000 records were read (Lambda's GetRecords maximum); the records read."""
        read = 0
        while True:
            page = self._read_page(shard_id)
            read += page
            if (page < self.read_limit or read >= 1000 or self._iterators[shard_id] is None
                    or len(self._pending[shard_id]) >= self.trigger.batch_size):
                return read

    def _read_page(self, shard_id: str) -> int:
        iterator = self._iterators[shard_id]
        if iterator is None:
            return 0
        try:
            resp = self.streams.get_records(ShardIterator=iterator, Limit=self.read_limit)
        except Exception as exc:
            if "ExpiredIterator" not in type(exc).__name__ and "ExpiredIterator" not in str(exc):
                raise
            kwargs: dict[str, Any] = ({"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": self._last[shard_id]}
                                      if shard_id in self._last else {"ShardIteratorType": "TRIM_HORIZON"})
            iterator = self.streams.get_shard_iterator(StreamArn=self.stream_arn, ShardId=shard_id, **kwargs)["ShardIterator"]
            resp = self.streams.get_records(ShardIterator=iterator, Limit=self.read_limit)
        raw = resp.get("Records") or []
        self._iterators[shard_id] = resp.get("NextShardIterator")
        if raw:
            self._last[shard_id] = raw[-1]["dynamodb"]["SequenceNumber"]
            if self.retention is not None:
                self.retention.read(self, shard_id, self._last[shard_id])
        records = [stream_record(r, self.stream_arn, self.region) for r in raw]
        self._pending[shard_id] += [r for r in records if passes(self.trigger.filters, r)]
        return len(raw)

    # ------------------------------------------------------------------ batches
    def _settle(self, shard_id: str) -> int:
        """Deliver the shard's pending records batch by batch until none is left or the head batch must wait."""
        settled = 0
        pending = self._pending[shard_id]
        while pending:
            batch = pending[: self._cap.get(shard_id, self.trigger.batch_size)]
            error: Exception | None = None
            try:
                result = self.invoke(self.trigger.function, build_stream_event(batch))
                resume = failed_from(result, batch, self.trigger.report_batch_item_failures)
            except Exception as exc:  # noqa: BLE001 - a function error is the batch's failure, as in Lambda
                error, resume = exc, 0
            if resume is None:
                del pending[: len(batch)]
                settled += len(batch)
                self._fresh_head(shard_id)
                continue
            del pending[:resume]  # the records before the first failure are done
            settled += resume
            batch = batch[resume:]
            if error is not None and self.trigger.bisect_on_error and len(batch) > 1:
                self._cap[shard_id] = max(1, len(batch) // 2)
                self._attempts[shard_id] = 0
                log.warning("%s failed on %d stream records (%s): bisecting", self.trigger.function, len(batch), error)
                continue
            attempts = self._attempts[shard_id] = self._attempts.get(shard_id, 0) + 1
            if 0 <= self.trigger.max_retries < attempts:
                self._give_up(shard_id, batch, error, attempts)
                del pending[: len(batch)]
                settled += len(batch)
                self._fresh_head(shard_id)
                continue
            log.warning("%s failed on %d stream records (retry %d): %s", self.trigger.function, len(batch), attempts,
                        error or "reported batch item failures")
            return settled + 1  # retried on the next poll; counts as activity so that a caller keeps polling
        return settled

    def _fresh_head(self, shard_id: str) -> None:
        """The next batch of the shard starts with no retries, at full size."""
        self._attempts.pop(shard_id, None)
        self._cap.pop(shard_id, None)

    def _give_up(self, shard_id: str, batch: list[dict[str, Any]], error: Exception | None, invocations: int) -> None:
        changes = [r["dynamodb"] for r in batch]
        descriptor = {
            "requestContext": {"requestId": str(uuid.uuid4()), "functionArn": self.function_arn,
                               "condition": "RetryAttemptsExhausted", "approximateInvokeCount": invocations},
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST",
                                **({"functionError": "Unhandled"} if error is not None else {})},
            "version": "1.0",
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": changes[0]["SequenceNumber"],
                "endSequenceNumber": changes[-1]["SequenceNumber"],
                "approximateArrivalOfFirstRecord": _iso(changes[0].get("ApproximateCreationDateTime")),
                "approximateArrivalOfLastRecord": _iso(changes[-1].get("ApproximateCreationDateTime")),
                "batchSize": len(batch),
                "streamArn": self.stream_arn,
            },
        }
        self.delivered.append(descriptor)
        log.error("%s: %d stream records failed past %d retries; descriptor sent to %s", self.trigger.function, len(batch),
                  self.trigger.max_retries, self.failure_queue_url or "nowhere (no OnFailure destination)")
        if self.sqs is not None and self.failure_queue_url:
            self.sqs.send_message(QueueUrl=self.failure_queue_url, MessageBody=json.dumps(descriptor))

    # ------------------------------------------------------------------ loop
    def poll_once(self) -> int:
        """Read every open shard once and deliver what its filters pass. Returns records read plus records settled (0: idle)."""
        with self._lock:
            self._discover()
            activity = 0
            for shard_id in list(self._iterators):
                read = self._read(shard_id)
                activity += read + self._settle(shard_id)
                if self._iterators[shard_id] is None and not self._pending[shard_id]:
                    del self._iterators[shard_id]
                    self._done.add(shard_id)
                    self._discover(force=True)  # its children may start now
            return activity

    @property
    def idle(self) -> bool:
        """No records read but not yet settled."""
        with self._lock:
            return not any(self._pending.values())

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if not self.poll_once():
                    self._stop.wait(self.poll_interval)
            except Exception:
                if self._stop.is_set():
                    return
                log.exception("reading the stream %s failed", self.stream_arn)
                self._stop.wait(1)


def _iso(epoch: Any) -> str | None:
    if isinstance(epoch, int | float):
        return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return None
