"""One project's view of the single table: consistent reads, Queries, single writes, labelled transactions.
Domain stores build on it; every key it is given comes from `db.keys`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from loyalty.db import clients
from loyalty.db.codec import check_item_size, from_item, serialize, to_item
from loyalty.db.keys import (
    GSI1,
    PENDING_INDEX,
    PENDING_REMOVE,
    PENDING_SK,
    PROJECTS_PARTITION,
    SWEEP_RESUME,
    Key,
    Keys,
    key_names,
    pending_before,
    pending_moved,
)
from loyalty.db.transact import Transaction

Item = dict[str, Any]


class ConditionFailed(Exception):
    """A single-item write whose condition did not hold (nothing was written)."""


def _conditional(call: Any, **kw: Any) -> None:
    """Run one single-item write; a failed condition becomes ConditionFailed."""
    try:
        call(**kw)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise ConditionFailed() from None
        raise


class Table:
    """Project-scoped access to the table: every key it builds (through `keys`) starts with the project id."""

    def __init__(self, project_id: str, table_name: str, *, cursor_secret: str, cursor_ttl_seconds: int = 3600,
                 client: Any = None, source: dict[str, Any] | None = None) -> None:
        self.project_id = project_id
        self.source = source or {"channel": "INTERNAL"}  # who makes the changes: the activities' `source`
        self.name = table_name
        self.keys = Keys(project_id)
        self._client = client
        self.secret = cursor_secret
        self.cursor_ttl = cursor_ttl_seconds

    @property
    def client(self) -> Any:
        """The DynamoDB client: the one given, else the project's own (tenant-role credentials scoped to this project when
        the function names a tenant role; `clients.for_project`)."""
        return self._client or clients.for_project(self.project_id)

    # ------------------------------------------------------------------ reads
    def get(self, key: Key) -> Item | None:
        """One item (strongly consistent), or None."""
        resp = self.client.get_item(TableName=self.name, Key=key.ddb(), ConsistentRead=True)
        item = resp.get("Item")
        return from_item(item) if item else None

    def get_many(self, keys: list[Key]) -> list[Item]:
        """The items that exist among `keys` (BatchGetItem, 100 keys a call, unprocessed keys retried)."""
        found: list[Item] = []
        pending = [k.ddb() for k in dict.fromkeys(keys)]
        while pending:
            request: dict[str, Any] = {self.name: {"Keys": pending[:100], "ConsistentRead": True}}
            pending = pending[100:]
            while request:
                resp = self.client.batch_get_item(RequestItems=request)
                found += [from_item(raw) for raw in resp.get("Responses", {}).get(self.name, [])]
                request = resp.get("UnprocessedKeys") or {}
        return found

    def query(self, partition: str, **kw: Any) -> tuple[list[Item], dict[str, Any] | None]:
        """One Query of a base-table partition (consistent unless told otherwise); returns (items, LastEvaluatedKey)."""
        resp = self.client.query(
            TableName=self.name,
            KeyConditionExpression=kw.pop("key_condition", "PK = :pk"),
            ExpressionAttributeValues={":pk": serialize(partition), **kw.pop("extra_values", {})},
            **{"ConsistentRead": True, **kw},
        )
        return [from_item(i) for i in resp.get("Items", [])], resp.get("LastEvaluatedKey")

    def query_all(self, partition: str, sk_prefix: str = "") -> list[Item]:
        """Every item of a base-table partition (whose sort key starts with `sk_prefix`), in sort-key order, page by page."""
        kw: dict[str, Any] = ({"key_condition": "PK = :pk AND begins_with(SK, :pre)", "extra_values": {":pre": serialize(sk_prefix)}}
                              if sk_prefix else {})
        return self._every_page(partition, kw)

    def query_between(self, partition: str, low: str, high: str) -> list[Item]:
        """Every item of a base-table partition whose sort key is between `low` and `high` (inclusive), in order, page by page."""
        return self._every_page(partition, {"key_condition": "PK = :pk AND SK BETWEEN :a AND :b",
                                            "extra_values": {":a": serialize(low), ":b": serialize(high)}})

    def _every_page(self, partition: str, kw: dict[str, Any]) -> list[Item]:
        items: list[Item] = []
        start: dict[str, Any] | None = None
        while True:
            page, start = self.query(partition, **({**kw, "ExclusiveStartKey": start} if start else kw))
            items += page
            if not start:
                return items

    def query_list_below(self, collection_pk: str, below: str, limit: int,
                         start: dict[str, Any] | None = None) -> tuple[list[Item], dict[str, Any] | None]:
        """A page of a GSI1 list whose sort keys sort before `below` (eventually consistent, as every index read)."""
        kw: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
        resp = self.client.query(TableName=self.name, IndexName=GSI1, KeyConditionExpression="GSI1PK = :pk AND GSI1SK < :below",
                                 ExpressionAttributeValues={":pk": {"S": collection_pk}, ":below": {"S": below}}, Limit=limit, **kw)
        return [from_item(i) for i in resp.get("Items", [])], resp.get("LastEvaluatedKey")
    def count(self, partition: str, *, index: str | None = None) -> int:
        """How many items a partition of the table (or of an index) holds: Queries with Select=COUNT, one per MB read."""
        pk, _ = key_names(index)
        kw: dict[str, Any] = {"TableName": self.name, "Select": "COUNT", "KeyConditionExpression": f"{pk} = :pk",
                              "ExpressionAttributeValues": {":pk": serialize(partition)}}
        if index:
            kw["IndexName"] = index
        total = 0
        while True:
            resp = self.client.query(**kw)
            total += int(resp.get("Count", 0))
            if "LastEvaluatedKey" not in resp:
                return total
            kw["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    # ------------------------------------------------------------------ writes
    def transaction(self) -> Transaction:
        """A new labelled transaction on this table."""
        return Transaction(self.client, self.name)

    def put(self, key: Key, attrs: Item, *, condition: str | None = "attribute_not_exists(PK)") -> None:
        """Write one item (by default only if it does not exist yet); ConditionFailed when the condition does not hold."""
        kw: dict[str, Any] = {"TableName": self.name, "Item": check_item_size(to_item({**key.attrs(), **attrs}))}
        if condition:
            kw["ConditionExpression"] = condition
        _conditional(self.client.put_item, **kw)

    def update(self, key: Key, expression: str, *, condition: str | None = "attribute_exists(PK)",
               names: dict[str, str] | None = None, values: dict[str, Any] | None = None) -> None:
        """Update one item (by default only if it exists); ConditionFailed when the condition does not hold."""
        kw: dict[str, Any] = {"TableName": self.name, "Key": key.ddb(), "UpdateExpression": expression}
        if condition:
            kw["ConditionExpression"] = condition
        if names:
            kw["ExpressionAttributeNames"] = names
        if values:
            kw["ExpressionAttributeValues"] = {f":{k}": serialize(v) for k, v in values.items()}
        _conditional(self.client.update_item, **kw)


def read_registry(client: Any, table: str) -> tuple[list[str], str | None]:
    """Every registered project id (a Query of the registry partition, page by page) and where the last unfinished
    sweep asked the next one to start (None when no sweep ran out of time)."""
    projects: list[str] = []
    resume: str | None = None
    kwargs: dict[str, Any] = {"TableName": table, "KeyConditionExpression": "PK = :pk",
                              "ExpressionAttributeValues": {":pk": {"S": PROJECTS_PARTITION}}, "ProjectionExpression": "SK, #n",
                              "ExpressionAttributeNames": {"#n": "next"}}
    while True:
        resp = client.query(**kwargs)
        for raw in resp.get("Items", []):
            if raw["SK"]["S"] == SWEEP_RESUME.sk:
                resume = raw.get("next", {}).get("S")
            else:
                projects.append(raw["SK"]["S"])
        if "LastEvaluatedKey" not in resp:
            return projects, resume
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


SCAN_PAGE = 1000
"""Items a Scan reads per page: without a Limit, DynamoDB Local reads the whole table into its heap before applying the
1 MB page cut (a 60,000-item table exhausts its 128 MB heap); DynamoDB itself bills the same either way."""


def projects_holding_keys(client: Any, table: str) -> list[str]:
    """Every project that holds an API key item, found by a Scan of the whole table (the operator's one-off backfill of the
    registry for keys written before it existed; no function's role may Scan)."""
    found: set[str] = set()
    kwargs: dict[str, Any] = {"TableName": table, "FilterExpression": "attribute_exists(token_hash) AND attribute_exists(project_id)",
                              "ProjectionExpression": "project_id", "Limit": SCAN_PAGE}
    while True:
        resp = client.scan(**kwargs)
        found.update(raw["project_id"]["S"] for raw in resp.get("Items", []))
        if "LastEvaluatedKey" not in resp:
            return sorted(found)
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


def record_sweep_resume(client: Any, table: str, project: str) -> None:
    """Ask the next sweep to start with `project` (this one ran out of time before reaching it)."""
    client.put_item(TableName=table, Item={**SWEEP_RESUME.ddb(), "next": {"S": project}})


@dataclass(frozen=True)
class PendingJob:
    """One entry of the PendingJobs index: the item carrying the marker, its JOBSK as read, and the stored job body."""

    key: Key
    sort_key: str
    body: str


class PendingJobs:
    """One project's entries in the sparse PendingJobs index, as the sweeper reads and moves them."""

    def __init__(self, project_id: str, table_name: str, client: Any, writer: Any = None) -> None:
        self.keys = Keys(project_id)
        self.name = table_name
        self.client = client  # reads the index (the sweeper's own role may Query `<project>#PENDING` of any project)
        self.writer = writer or client  # moves the project's job items (with IAM: a session of the project's tenant role)

    def due(self, before_ms: int, limit: int, start: dict[str, Any] | None = None) -> tuple[list[PendingJob], dict[str, Any] | None]:
        """Up to `limit` of the project's jobs whose wait began before `before_ms`, oldest first (one Query of the index:
        `JOBPK = <project>#PENDING AND JOBSK < bound`), and where the next page starts (None after the last)."""
        kwargs: dict[str, Any] = {
            "TableName": self.name, "IndexName": PENDING_INDEX, "Limit": limit,
            "KeyConditionExpression": "JOBPK = :p AND JOBSK < :t",
            "ExpressionAttributeValues": {":p": {"S": self.keys.pending_partition()}, ":t": {"S": pending_before(before_ms)}},
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        resp = self.client.query(**kwargs)
        prefix = f"{self.keys.project}#"
        jobs = [PendingJob(Key(raw["PK"]["S"], raw["SK"]["S"]), raw[PENDING_SK]["S"], raw["job"]["S"])
                for raw in resp.get("Items", [])]
        assert all(job.key.pk.startswith(prefix) for job in jobs), "an index entry outside the project"
        return jobs, resp.get("LastEvaluatedKey")

    def move(self, job: PendingJob, ms: int, body: str) -> PendingJob | None:
        """Store the job's next body and restart its wait at `ms` (one UpdateItem, on condition that its JOBSK is still
        the one read: a job settled or moved meanwhile is left alone, and None is returned)."""
        moved = PendingJob(job.key, pending_moved(job.sort_key, ms), body)
        return moved if self._set(job, moved) else None

    def put_back(self, moved: PendingJob, original: PendingJob) -> bool:
        """Undo `move` (the re-send it was for could not be sent), unless the job changed since."""
        return self._set(moved, original)

    def drop(self, job: PendingJob) -> bool:
        """Take the item out of the index (one UpdateItem, only while its JOBSK is still the one read)."""
        return self._update_if_unmoved(job, PENDING_REMOVE, {})

    def _set(self, was: PendingJob, now: PendingJob) -> bool:
        return self._update_if_unmoved(was, "SET JOBSK = :sk, job = :job", {":sk": {"S": now.sort_key}, ":job": {"S": now.body}})

    def _update_if_unmoved(self, job: PendingJob, expression: str, values: dict[str, Any]) -> bool:
        """One UpdateItem of the job's item, only while its JOBSK is still the one read; False when it moved or settled."""
        try:
            _conditional(self.writer.update_item, TableName=self.name, Key=job.key.ddb(), UpdateExpression=expression,
                         ConditionExpression="JOBSK = :was", ExpressionAttributeValues={**values, ":was": {"S": job.sort_key}})
        except ConditionFailed:
            return False
        return True
