"""The local runtime's DynamoDB stream trigger: template parsing, filters, the Lambda event, retries from the first
reported failure, bisect and OnFailure, and one run over the embedded backend (moto server)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from local.poller import StreamPoller, build_stream_event, failed_from, matches, passes, stream_record, validate_filter
from local.runtime import ROOT, LocalRuntime
from local.template import StreamTrigger, load_template, stream_trigger
from loyalty.db.keys import CARD_SK_PREFIX
from loyalty.reports.engine import LOCKING_TYPES

SPENDS = ["POINTS_SPENT_ON_REWARD", "POINTS_SPENT_ON_ORDER"]
CARDS_ONLY = {"dynamodb": {"Keys": {"SK": {"S": [{"prefix": "CARD#"}]}}}}
ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-01-01T00:00:00.000"


# ---------------------------------------------------------------------------------------------------- the template
def test_the_real_template_declares_the_card_changes_and_aggregates_triggers() -> None:
    triggers = load_template(ROOT / "template.yaml").stream_triggers
    assert triggers == [StreamTrigger(
        function="ProcessCardChangesFunction", table="Table", batch_size=100, starting_position="TRIM_HORIZON",
        report_batch_item_failures=True, bisect_on_error=True, max_retries=10,
        filters=({"dynamodb": {"Keys": {"SK": {"S": [{"prefix": CARD_SK_PREFIX}]}}}},), on_failure="CardChangesFailureQueue"),
        StreamTrigger(
        function="AggregateCardTransactionsFunction", table="Table", batch_size=100, starting_position="TRIM_HORIZON",
        report_batch_item_failures=True, bisect_on_error=True, max_retries=10,
        filters=({"dynamodb": {"Keys": {"SK": {"S": [{"prefix": "CTX#"}]}}, "NewImage": {"status": {"S": ["APPROVED"]}}}},
                 {"eventName": ["INSERT"], "dynamodb": {"Keys": {"SK": {"S": [{"prefix": "CTX#"}]}}, "NewImage": {
                     "status": {"S": ["PENDING"]}, "data": {"M": {"type": {"S": SPENDS}}}}}},
                 {"eventName": ["MODIFY"], "dynamodb": {"Keys": {"SK": {"S": [{"prefix": "CTX#"}]}}, "OldImage": {
                     "status": {"S": ["PENDING"]}}, "NewImage": {"status": {"S": ["REJECTED"]}, "data": {"M": {"type": {"S": SPENDS}}}}}},
                 {"eventName": ["INSERT"], "dynamodb": {"Keys": {"SK": {"S": [{"prefix": "lttx_"}]}}}}),
        on_failure="CardChangesFailureQueue")]


def test_the_aggregator_s_local_filters_pass_inserted_tier_transactions_only() -> None:
    """The local poller applies the template's patterns: a tier transaction's INSERT reaches the aggregator, its other
    changes and other members' items do not."""
    from local.poller import passes

    trigger = load_template(ROOT / "template.yaml").stream_triggers[1]
    keys = {"PK": {"S": "acme#MBR#lmbr_1#TTX"}, "SK": {"S": "lttx_0123456789abcdef01"}}
    assert passes(trigger.filters, {"eventName": "INSERT", "dynamodb": {"Keys": keys, "NewImage": keys}})
    assert not passes(trigger.filters, {"eventName": "REMOVE", "dynamodb": {"Keys": keys, "OldImage": keys}})
    member = {"PK": {"S": "acme#MBR#lmbr_1"}, "SK": {"S": "TIER"}}
    assert not passes(trigger.filters, {"eventName": "INSERT", "dynamodb": {"Keys": member, "NewImage": member}})


