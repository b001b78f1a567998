"""Event sources: an SQS poller per queue trigger (honouring partial batch responses) and a timer per schedule rule."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from local.template import ACCOUNT_ID, REGION, QueueTrigger, ScheduleTrigger

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

