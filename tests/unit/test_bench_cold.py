"""The cold-start section of `make bench`: the fair baseline replays the very calls a function's first event made
(bench/child.py), and the three ratios per function (bench/processes.py)."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.client import BaseClient
from moto import mock_aws

from bench.child import decode, encode, record_calls, replay
from bench.processes import ChildRun, cold_start, ratio_summary

TABLE = "cold"


def _table() -> None:
    boto3.client("dynamodb").create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                                          AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
                                          KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}])


def test_the_fair_baseline_makes_the_calls_the_first_event_made(monkeypatch: pytest.MonkeyPatch) -> None:
    """Calls recorded on any botocore client (created after the recording started too) are made again by replay(), in
    order, through JSON and with binary attributes intact; a refused condition still counts as a call made."""
    monkeypatch.setattr(BaseClient, "_make_api_call", BaseClient._make_api_call)  # restored after the test
    with mock_aws():
        _table()
        calls = record_calls()
        ddb, sqs = boto3.client("dynamodb"), boto3.client("sqs")
        queue = sqs.create_queue(QueueName="jobs")["QueueUrl"]
        ddb.put_item(TableName=TABLE, Item={"PK": {"S": "a"}, "blob": {"B": b"\x00\xff"}}, ConditionExpression="attribute_not_exists(PK)")
        sqs.send_message(QueueUrl=queue, MessageBody="job")
        assert [(c["service"], c["operation"]) for c in calls] == [("sqs", "CreateQueue"), ("dynamodb", "PutItem"), ("sqs", "SendMessage")]
        recorded = json.loads(json.dumps(calls))
        ddb.delete_item(TableName=TABLE, Key={"PK": {"S": "a"}})
        sqs.purge_queue(QueueUrl=queue)

        assert replay(recorded[1:]) == 2
        assert ddb.get_item(TableName=TABLE, Key={"PK": {"S": "a"}})["Item"]["blob"] == {"B": b"\x00\xff"}
        assert sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"] == {
            "ApproximateNumberOfMessages": "1"}
        assert replay(recorded[1:2]) == 1  # the condition fails now: a round trip all the same, no exception


def test_replay_uses_one_client_per_service() -> None:
    made: list[tuple[str, str]] = []

    class Fake:
        def __init__(self, service: str) -> None:
            self.service = service

        def __getattr__(self, name: str) -> object:
            return lambda **params: made.append((self.service, name))

    services: list[str] = []

    def factory(service: str) -> Fake:
        services.append(service)
        return Fake(service)

    calls = [{"service": "dynamodb", "operation": "GetItem", "params": {}}, {"service": "dynamodb", "operation": "TransactWriteItems",
                                                                          "params": {}}, {"service": "sqs", "operation": "SendMessage", "params": {}}]
    assert replay(calls, factory) == 3
    assert made == [("dynamodb", "get_item"), ("dynamodb", "transact_write_items"), ("sqs", "send_message")]
    assert services == ["dynamodb", "sqs"]


def test_bytes_survive_json() -> None:
    value = {"Key": {"PK": {"B": b"\x01"}}, "Items": [{"B": b""}], "n": 1}
    assert decode(json.loads(json.dumps(encode(value)))) == value


def _run(total: float, imported: float, calls: int = 0) -> ChildRun:
    return ChildRun(total, imported, total - imported, 50_000, 200,
                    calls=[{"service": "dynamodb", "operation": "GetItem", "params": {}}] * calls)


def test_the_three_ratios_of_a_function() -> None:
    """total ÷ the fair baseline's total, import ÷ the bare baseline's import, total ÷ the bare baseline's total (medians)."""
    runs = [_run(300, 150, 2), _run(320, 160, 2), _run(900, 170, 2)]
    fair = [_run(250, 100), _run(260, 100), _run(240, 100)]
    bare = [_run(200, 120), _run(200, 125)]
    c = cold_start("GetProgramFunction", runs, fair, bare)
    assert (c.total_ms, c.fair_ms, c.import_ms) == (320, 250, 160)
    assert c.fair_ratio == pytest.approx(320 / 250)
    assert c.import_ratio == pytest.approx(160 / 122.5)
    assert c.ratio == pytest.approx(320 / 200)
    assert c.calls == ["dynamodb:GetItem", "dynamodb:GetItem"]


def test_the_summary_counts_the_functions_within_each_target() -> None:
    bare = [_run(200, 100)]
    fast = cold_start("a", [_run(250, 110)], [_run(220, 100)], bare)  # 1.14, 1.10, 1.25
    slow = cold_start("b", [_run(400, 200)], [_run(250, 100)], bare)  # 1.6, 2.0, 2.0
    summary = {s["ratio"]: s for s in ratio_summary([fast, slow])}
    assert summary["fair_ratio"]["met"] == 1 and summary["fair_ratio"]["max"] == pytest.approx(1.6)
    assert summary["import_ratio"]["met"] == 1 and summary["import_ratio"]["target"] == 1.25
    assert summary["ratio"]["met"] == 1 and summary["ratio"]["median"] == pytest.approx((1.25 + 2.0) / 2)