def test_the_aggregator_s_local_filters_pass_locking_spends_inserted_pending_and_their_rejections() -> None:
    """A PENDING spend's INSERT (points locked) and its move to REJECTED (unlocked) reach the aggregator; another
    type's PENDING insert or rejection, and a spend's other changes, do not."""
    trigger = load_template(ROOT / "template.yaml").stream_triggers[1]
    keys = {"PK": {"S": "acme#CARD#lcard_1"}, "SK": {"S": "CTX#lctx_1"}}

    def image(status: str, kind: str) -> dict[str, Any]:
        return {**keys, "status": {"S": status}, "data": {"M": {"type": {"S": kind}}}}

    def record(name: str, old: str | None, new: str, kind: str) -> dict[str, Any]:
        change: dict[str, Any] = {"Keys": keys, "NewImage": image(new, kind)}
        if old is not None:
            change["OldImage"] = image(old, kind)
        return {"eventName": name, "dynamodb": change}

    assert set(SPENDS) == LOCKING_TYPES  # the template names every type the engine counts a lock of
    for kind in SPENDS:
        assert passes(trigger.filters, record("INSERT", None, "PENDING", kind))
        assert passes(trigger.filters, record("MODIFY", "PENDING", "REJECTED", kind))
        assert passes(trigger.filters, record("MODIFY", "PENDING", "APPROVED", kind))
        assert not passes(trigger.filters, record("MODIFY", "PENDING", "PENDING", kind))
    for kind in ("POINTS_RETURNED", "ADMIN_CREDIT", "PENDING_POINTS_ADDED"):
        assert not passes(trigger.filters, record("INSERT", None, "PENDING", kind))
        assert not passes(trigger.filters, record("MODIFY", "PENDING", "REJECTED", kind))


def test_stream_trigger_defaults_and_refusals() -> None:
    trigger = stream_trigger("F", {"Stream": {"Fn::GetAtt": ["T", "StreamArn"]}, "StartingPosition": "LATEST"})
    assert (trigger.table, trigger.batch_size, trigger.starting_position, trigger.max_retries, trigger.filters,
            trigger.report_batch_item_failures, trigger.bisect_on_error, trigger.on_failure) == (
        "T", 100, "LATEST", -1, (), False, False, None)
    with pytest.raises(ValueError, match="StreamArn"):
        stream_trigger("F", {"Stream": "arn:aws:dynamodb:us-east-1:1:table/x/stream/y"})


# ---------------------------------------------------------------------------------------------------- filters and events
def _raw(sk: str, seq: int, name: str = "INSERT") -> dict[str, Any]:
    keys = {"PK": {"S": "acme#MBR#m1"}, "SK": {"S": sk}}
    return {"eventID": f"e{seq}", "eventName": name, "eventVersion": "1.1", "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
            "dynamodb": {"ApproximateCreationDateTime": datetime(2026, 11, 26, tzinfo=UTC), "Keys": keys, "NewImage": dict(keys),
                         "SequenceNumber": f"{seq:021d}", "SizeBytes": 40, "StreamViewType": "NEW_AND_OLD_IMAGES"}}


def test_prefix_and_exact_filters() -> None:
    card, other = stream_record(_raw("CARD#c1", 1), ARN), stream_record(_raw("MEMBER", 2), ARN)
    assert matches(CARDS_ONLY, card) and not matches(CARDS_ONLY, other)
    assert passes((), other) and passes((CARDS_ONLY, {"eventName": ["INSERT"]}), other)  # filters are ORed
    assert not passes((CARDS_ONLY, {"eventName": ["REMOVE"]}), other)
    assert not matches({"dynamodb": {"OldImage": {"SK": {"S": ["CARD#c1"]}}}}, card), "a missing key does not match"
    assert matches({"dynamodb": {"Keys": {"SK": {"S": ["CARD#c1", "x"]}}}}, card)


