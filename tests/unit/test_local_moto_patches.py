"""local/moto_patches.py: moto's TransactWriteItems with item-sized rollbacks, compared against moto's own method on fresh
backends; its cost against the table's size; its atomicity through the running server under 20 threads."""

from __future__ import annotations

import copy
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import moto
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.dynamodb.models import DynamoDBBackend

from local import moto_patches
from local.backends import _moto_server, _url

ROOT = Path(__file__).resolve().parents[2]
TABLE = "t"

moto_patches.install()
ORIGINAL = moto_patches.original_transact_write_items
assert ORIGINAL is not None


GSI1: dict[str, Any] = {"IndexName": "GSI1", "Projection": {"ProjectionType": "ALL"}, "KeySchema": [
    {"AttributeName": "GSI1PK", "KeyType": "HASH"}, {"AttributeName": "GSI1SK", "KeyType": "RANGE"}]}


def _backend(items: int = 0, stream: bool = True, gsi: bool = False) -> Any:
    """A fresh in-process DynamoDB backend with a PK/SK table (a NEW_AND_OLD_IMAGES stream; GSI1 if `gsi`, which every
    item of the filling joins, 100 lists of GSI1PK) holding `items` items."""
    backend = DynamoDBBackend("us-east-1", "123456789012")
    backend.create_table(
        TABLE, schema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        throughput=None, attr=[{"AttributeName": a, "AttributeType": "S"} for a in ("PK", "SK", "GSI1PK", "GSI1SK")[:4 if gsi else 2]],
        global_indexes=[copy.deepcopy(GSI1)] if gsi else None, indexes=None,
        streams={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"} if stream else None,
        billing_mode="PAY_PER_REQUEST", sse_specification=None, tags=[], deletion_protection_enabled=False,
        warm_throughput=None)
    for i in range(items):
        backend.put_item(TABLE, {"PK": {"S": f"p{i % 100}"}, "SK": {"S": f"s{i}"}, "n": {"N": "1"}, "pad": {"S": "x" * 200},
                                 **({"GSI1PK": {"S": f"list{i % 100}"}, "GSI1SK": {"S": f"{i:08d}"}} if gsi else {})})
    backend.put_item(TABLE, {"PK": {"S": "a"}, "SK": {"S": "1"}, "n": {"N": "5"}, "tag": {"S": "old"}})
    backend.put_item(TABLE, {"PK": {"S": "a"}, "SK": {"S": "2"}, "n": {"N": "0"}})
    backend.put_item(TABLE, {"PK": {"S": "a"}, "SK": {"S": "3"}, "tag": {"S": "old"}})
    backend.put_item(TABLE, {"PK": {"S": "a"}, "SK": {"S": "4"}, "n": {"N": "1"}})
    return backend


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def _state(backend: Any) -> tuple[list[Any], list[Any]]:
    """(the table's items, its stream records) as JSON, comparable across backends."""
    table = backend.get_table(TABLE)
    items = sorted((i.to_json() for i in table.all_items()), key=repr)
    records = [{k: v for k, v in copy.deepcopy(r.to_json()).items() if k != "eventID"} for r in table.stream_shard.items]
    for r in records:
        r["dynamodb"].pop("ApproximateCreationDateTime", None)
        r["dynamodb"].pop("SizeBytes")  # it counts the creation time's digits
    return items, records


def _outcome(method: Callable[..., None], transact_items: list[dict[str, Any]]) -> tuple[Any, Any, Any]:
    """(error type and body or None, items, stream records) after `method` ran the transaction on a fresh backend."""
    backend = _backend()
    try:
        method(backend, copy.deepcopy(transact_items))
        error = None
    except Exception as e:  # noqa: BLE001 - compared below
        error = (type(e).__name__, getattr(e, "description", str(e)))
    return (error, *_state(backend))


PUT_NEW = {"Put": {"TableName": TABLE, "Item": {**_key("b", "1"), "v": {"S": "new"}}}}
UPDATE_OK = {"Update": {"TableName": TABLE, "Key": _key("a", "2"), "UpdateExpression": "SET n = n + :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}}
DELETE_OK = {"Delete": {"TableName": TABLE, "Key": _key("a", "3")}}
CHECK_OK = {"ConditionCheck": {"TableName": TABLE, "Key": _key("a", "1"), "ConditionExpression": "attribute_exists(PK)"}}
CHECK_FAILS = {"ConditionCheck": {"TableName": TABLE, "Key": _key("a", "1"), "ConditionExpression": "n > :ten",
                                  "ExpressionAttributeValues": {":ten": {"N": "10"}}}}
CHECK_FAILS_ALL_OLD = {"ConditionCheck": {**CHECK_FAILS["ConditionCheck"], "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}
UPDATE_FAILS_ALL_OLD = {"Update": {**UPDATE_OK["Update"], "ConditionExpression": "attribute_not_exists(PK)",
                                   "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}
PUT_FAILS_NO_ITEM_ALL_OLD = {"Put": {**PUT_NEW["Put"], "ConditionExpression": "attribute_exists(PK)",
                                     "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}
DELETE_FAILS = {"Delete": {"TableName": TABLE, "Key": _key("a", "3"), "ConditionExpression": "tag = :t",
                           "ExpressionAttributeValues": {":t": {"S": "other"}}}}
UPDATE_INVALID = {"Update": {"TableName": TABLE, "Key": _key("a", "4"), "UpdateExpression": "SET n = qq + :one",
                             "ExpressionAttributeValues": {":one": {"N": "1"}}}}
NO_TABLE = {"Put": {"TableName": "nope", "Item": _key("z", "1")}}

CASES = {
    "put, update, delete, condition check: all applied": [PUT_NEW, UPDATE_OK, CHECK_OK, {
        "Delete": {"TableName": TABLE, "Key": _key("a", "9")}}],
    "delete applied": [DELETE_OK, PUT_NEW],
    "a failed condition check cancels the writes before it": [PUT_NEW, UPDATE_OK, CHECK_FAILS],
    "a failed condition check with ALL_OLD": [PUT_NEW, CHECK_FAILS_ALL_OLD],
    "a failed update condition with ALL_OLD, later items still checked": [UPDATE_FAILS_ALL_OLD, PUT_NEW, DELETE_FAILS],
    "ALL_OLD on a missing item": [UPDATE_OK, PUT_FAILS_NO_ITEM_ALL_OLD],
    "a failed delete condition": [DELETE_FAILS, UPDATE_OK],
    "two operations on one item": [UPDATE_OK, PUT_NEW, {"Delete": {"TableName": TABLE, "Key": _key("b", "1")}}],
    "two operations on one item after a failed condition": [CHECK_FAILS, PUT_NEW, {"Put": copy.deepcopy(PUT_NEW["Put"])}],
    "a validation error mid-apply rolls back the earlier items and their stream records": [PUT_NEW, UPDATE_OK, UPDATE_INVALID],
    "a validation error after a failed condition": [CHECK_FAILS, PUT_NEW, UPDATE_INVALID],
    "a missing table is a reason": [PUT_NEW, NO_TABLE],
    "an unsupported operation is a reason": [PUT_NEW, {"Get": {"TableName": TABLE, "Key": _key("a", "1")}}],
}


@pytest.mark.parametrize("transact_items", CASES.values(), ids=CASES.keys())
def test_same_outcome_as_moto(transact_items: list[dict[str, Any]]) -> None:
    """Errors, cancellation reasons (ALL_OLD items included), items and stream records equal moto's own method's."""
    ours = _outcome(moto_patches._transact_write_items, transact_items)
    assert ours == _outcome(ORIGINAL, transact_items)


def test_a_cancelled_transaction_writes_nothing() -> None:
    backend = _backend()
    before = _state(backend)
    with pytest.raises(Exception, match=r"Transaction cancelled") as info:
        moto_patches._transact_write_items(backend, [PUT_NEW, UPDATE_OK, DELETE_OK, CHECK_FAILS_ALL_OLD])
    assert '"Code": "ConditionalCheckFailed"' in info.value.description  # type: ignore[attr-defined]
    assert _state(backend) == before
    with pytest.raises(Exception, match="attribute that does not exist"):
        moto_patches._transact_write_items(backend, [PUT_NEW, UPDATE_OK, DELETE_OK, UPDATE_INVALID])
    assert _state(backend) == before
    assert backend.get_table(TABLE).get_item(*backend.get_keys_value(backend.get_table(TABLE), _key("b", "1"))) is None


def test_an_item_naming_two_operations_undoes_the_items_before_it() -> None:
    """The one deliberate difference: moto keeps the items before such an item applied; DynamoDB (and this) rejects all."""
    backend = _backend()
    before = _state(backend)
    with pytest.raises(Exception, match="TransactItems can only contain one of"):
        moto_patches._transact_write_items(backend, [PUT_NEW, {**UPDATE_OK, **DELETE_OK}])
    assert _state(backend) == before


def test_a_transaction_costs_the_same_on_a_small_and_a_large_table() -> None:
    """10-item transactions on 200 vs 20,000 items: the same time (moto's own method copies the table per item, ~100x)."""
    def per_transaction(items: int) -> float:
        backend = _backend(items)
        rounds = []
        for r in range(5):
            started = time.perf_counter()
            for t in range(10):
                moto_patches._transact_write_items(backend, [
                    {"Update": {"TableName": TABLE, "Key": _key(f"p{i}", f"s{i}"), "UpdateExpression": "SET n = n + :one",
                                "ConditionExpression": "attribute_exists(PK)", "ExpressionAttributeValues": {":one": {"N": "1"}}}}
                    for i in range(10)] if items >= 10 else [])
                del t
            rounds.append((time.perf_counter() - started) / 10)
            del r
        return min(rounds)

    small, large = per_transaction(200), per_transaction(20_000)
    assert large / small < 2, f"{small * 1000:.2f} ms per transaction on 200 items, {large * 1000:.2f} ms on 20,000"


def test_concurrent_conditional_increments_through_the_server_lose_nothing() -> None:
    """20 threads read a counter and write it +1 if unchanged (TransactWriteItems, with a log item) through the running
    server: every success counts once, no request gets a 5xx."""
    server = _moto_server()
    try:
        ddb = boto3.client("dynamodb", endpoint_url=_url(server), region_name="us-east-1", aws_access_key_id="test",
                           aws_secret_access_key="test",
                           config=Config(retries={"max_attempts": 1}, max_pool_connections=32))
        ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
                         AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"},
                                               {"AttributeName": "SK", "AttributeType": "S"}],
                         StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        ddb.put_item(TableName=TABLE, Item={**_key("c", "c"), "n": {"N": "0"}})
        lock = threading.Lock()
        wins: list[str] = []
        other_errors: list[str] = []

        def client(worker: int) -> None:
            for attempt in range(15):
                n = ddb.get_item(TableName=TABLE, Key=_key("c", "c"), ConsistentRead=True)["Item"]["n"]["N"]
                try:
                    ddb.transact_write_items(TransactItems=[
                        {"Update": {"TableName": TABLE, "Key": _key("c", "c"), "UpdateExpression": "SET n = :new",
                                    "ConditionExpression": "n = :old",
                                    "ExpressionAttributeValues": {":old": {"N": n}, ":new": {"N": str(int(n) + 1)}}}},
                        {"Put": {"TableName": TABLE, "Item": {**_key("log", f"{worker}-{attempt}"), "n": {"N": n}}}},
                    ])
                    with lock:
                        wins.append(n)
                except ClientError as exc:
                    if exc.response["Error"]["Code"] != "TransactionCanceledException":
                        with lock:
                            other_errors.append(f"{exc.response['ResponseMetadata']['HTTPStatusCode']} {exc}")

        with ThreadPoolExecutor(20) as pool:
            list(pool.map(client, range(20)))
        assert other_errors == []
        final = int(ddb.get_item(TableName=TABLE, Key=_key("c", "c"))["Item"]["n"]["N"])
        logs = ddb.query(TableName=TABLE, KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": {"S": "log"}},
                         ConsistentRead=True)["Items"]
        assert final == len(wins) == len(logs) > 0
        assert sorted(int(n) for n in wins) == list(range(final)), "each value of the counter was written once"
    finally:
        server.stop()


def test_install_is_idempotent_and_pinned() -> None:
    from moto.dynamodb.responses import DynamoHandler

    call_action, transact = DynamoHandler.call_action, DynamoDBBackend.transact_write_items
    moto_patches.install()
    assert DynamoHandler.call_action is call_action and DynamoDBBackend.transact_write_items is transact
    pin = re.search(r'"moto\[[^\]]*\]==([^"]+)"', (ROOT / "pyproject.toml").read_text())
    assert pin and pin.group(1) == moto_patches.MOTO_VERSION == moto.__version__
    assert moto_patches.fingerprint(ORIGINAL) == moto_patches.ORIGINAL_TRANSACT_SHA256, (
        "moto's TransactWriteItems changed: compare it with local/moto_patches.py's copy, then update the fingerprint")
    from moto.dynamodb.models.table import Table

    relied_on = {"DynamoDBBackend.transact_write_items": ORIGINAL, "DynamoDBBackend.update_item": moto_patches.original_update_item,
                 "Table.put_item": moto_patches.original_put_item, "Table.delete_item": Table.delete_item,
                 "Table.query": moto_patches.original_query, "Table.all_items": moto_patches.original_all_items,
                 "backends.list_of_moto_modules": moto_patches.original_list_of_moto_modules}
    assert set(relied_on) == set(moto_patches.ORIGINAL_SHA256)
    assert moto_patches.changed_methods(relied_on) == [], (  # type: ignore[arg-type]
        "moto changed a method local/moto_patches.py replaces or relies on: check the patch, then update ORIGINAL_SHA256")
    from moto import backends

    assert moto_patches.original_list_of_moto_modules is not None
    assert list(backends.list_of_moto_modules()) == list(moto_patches.original_list_of_moto_modules()), "listed once, the same"
    assert "dynamodb" in backends.list_of_moto_modules() and "sqs" in backends.list_of_moto_modules()


def _gsi_client() -> Any:
    """A boto3 client on an in-process moto (mock_aws must be active) with a PK/SK table and a GSI1 index."""
    ddb = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    ddb.create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("PK", "SK", "GSI1PK", "GSI1SK")],
        GlobalSecondaryIndexes=[copy.deepcopy(GSI1)])
    return ddb


QUERIES: list[dict[str, Any]] = [
    {"KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": {":p": {"S": "p3"}}},
    {"KeyConditionExpression": "PK = :p AND begins_with(SK, :s)", "ExpressionAttributeValues": {":p": {"S": "p3"}, ":s": {"S": "s1"}},
     "ScanIndexForward": False, "Limit": 4},
    {"KeyConditionExpression": "PK = :p AND SK BETWEEN :a AND :b", "FilterExpression": "n > :one",
     "ExpressionAttributeValues": {":p": {"S": "p4"}, ":a": {"S": "s10"}, ":b": {"S": "s60"}, ":one": {"N": "1"}}},
    {"KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": {":p": {"S": "nobody"}}},
    {"IndexName": "GSI1", "KeyConditionExpression": "GSI1PK = :l", "ExpressionAttributeValues": {":l": {"S": "list1"}}, "Limit": 5},
    {"IndexName": "GSI1", "KeyConditionExpression": "GSI1PK = :l AND GSI1SK > :k", "ExpressionAttributeValues": {
        ":l": {"S": "list2"}, ":k": {"S": "00000040"}}, "ScanIndexForward": False},
    {"IndexName": "GSI1", "KeyConditionExpression": "GSI1PK = :l", "ExpressionAttributeValues": {":l": {"S": "nolist"}}},
]


def _answers(ddb: Any) -> list[list[Any]]:
    """Every query of QUERIES, each read to the end page by page (its pages' items and LastEvaluatedKeys)."""
    out = []
    for query in QUERIES:
        pages, start = [], None
        while True:
            page = ddb.query(TableName=TABLE, **query, **({"ExclusiveStartKey": start} if start else {}))
            pages.append((page["Items"], page.get("LastEvaluatedKey")))
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        out.append(pages)
    return out


def test_a_narrowed_query_answers_as_moto_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """Base-table and index queries (conditions on the sort key, reverse order, filters, limits and paging, nothing found)
    answer the same with the narrowing as with moto's own Table.query and all_items; a query creates no empty partition."""
    from moto import mock_aws
    from moto.dynamodb.models.table import Table

    with mock_aws():
        ddb = _gsi_client()
        for i in range(300):
            item = {"PK": {"S": f"p{i % 7}"}, "SK": {"S": f"s{i}"}, "n": {"N": str(i % 3)}}
            if i % 2:
                item.update({"GSI1PK": {"S": f"list{i % 3}"}, "GSI1SK": {"S": f"{i:08d}"}})
            ddb.put_item(TableName=TABLE, Item=item)
        narrowed = _answers(ddb)
        assert any(pages[0][0] for pages in narrowed) and any(len(pages) > 1 for pages in narrowed)
        monkeypatch.setattr(Table, "query", moto_patches.original_query)
        monkeypatch.setattr(Table, "all_items", moto_patches.original_all_items)
        assert _answers(ddb) == narrowed
        monkeypatch.undo()
        from moto.dynamodb.models import dynamodb_backends

        table = dynamodb_backends["123456789012"]["us-east-1"].get_table(TABLE)
        partitions = len(table.items)
        ddb.query(TableName=TABLE, KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": {"S": "absent"}})
        assert len(table.items) == partitions


def test_a_query_costs_the_same_on_a_small_and_a_large_table() -> None:
    """A Query of one partition on 200 vs 20,000 items: about the same time (moto's own lists and sorts the whole table)."""
    def per_query(items: int) -> float:
        backend = _backend(items)
        rounds = []
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(10):
                found, _count, _last = backend.query(TABLE, {"S": "a"}, None, [], None, None, True, None)
                assert len(found) == 4
            rounds.append((time.perf_counter() - started) / 10)
        return min(rounds)

    small, large = per_query(200), per_query(20_000)
    assert large / small < 3, f"{small * 1000:.2f} ms per query on 200 items, {large * 1000:.2f} ms on 20,000"


def test_an_index_query_costs_the_same_on_a_small_and_a_large_table() -> None:
    """A GSI Query of 4 items on 200 vs 20,000 items: about the same time (moto's own passes over every item per Query)."""
    def per_query(items: int) -> float:
        backend = _backend(items, stream=False, gsi=True)
        for i in range(4):
            backend.put_item(TABLE, {**_key("mine", f"{i}"), "GSI1PK": {"S": "mine"}, "GSI1SK": {"S": f"{i}"}})
        rounds = []
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(10):
                found, _count, _last = backend.query(TABLE, None, None, [], None, None, True, None, index_name="GSI1",
                                                     hash_key_conditions=[("GSI1PK", {"S": "mine"})])
                assert [i.attrs["SK"].value for i in found] == ["0", "1", "2", "3"]
            rounds.append((time.perf_counter() - started) / 10)
        return min(rounds)

    small, large = per_query(200), per_query(20_000)
    assert large / small < 3, f"{small * 1000:.2f} ms per index query on 200 items, {large * 1000:.2f} ms on 20,000"


LISTS = ("list0", "list1", "list2", "list3")


def _index_answers(ddb: Any, seed: int) -> list[Any]:
    """GSI1 queries of every list (and of one nobody holds), each read page by page to the end: small pages, both orders,
    a sort key condition, a filter and a projection; their pages' items and LastEvaluatedKeys."""
    queries: list[dict[str, Any]] = []
    for n, name in enumerate((*LISTS, "nolist")):
        values = {":l": {"S": name}}
        queries += [
            {"KeyConditionExpression": "GSI1PK = :l", "ExpressionAttributeValues": values, "Limit": 3 + (seed + n) % 4,
             "ScanIndexForward": bool((seed + n) % 2)},
            {"KeyConditionExpression": "GSI1PK = :l AND GSI1SK >= :k", "FilterExpression": "n > :one", "Limit": 4,
             "ProjectionExpression": "PK, SK, GSI1PK, GSI1SK, n", "ExpressionAttributeValues": {**values, ":k": {"S": "k3"},
                                                                                                  ":one": {"N": "1"}}},
        ]
    out = []
    for query in queries:
        pages, start = [], None
        while True:
            page = ddb.query(TableName=TABLE, IndexName="GSI1", **query, **({"ExclusiveStartKey": start} if start else {}))
            pages.append((page["Items"], page.get("LastEvaluatedKey"), page["Count"]))
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        out.append(pages)
    return out


def _random_item(rnd: Any, pk: str, sk: str) -> dict[str, Any]:
    """An item under this key, in a random list (or none), with a random GSI1SK (or none) and n."""
    item: dict[str, Any] = {**_key(pk, sk), "n": {"N": str(rnd.randrange(4))}}
    if rnd.random() < 0.8:
        item["GSI1PK"] = {"S": rnd.choice(LISTS)}
    if rnd.random() < 0.9:
        item["GSI1SK"] = {"S": f"k{rnd.randrange(6)}"}
    return item


def _random_update(rnd: Any, pk: str, sk: str) -> dict[str, Any]:
    """An UpdateItem's arguments (key, expression, values, sometimes a condition) moving, removing or keeping the item's list."""
    kind = rnd.randrange(5)
    values: dict[str, Any] = {":one": {"N": "1"}}
    if kind == 0:
        expression = "SET GSI1PK = :l, GSI1SK = :k, n = :one"
        values.update({":l": {"S": rnd.choice(LISTS)}, ":k": {"S": f"k{rnd.randrange(6)}"}})
    elif kind == 1:
        expression, values = "REMOVE GSI1PK", {}
    elif kind == 2:
        expression = "SET GSI1SK = :k REMOVE n"
        values = {":k": {"S": f"k{rnd.randrange(6)}"}}
    elif kind == 3:
        expression = "SET GSI1PK = :l ADD n :one"
        values.update({":l": {"S": rnd.choice(LISTS)}})
    else:
        expression = "SET n = :one"
    args: dict[str, Any] = {"Key": _key(pk, sk), "UpdateExpression": expression}
    if values:
        args["ExpressionAttributeValues"] = values
    if rnd.random() < 0.2:
        args["ConditionExpression"] = "attribute_exists(PK)"
    return args


def test_an_index_query_answers_as_moto_does_across_every_kind_of_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """A random sequence of PutItem, UpdateItem (moving an item to another list, removing its GSI1PK or GSI1SK, creating
    it), DeleteItem, BatchWriteItem, TransactWriteItems (applied and rolled back) and PartiQL updates on 60 keys: after
    every 15 writes, every GSI1 query (paged, both orders, sort key condition, filter, projection) answers as moto's own
    Table.query and all_items do."""
    import random

    from moto import mock_aws
    from moto.dynamodb.models.table import Table

    rnd = random.Random(12)
    keys = [(f"p{i % 6}", f"s{i}") for i in range(60)]
    with mock_aws():
        ddb = _gsi_client()
        for pk, sk in keys[:40]:
            ddb.put_item(TableName=TABLE, Item=_random_item(rnd, pk, sk))

        def compare(step: int) -> None:
            ours = _index_answers(ddb, step)
            with monkeypatch.context() as m:
                m.setattr(Table, "query", moto_patches.original_query)
                m.setattr(Table, "all_items", moto_patches.original_all_items)
                assert _index_answers(ddb, step) == ours, f"after {step} writes"

        compare(0)  # builds the GSI1PK map: the writes below keep it
        kinds = {"put": 0, "update": 0, "delete": 0, "batch": 0, "transact": 0, "rolled back": 0, "partiql": 0, "failed": 0}
        for step in range(1, 301):
            kind = rnd.choice(("put", "update", "update", "delete", "batch", "transact", "partiql"))
            pk, sk = rnd.choice(keys)
            try:
                if kind == "put":
                    ddb.put_item(TableName=TABLE, Item=_random_item(rnd, pk, sk))
                elif kind == "update":
                    ddb.update_item(TableName=TABLE, **_random_update(rnd, pk, sk))
                elif kind == "delete":
                    ddb.delete_item(TableName=TABLE, Key=_key(pk, sk))
                elif kind == "batch":
                    chosen = rnd.sample(keys, 6)
                    ddb.batch_write_item(RequestItems={TABLE: [
                        {"PutRequest": {"Item": _random_item(rnd, p, s)}} if rnd.random() < 0.6 else {"DeleteRequest": {"Key": _key(p, s)}}
                        for p, s in chosen]})
                elif kind == "partiql":
                    ddb.execute_statement(Statement=f"UPDATE \"{TABLE}\" SET GSI1PK='{rnd.choice(LISTS)}' WHERE PK='{pk}' AND SK='{sk}'")  # noqa: S608
                else:
                    chosen = rnd.sample(keys, 4)
                    ops: list[dict[str, Any]] = []
                    for p, s in chosen[:3]:
                        op = rnd.randrange(3)
                        ops.append({"Put": {"TableName": TABLE, "Item": _random_item(rnd, p, s)}} if op == 0 else
                                   {"Delete": {"TableName": TABLE, "Key": _key(p, s)}} if op == 1 else
                                   {"Update": {"TableName": TABLE, **_random_update(rnd, p, s)}})
                    if rnd.random() < 0.4:
                        ops.append({"ConditionCheck": {"TableName": TABLE, "Key": _key(*chosen[3]), "ConditionExpression": "n = :no",
                                                       "ExpressionAttributeValues": {":no": {"N": "99"}}}})
                    ddb.transact_write_items(TransactItems=ops)
                kinds[kind] += 1
            except ClientError as exc:
                kinds["rolled back" if kind == "transact" else "failed"] += 1
                assert exc.response["Error"]["Code"] in ("TransactionCanceledException", "ConditionalCheckFailedException"), exc
            if step % 15 == 0:
                compare(step)
        assert min(kinds.values()) > 0, kinds
