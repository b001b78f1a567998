"""The benchmark's stack: DynamoDB Local + moto SQS through local.runtime, the placeholder key, and in-process invocation."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from bench.calls import CallRecorder
from bench.events import ROOT, Events
from local.runtime import DEV_PROJECT, PLACEHOLDER_KEY, LocalRuntime


class BenchStack:
    """Starts DynamoDB Local and the SQS emulator, provisions template.yaml's table and queues, loads every function.

    All data belongs to the `dev` project and every request carries local.runtime.PLACEHOLDER_KEY (the events/ key)."""

    project = DEV_PROJECT

    def __init__(self, state_dir: Path = ROOT / ".local" / "bench") -> None:
        self.state_dir = state_dir
        # measured without the per-project limit; the tables in DynamoDB Local's heap, as the figures always were
        self.runtime = LocalRuntime(backend="dynamodb-local", http=False, pollers=False, schedules=False, dev_key=False,
                                    state_dir=state_dir, env={"PROJECT_RATE_LIMIT": "0"}, dynamodb_in_memory=True)
        self.events = Events()
        self.headers = PLACEHOLDER_KEY.headers
        self.recorder = CallRecorder()
        self._clients: dict[str, Any] = {}

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> BenchStack:
        """Start everything (DynamoDB Local is installed with npm into the state dir on first use)."""
        started = time.perf_counter()
        self.runtime.start()
        self.startup_seconds = time.perf_counter() - started
        self.runtime.put_key(DEV_PROJECT, PLACEHOLDER_KEY, "bench placeholder key")
        return self

    def recording(self) -> CallRecorder:
        """Attach the recorder to the layer's clients (detach it before timing anything)."""
        from loyalty.db import clients

        return self.recorder.attach(clients.dynamodb(), clients.sqs(), clients.s3(), clients.events())

    def stop(self) -> None:
        """Stop DynamoDB Local, moto and restore os.environ."""
        self.recorder.detach()
        self.runtime.stop()

    def __enter__(self) -> BenchStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ access
    @property
    def table(self) -> str:
        return self.runtime.environment["TABLE_NAME"]

    @property
    def queue_url(self) -> str:
        return self.runtime.environment["QUEUE_URL"]

    @property
    def endpoints(self) -> dict[str, str]:
        assert self.runtime.backend is not None
        return dict(self.runtime.backend.endpoints)

    def client(self, service: str) -> Any:
        """A plain boto3 client on the backend (not the layer's: its calls are not recorded)."""
        if service not in self._clients:
            assert self.runtime.backend is not None
            self._clients[service] = self.runtime.backend.client(service)
        return self._clients[service]

    def child_environment(self) -> dict[str, str]:
        """The environment a function subprocess needs: the runtime's variables (endpoints, table, queue, credentials)."""
        return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}

    # ------------------------------------------------------------------ invoking
    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        """Invoke a function in-process as Lambda would (event and result through JSON)."""
        return self.runtime.invoke(function, event)

    def request(self, method: str, path: str, body: Any = None, *, query: dict[str, str] | None = None,
                expect: int | tuple[int, ...] = (200, 202)) -> Any:
        """One API request; returns the parsed body and raises unless the status is expected."""
        function, event = self.events.http(method, path, body, self.headers, query)
        resp = self.invoke(function, event)
        wanted = (expect,) if isinstance(expect, int) else expect
        payload = json.loads(resp["body"]) if resp.get("body") else None
        if resp.get("statusCode") not in wanted:
            raise RuntimeError(f"{method} {path}: {resp.get('statusCode')} {payload}")
        return payload

    def take_jobs(self) -> list[str]:
        """Receive and delete every queued job message; their bodies."""
        sqs = self.client("sqs")
        bodies: list[str] = []
        while True:
            messages = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=60).get("Messages", [])
            if not messages:
                return bodies
            bodies += [m["Body"] for m in messages]
            sqs.delete_message_batch(QueueUrl=self.queue_url,
                                     Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])

    def queue_depth(self) -> int:
        """Messages on the jobs queue (visible or in flight)."""
        attrs = self.client("sqs").get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
        return sum(int(v) for v in attrs["Attributes"].values())
