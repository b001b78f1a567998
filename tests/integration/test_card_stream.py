"""The integration stack's stream: `stack.drain()` delivers each card change of the table once to the card-change
function (ProcessCardChangesFunction's trigger: card items only), and nothing else."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.db.keys import CARD_SK_PREFIX
from tests import support
from tests.integration.conftest import Stack


@pytest.fixture
def delivered(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The events the stream drain hands to functions/process_card_changes/ (the function still runs)."""
    events: list[dict[str, Any]] = []
    real = support.invoke

    def spy(name: str, event: dict[str, Any]) -> dict[str, Any]:
        if name == "process_card_changes":
            events.append(event)
        return real(name, event)

    monkeypatch.setattr(support, "invoke", spy)
    return events


def _put(stack: Stack, pk: str, sk: str, **extra: Any) -> None:
    stack.ddb.put_item(TableName=support.TABLE, Item={"PK": {"S": pk}, "SK": {"S": sk}, **extra})


def test_drain_delivers_each_card_change_once_and_only_card_changes(stack: Stack, delivered: list[dict[str, Any]]) -> None:
    _put(stack, "acme#MBR#m1", f"{CARD_SK_PREFIX}c1")
    _put(stack, "acme#MBR#m1", "MEMBER")
    stack.ddb.transact_write_items(TransactItems=[
        {"Update": {"TableName": support.TABLE, "Key": {"PK": {"S": "acme#MBR#m1"}, "SK": {"S": f"{CARD_SK_PREFIX}c1"}},
                    "UpdateExpression": "SET points = :p", "ExpressionAttributeValues": {":p": {"N": "5"}}}},
        {"Put": {"TableName": support.TABLE, "Item": {"PK": {"S": "acme#CUST#x"}, "SK": {"S": "CUSTOMER"}}}},
    ])
    stack.drain()
    records = [r for e in delivered for r in e["Records"]]
    assert [(r["eventName"], r["dynamodb"]["Keys"]["SK"]["S"]) for r in records] == [
        ("INSERT", f"{CARD_SK_PREFIX}c1"), ("MODIFY", f"{CARD_SK_PREFIX}c1")]
    assert records[1]["dynamodb"]["OldImage"].get("points") is None and records[1]["dynamodb"]["NewImage"]["points"] == {"N": "5"}
    assert all(r["eventSource"] == "aws:dynamodb" and f":table/{support.TABLE}/stream/" in r["eventSourceARN"] for r in records)
    delivered.clear()
    stack.drain()
    assert delivered == [], "a record is delivered once"
    _put(stack, "acme#MBR#m1", f"{CARD_SK_PREFIX}c2")
    stack.drain()
    assert [r["dynamodb"]["Keys"]["SK"]["S"] for e in delivered for r in e["Records"]] == [f"{CARD_SK_PREFIX}c2"]


def test_a_failed_transaction_leaves_no_stream_record(stack: Stack, delivered: list[dict[str, Any]]) -> None:
    """A failed transaction is rolled back item by item and drops the stream records it appended (local/moto_patches.py),
    so the rolled-back writes leave none."""
    _put(stack, "acme#MBR#m1", f"{CARD_SK_PREFIX}c1")
    stack.drain()
    delivered.clear()
    with pytest.raises(stack.ddb.exceptions.TransactionCanceledException):
        stack.ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": support.TABLE, "Item": {"PK": {"S": "acme#MBR#m1"}, "SK": {"S": f"{CARD_SK_PREFIX}c2"}}}},
            {"ConditionCheck": {"TableName": support.TABLE, "Key": {"PK": {"S": "acme#MBR#m1"}, "SK": {"S": f"{CARD_SK_PREFIX}c1"}},
                                "ConditionExpression": "attribute_not_exists(PK)"}},
        ])
    _put(stack, "acme#MBR#m1", f"{CARD_SK_PREFIX}c3")
    stack.drain()
    assert [r["dynamodb"]["Keys"]["SK"]["S"] for e in delivered for r in e["Records"]] == [f"{CARD_SK_PREFIX}c3"]
