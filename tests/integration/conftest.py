"""Integration fixtures: each test gets an empty moto account with the table (and its stream) and queues of template.yaml."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from loyalty.api import auth
from loyalty.api.auth import hash_token, new_key_pair
from loyalty.apikeys.store import put_api_key
from loyalty.core.settings import get_settings
from loyalty.db import clients
from loyalty.db.table import Table
from tests import support


@dataclass
class Stack:
    """What a test can reach: clients, the queue, and keys for two projects."""

    ddb: Any
    sqs: Any
    queue_url: str
    dlq_url: str
    headers: dict[str, str]
    other_headers: dict[str, str]
    stream: Any = None  # support.StreamPollers over the table's stream (every consumer), made by the first drain()

    def call(self, name: str, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None,
             query: dict[str, str] | None = None, raw_body: str | None = None) -> tuple[int, Any]:
        """Invoke an API function as the first project (unless other headers are given)."""
        return support.call(name, method, path, body, self.headers if headers is None else headers, query, raw_body)

    def drain(self) -> int:
        """Run the worker until the queue is empty and the stream consumers (card changes, report aggregates) over the
        table's new stream records, again until neither has anything left (either may give the other work). Returns the queue messages processed."""
        if self.stream is None:
            self.stream = support.StreamPollers()  # from the stream's start: setup writes are delivered too
        done = 0
        for _ in range(20):
            done += support.drain_queue(self.sqs, self.queue_url)
            if not support.drain_stream(self.stream):
                return done
        return done

    def items(self) -> list[dict[str, Any]]:
        """Every item in the table (small test tables only)."""
        return self.ddb.scan(TableName=support.TABLE)["Items"]

    def db(self, project: str = "acme") -> Table:
        """The table scoped to a project, for direct assertions through the stores."""
        return Table(project, support.TABLE, cursor_secret=get_settings().cursor_secret)


def _key(project: str) -> dict[str, str]:
    app_id, token = new_key_pair(project)
    put_api_key(Table(project, support.TABLE, cursor_secret="unused-secret"), app_id, hash_token(token), "test")
    return {"X-App-Id": app_id, "X-App-Token": token}


@contextmanager
def _stack() -> Iterator[Stack]:
    with mock_aws():
        clients.reset()
        auth.clear_cache()
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        support.create_table(ddb)
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=os.environ["EXPORTS_BUCKET"])
        boto3.client("events", region_name="us-east-1").create_event_bus(Name=os.environ["EVENT_BUS_NAME"])
        dlq = sqs.create_queue(QueueName="jobs-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queue = sqs.create_queue(QueueName="jobs", Attributes={
            "VisibilityTimeout": "30",
            "RedrivePolicy": f'{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"5"}}'})["QueueUrl"]
        os.environ["QUEUE_URL"] = queue
        get_settings.cache_clear()
        yield Stack(ddb, sqs, queue, dlq, _key("acme"), _key("globex"))
        get_settings.cache_clear()
        clients.reset()


@pytest.fixture
def stack() -> Iterator[Stack]:
    """A fresh, empty stack for one test."""
    with _stack() as s:
        yield s


@pytest.fixture(scope="module")
def module_stack() -> Iterator[Stack]:
    """One stack shared by a module's tests (for tests that only read, or assert that nothing changes)."""
    with _stack() as s:
        yield s


def error_of(stack: Stack, status: int, key: str, name: str, method: str, path: str, body: Any = None, **kw: Any) -> dict[str, Any]:
    """The request answers `status` / `key` with Voucherify's error body, and writes nothing (the table compared whole)."""
    before = stack.items()
    got, resp = stack.call(name, method, path, body, **kw)
    assert (got, resp.get("key")) == (status, key), resp
    assert set(resp) >= {"code", "key", "message", "details", "request_id"} and resp["code"] == status
    assert stack.items() == before, "a refused request must not write anything"
    return dict(resp)
