"""Stream retention on the embedded backend: moto's shard forgets the records every poller has read
(local/moto_patches.py `forget_stream_records`, local/poller.py `StreamRetention`) and keeps a bounded number of shard
iterators, with the sequence numbers, TRIM_HORIZON and open iterators behaving as DynamoDB Streams' do after a trim."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.dynamodb.models import dynamodb_backends

from local import moto_patches
from local.backends import _moto_server, _url
from local.poller import StreamPoller, StreamRetention
from local.template import StreamTrigger

REGION, ACCOUNT = "us-east-1", "123456789012"


@pytest.fixture
def stream() -> Iterator[tuple[Any, Any, str]]:
    """(dynamodb client, dynamodbstreams client, stream ARN) of a fresh PK/SK table with a NEW_AND_OLD_IMAGES stream,
    served by the embedded backend's moto server."""
    server = _moto_server()
    try:
        options: dict[str, Any] = {"endpoint_url": _url(server), "region_name": REGION, "aws_access_key_id": "test",
                                   "aws_secret_access_key": "test"}
        dynamodb, streams = boto3.client("dynamodb", **options), boto3.client("dynamodbstreams", **options)
        table = dynamodb.create_table(
            TableName="t", KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("PK", "SK")], BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})["TableDescription"]
        yield dynamodb, streams, table["LatestStreamArn"]
    finally:
        server.stop()


def _put(dynamodb: Any, *names: str) -> None:
    for name in names:
        dynamodb.put_item(TableName="t", Item={"PK": {"S": "p"}, "SK": {"S": name}, "pad": {"S": "x" * 500}})


def _shard(streams: Any, arn: str) -> str:
    return str(streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"])


def _read(streams: Any, arn: str, **position: str) -> list[tuple[str, str]]:
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=_shard(streams, arn), **position)["ShardIterator"]
    return [(r["dynamodb"]["Keys"]["SK"]["S"], r["dynamodb"]["SequenceNumber"])
            for r in streams.get_records(ShardIterator=iterator)["Records"]]


def _held() -> int:
    return len(dynamodb_backends[ACCOUNT][REGION].get_table("t").stream_shard.items)


def test_forgotten_records_leave_the_others_and_the_next_numbers_unchanged(stream: tuple[Any, Any, str]) -> None:
    dynamodb, streams, arn = stream
    _put(dynamodb, *"abcdef")
    before = _read(streams, arn, ShardIteratorType="TRIM_HORIZON")
    assert [name for name, _ in before] == list("abcdef")
    # an iterator opened before the trim, positioned after "d", still reads from there
    open_after_d = streams.get_shard_iterator(StreamArn=arn, ShardId=_shard(streams, arn), ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                              SequenceNumber=before[3][1])["ShardIterator"]

    assert moto_patches.forget_stream_records(arn, _shard(streams, arn), int(before[3][1])) == 4
    assert _held() == 2
    assert _read(streams, arn, ShardIteratorType="TRIM_HORIZON") == before[4:], "TRIM_HORIZON starts after the trim"
    assert [r["dynamodb"]["Keys"]["SK"]["S"] for r in streams.get_records(ShardIterator=open_after_d)["Records"]] == ["e", "f"]
    _put(dynamodb, "g")
    after = _read(streams, arn, ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=before[-1][1])
    assert after == [("g", str(int(before[-1][1]) + 1))], "the next record gets the number it would have had"

    assert moto_patches.forget_stream_records(arn, _shard(streams, arn), int(before[2][1])) == 0, "already forgotten"
    assert moto_patches.forget_stream_records(arn, "shardId-other", int(after[0][1])) == 0, "another shard"
    assert moto_patches.forget_stream_records(arn, _shard(streams, arn), int(after[0][1]) + 50) == 3, "no further than held"
    assert _held() == 0 and _read(streams, arn, ShardIteratorType="TRIM_HORIZON") == []
    _put(dynamodb, "h")
    assert _read(streams, arn, ShardIteratorType="TRIM_HORIZON") == [("h", str(int(after[0][1]) + 1))]


def test_shard_iterators_are_bounded_and_the_latest_still_read(stream: tuple[Any, Any, str], monkeypatch: pytest.MonkeyPatch) -> None:
    dynamodb, streams, arn = stream
    monkeypatch.setattr(moto_patches, "SHARD_ITERATORS_KEPT", 20)
    _put(dynamodb, "a")
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=_shard(streams, arn), ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    for _ in range(60):  # an idle poller: each empty GetRecords hands out a new iterator
        iterator = streams.get_records(ShardIterator=iterator)["NextShardIterator"]
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    assert len(dynamodbstreams_backends[ACCOUNT][REGION].shard_iterators) == 20
    _put(dynamodb, "b")
    assert [r["dynamodb"]["Keys"]["SK"]["S"] for r in streams.get_records(ShardIterator=iterator)["Records"]] == ["b"]


class _Streams:
    """A DynamoDB Streams client over a list of (sequence number, key) records, one shard, for the pollers."""

    def __init__(self, records: list[int]) -> None:
        self.records = records

    def describe_stream(self, **_: Any) -> dict[str, Any]:
        return {"StreamDescription": {"Shards": [{"ShardId": "s1"}]}}

    def get_shard_iterator(self, **_: Any) -> dict[str, Any]:
        return {"ShardIterator": "0"}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        start = int(ShardIterator)
        batch = self.records[start:start + 2]
        return {"NextShardIterator": str(start + len(batch)), "Records": [
            {"eventName": "INSERT", "dynamodb": {"Keys": {"SK": {"S": f"k{n}"}}, "SequenceNumber": str(n)}} for n in batch]}


def test_records_are_forgotten_once_every_poller_of_the_stream_has_read_them() -> None:
    forgotten: list[tuple[str, int]] = []
    retention = StreamRetention(lambda shard, through: forgotten.append((shard, through)))
    delivered: list[int] = []
    fast, slow = (StreamPoller(StreamTrigger(name, "T"), "arn", _Streams([10, 11, 12, 13, 14]),
                               lambda _, event: delivered.append(len(event["Records"])), retention=retention)
                  for name in ("Fast", "Slow"))
    for _ in range(3):
        fast.poll_once()
    assert forgotten == [], "the slow poller has read nothing yet"
    slow.poll_once()
    assert forgotten == [("s1", 11)], "what both have read"
    slow.poll_once()
    slow.poll_once()
    assert forgotten == [("s1", 11), ("s1", 13), ("s1", 14)]
    assert sum(delivered) == 10, "each poller delivered every record"
