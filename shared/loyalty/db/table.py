"""One project's view of the single table: consistent reads, Queries, single writes, labelled transactions.
Domain stores build on it; every key it is given comes from `db.keys`."""

from __future__ import annotations

import json
from typing import Any

from loyalty.db import clients
from loyalty.db.codec import check_item_size, from_item, serialize, to_item
from loyalty.db.keys import PENDING_INDEX, Key, Keys, pending_before
from loyalty.db.transact import Transaction

Item = dict[str, Any]


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

    # ------------------------------------------------------------------ writes
    def transaction(self) -> Transaction:
        """A new labelled transaction on this table."""
        return Transaction(self.client, self.name)

    def put(self, key: Key, attrs: Item, *, condition: str | None = "attribute_not_exists(PK)") -> None:
        """Write one item (by default only if it does not exist yet)."""
        kw: dict[str, Any] = {"TableName": self.name, "Item": check_item_size(to_item({**key.attrs(), **attrs}))}
        if condition:
            kw["ConditionExpression"] = condition
        self.client.put_item(**kw)

    def update(self, key: Key, expression: str, *, condition: str | None = "attribute_exists(PK)",
               names: dict[str, str] | None = None, values: dict[str, Any] | None = None) -> None:
        """Update one item (by default only if it exists)."""
        kw: dict[str, Any] = {"TableName": self.name, "Key": key.ddb(), "UpdateExpression": expression}
        if condition:
            kw["ConditionExpression"] = condition
        if names:
            kw["ExpressionAttributeNames"] = names
        if values:
            kw["ExpressionAttributeValues"] = {f":{k}": serialize(v) for k, v in values.items()}
        self.client.update_item(**kw)


def scan_pending_jobs(client: Any, table: str, older_than_ms: int) -> list[dict[str, Any]]:
    """Every project's jobs still pending that were written before `older_than_ms` (Scan of the sparse PendingJobs index)."""
    jobs: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "TableName": table,
        "IndexName": PENDING_INDEX,
        "FilterExpression": "JOBSK < :t",
        "ExpressionAttributeValues": {":t": {"S": pending_before(older_than_ms)}},
    }
    while True:
        resp = client.scan(**kwargs)
        jobs += [json.loads(raw["job"]["S"]) for raw in resp.get("Items", [])]
        if "LastEvaluatedKey" not in resp:
            return jobs
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