@pytest.mark.parametrize("pattern", [
    {"dynamodb": {"Keys": {"SK": {"S": [{"suffix": "#1"}]}}}},
    {"dynamodb": {"Keys": {"SK": {"S": [{"anything-but": "x"}]}}}},
    {"eventName": "INSERT"},
    {"eventName": []},
    {},
])
def test_unsupported_filter_patterns_are_refused_at_start(pattern: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        validate_filter(pattern)
    trigger = StreamTrigger("F", "T", filters=(pattern,))
    with pytest.raises(ValueError):
        StreamPoller(trigger, ARN, FakeStreams([]), lambda name, event: None)


def test_the_lambda_record_and_event() -> None:
    record = stream_record(_raw("CARD#c1", 7, "MODIFY"), ARN)
    assert record["eventSource"] == "aws:dynamodb" and record["eventSourceARN"] == ARN and record["eventName"] == "MODIFY"
    assert record["dynamodb"]["ApproximateCreationDateTime"] == datetime(2026, 11, 26, tzinfo=UTC).timestamp()
    assert record["dynamodb"]["SequenceNumber"] == "000000000000000000007" and record["dynamodb"]["Keys"]["SK"] == {"S": "CARD#c1"}
    json.dumps(build_stream_event([record]))  # what the handler gets is plain JSON
    sample = json.loads((ROOT / "events" / "process_card_changes.json").read_text())["Records"][0]
    assert set(sample) == set(record) and set(sample["dynamodb"]) <= set(record["dynamodb"]) | {"OldImage"}


def test_generate_event_prints_a_stream_record(capsys: pytest.CaptureFixture[str]) -> None:
    from local.__main__ import main

    assert main(["generate-event", "ProcessCardChangesFunction"]) == 0
    record = json.loads(capsys.readouterr().out)["Records"][0]
    assert record["eventSource"] == "aws:dynamodb" and record["dynamodb"]["Keys"]["SK"]["S"].startswith(CARD_SK_PREFIX)
    assert passes(load_template(ROOT / "template.yaml").stream_triggers[0].filters, record)


def test_failed_from_reads_the_lowest_reported_sequence_number() -> None:
    batch = [stream_record(_raw("CARD#c", i), ARN) for i in range(1, 5)]
    seq = [r["dynamodb"]["SequenceNumber"] for r in batch]
    assert failed_from({"batchItemFailures": []}, batch, True) is None
    assert failed_from({"batchItemFailures": [{"itemIdentifier": seq[3]}, {"itemIdentifier": seq[1]}]}, batch, True) == 1
    assert failed_from({"batchItemFailures": [{"itemIdentifier": "nope"}]}, batch, True) == 0, "malformed: the whole batch"
    assert failed_from({"batchItemFailures": [{"itemIdentifier": seq[1]}]}, batch, False) is None


# ---------------------------------------------------------------------------------------------------- retries with a fake stream
class FakeStreams:
    """One open shard over a list of raw records; iterators are `it:<index>`."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records

    def describe_stream(self, StreamArn: str, **_: Any) -> dict[str, Any]:
        return {"StreamDescription": {"Shards": [{"ShardId": "shard-1", "SequenceNumberRange": {"StartingSequenceNumber": "1"}}]}}

    def get_shard_iterator(self, StreamArn: str, ShardId: str, ShardIteratorType: str, **_: Any) -> dict[str, Any]:
        return {"ShardIterator": "it:0" if ShardIteratorType == "TRIM_HORIZON" else f"it:{len(self.records)}"}

    def get_records(self, ShardIterator: str, Limit: int = 1000) -> dict[str, Any]:
        start = int(ShardIterator.split(":")[1])
        end = min(len(self.records), start + Limit)
        return {"Records": self.records[start:end], "NextShardIterator": f"it:{end}"}


class FakeSqs:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_message(self, QueueUrl: str, MessageBody: str) -> None:
        self.sent.append(json.loads(MessageBody))


def _poller(records: list[dict[str, Any]], invoke: Any, **options: Any) -> tuple[StreamPoller, FakeSqs]:
    sqs = FakeSqs()
    trigger = StreamTrigger("F", "T", filters=(CARDS_ONLY,), **options)
    return StreamPoller(trigger, ARN, FakeStreams(records), invoke, sqs=sqs, failure_queue_url="q"), sqs


def _seqs(event: dict[str, Any]) -> list[int]:
    return [int(r["dynamodb"]["SequenceNumber"]) for r in event["Records"]]


def test_a_batch_resumes_from_the_first_reported_failure_and_filters_apply() -> None:
    records = [_raw("CARD#c", 1), _raw("MEMBER", 2), _raw("CARD#c", 3), _raw("CARD#c", 4), _raw("CARD#c", 5)]
    calls: list[list[int]] = []

    def invoke(name: str, event: dict[str, Any]) -> dict[str, Any]:
        calls.append(_seqs(event))
        if len(calls) == 1:  # the first call fails record 4: 1 and 3 are done
            return {"batchItemFailures": [{"itemIdentifier": f"{4:021d}"}]}
        return {"batchItemFailures": []}

    poller, sqs = _poller(records, invoke, batch_size=3, report_batch_item_failures=True, max_retries=2)
    assert poller.poll_once() > 0
    assert poller.poll_once() > 0 and poller.idle
    assert calls == [[1, 3, 4], [4, 5]], "retried from the first failed record; the non-card record never delivered"
    assert poller.poll_once() == 0 and sqs.sent == []


def test_bisect_then_retries_then_the_failure_destination() -> None:
    records = [_raw("CARD#c", i) for i in range(1, 5)]
    calls: list[list[int]] = []

    def invoke(name: str, event: dict[str, Any]) -> dict[str, Any]:
        calls.append(_seqs(event))
        if 3 in _seqs(event):
            raise RuntimeError("poison")
        return {}

    poller, sqs = _poller(records, invoke, batch_size=4, bisect_on_error=True, max_retries=2, report_batch_item_failures=True)
    for _ in range(10):
        if not poller.poll_once():
            break
    # [1..4] fails, halves to [1,2] (done), then [3,4] fails, halves to [3]: fails 3 times (the call and 2 retries),
    # goes to the destination, then [4] is delivered
    assert calls == [[1, 2, 3, 4], [1, 2], [3, 4], [3], [3], [3], [4]]
    assert len(sqs.sent) == 1 and poller.idle
    info = sqs.sent[0]["DDBStreamBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"], info["streamArn"]) == (f"{3:021d}", f"{3:021d}", 1, ARN)
    assert sqs.sent[0]["requestContext"]["condition"] == "RetryAttemptsExhausted"


def test_without_bisect_an_erroring_batch_is_retried_whole() -> None:
    calls: list[list[int]] = []

    def invoke(name: str, event: dict[str, Any]) -> None:
        calls.append(_seqs(event))
        raise RuntimeError("down")

    poller, sqs = _poller([_raw("CARD#c", 1), _raw("CARD#c", 2)], invoke, max_retries=1)
    while poller.poll_once():
        pass
    assert calls == [[1, 2], [1, 2]] and sqs.sent[0]["DDBStreamBatchInfo"]["batchSize"] == 2


# ---------------------------------------------------------------------------------------------------- the embedded backend
STREAM_STACK = """
Globals:
  Function: {Runtime: python3.11, Handler: app.handler, Timeout: 5, Environment: {Variables: {TABLE_NAME: !Ref T}}}
Resources:
  T:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: PK, AttributeType: S}, {AttributeName: SK, AttributeType: S}]
      KeySchema: [{AttributeName: PK, KeyType: HASH}, {AttributeName: SK, KeyType: RANGE}]
      StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}
  Failed: {Type: AWS::SQS::Queue}
  Changes:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/changes/
      Events:
        Cards:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt T.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 100
            FunctionResponseTypes: [ReportBatchItemFailures]
            DestinationConfig: {OnFailure: {Type: SQS, Destination: !GetAtt Failed.Arn}}
            FilterCriteria: {Filters: [{Pattern: '{"dynamodb": {"Keys": {"SK": {"S": [{"prefix": "CARD#"}]}}}}'}]}
"""

CHANGES = """
import os, boto3
def handler(event, context):
    for record in event["Records"]:
        keys = record["dynamodb"]["Keys"]
        boto3.client("dynamodb").put_item(TableName=os.environ["TABLE_NAME"], Item={
            "PK": {"S": "seen"}, "SK": {"S": record["eventName"] + " " + keys["PK"]["S"] + " " + keys["SK"]["S"]}})
    return {"batchItemFailures": []}
"""


def test_embedded_backend_delivers_card_changes_only(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(STREAM_STACK)
    (tmp_path / "fn" / "changes").mkdir(parents=True)
    (tmp_path / "fn" / "changes" / "app.py").write_text(CHANGES)
    with LocalRuntime(tmp_path / "template.yaml", state_dir=tmp_path / "state", http=False, pollers=False, schedules=False,
                      dev_key=False) as rt:
        assert [s.trigger.function for s in rt.stream_pollers] == ["Changes"]
        dynamodb, table = rt.backend.client("dynamodb"), rt.environment["TABLE_NAME"]  # type: ignore[union-attr]
        assert rt.run_worker_until_idle(timeout=20)  # the poller holds an iterator before the writes
        # a failed transaction leaves no record, and the iterator still sees later writes (local/moto_patches.py)
        with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
            dynamodb.transact_write_items(TransactItems=[
                {"Put": {"TableName": table, "Item": {"PK": {"S": "acme#MBR#m1"}, "SK": {"S": "CARD#rolled-back"}}}},
                {"ConditionCheck": {"TableName": table, "Key": {"PK": {"S": "x"}, "SK": {"S": "y"}}, "ConditionExpression": "attribute_exists(PK)"}},
            ])
        dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"PK": {"S": "acme#MBR#m1"}, "SK": {"S": "CARD#c1"}}}},
            {"Put": {"TableName": table, "Item": {"PK": {"S": "acme#MBR#m1"}, "SK": {"S": "MEMBER"}}}},
        ])
        assert rt.run_worker_until_idle(timeout=20)
        seen = dynamodb.query(TableName=table, KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": {"S": "seen"}})
        assert [i["SK"]["S"] for i in seen["Items"]] == ["INSERT acme#MBR#m1 CARD#c1"]
        assert all(s.idle for s in rt.stream_pollers)
        # what the poller has read is forgotten by moto's shard (local/moto_patches.py forget_stream_records)
        from moto.dynamodb.models import dynamodb_backends

        shard = dynamodb_backends["123456789012"]["us-east-1"].get_table(table).stream_shard
        assert shard is not None
        assert shard.items == [] and shard.starting_sequence_number > 1100000000017454423009


def test_a_stream_image_s_empty_maps_are_spelled_as_dynamodb_spells_them() -> None:
    # DynamoDB Local's GetRecords gives an empty map as `{}`: the poller delivers `{"M": {}}`, which readers decode
    raw = {"eventName": "INSERT", "dynamodb": {"Keys": {"PK": {"S": "a"}}, "SequenceNumber": "1", "NewImage": {
        "PK": {"S": "a"}, "data": {"M": {"details": {"M": {"metadata": {}, "list": {"L": [{}, {"S": "x"}]}}}}}, "gone": {}}}}
    image = stream_record(raw, "arn")["dynamodb"]["NewImage"]
    assert image["data"] == {"M": {"details": {"M": {"metadata": {"M": {}}, "list": {"L": [{"M": {}}, {"S": "x"}]}}}}}
    assert image["gone"] == {"M": {}} and image["PK"] == {"S": "a"}


def test_the_shard_is_read_in_small_pages_until_a_batch_is_pending() -> None:
    # one card record in ten passes the filter: a batch of 10 fills from pages of 100 records, each its own GetRecords
    records = [_raw("CARD#c" if n % 10 == 0 else "MEMBER", n) for n in range(1, 2501)]
    limits: list[int] = []
    batches: list[list[int]] = []
    poller, _ = _poller(records, lambda _, event: batches.append(_seqs(event)), batch_size=10)
    streams = poller.streams
    original = streams.get_records

    def counted(ShardIterator: str, Limit: int = 1000) -> dict[str, Any]:
        limits.append(Limit)
        return original(ShardIterator=ShardIterator, Limit=Limit)

    streams.get_records = counted
    poller.poll_once()
    assert set(limits) == {StreamPoller.read_limit} == {100}, "no read takes more than 100 records under the backend's lock"
    assert len(limits) == 1 and batches == [[n for n in range(10, 101, 10)]], "one page already holds a batch of 10"
    poller.trigger = StreamTrigger("F", "T", filters=(CARDS_ONLY,), batch_size=100)
    limits.clear()
    poller.poll_once()
    assert len(limits) == 10 and len(batches[-1]) == 100, "a batch of 100 filtered records fills from 10 pages (1,000 records)"
    poller.trigger = StreamTrigger("F", "T", filters=(CARDS_ONLY,), batch_size=1000)
    limits.clear()
    poller.poll_once()
    assert len(limits) == 10, "at most 1,000 records a poll, even when the batch is not full"
