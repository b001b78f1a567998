"""One TransactWriteItems built from labelled items: a refused condition comes back as the labels that failed, never positions."""

from __future__ import annotations

import random
import time
from typing import Any, Self

from botocore.exceptions import ClientError

from loyalty.core.errors import LoyaltyError, invalid_payload
from loyalty.db.codec import check_item_size, item_size, serialize, to_item
from loyalty.db.errors import throttled_transaction
from loyalty.db.keys import Key

CONTENTION_RETRIES = 6
MAX_ITEMS = 100  # DynamoDB's limit per TransactWriteItems
MAX_TRANSACTION_BYTES = 4 * 1024 * 1024


class TransactionConflict(Exception):
    """A conditional write was refused: `failed` holds the labels of the items whose condition failed."""

    def __init__(self, reasons: list[tuple[str, str]]) -> None:
        self.reasons = reasons
        self.failed_labels = [label for label, code in reasons if code == "ConditionalCheckFailed"]
        super().__init__(f"conditional write refused: {self.failed_labels or [code for _, code in reasons]}")

    def failed(self, label: str) -> bool:
        """True when an item labelled `label` failed its condition."""
        return label in self.failed_labels


def _expression(kw: dict[str, Any], names: dict[str, str] | None, values: dict[str, Any] | None) -> dict[str, Any]:
    if names:
        kw["ExpressionAttributeNames"] = names
    if values:
        kw["ExpressionAttributeValues"] = {f":{k}": serialize(v) for k, v in values.items()}
    return kw


class Transaction:
    """Items for one TransactWriteItems on one table; each item carries a label naming what it is for."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table
        self._items: list[tuple[str, dict[str, Any]]] = []

    def __len__(self) -> int:
        return len(self._items)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The TransactItems this transaction will send (a bulk loader can reuse the item shapes without sending them)."""
        return [item for _, item in self._items]

    @property
    def labels(self) -> list[str]:
        """The labels in the order the items were added."""
        return [label for label, _ in self._items]

    def _add(self, label: str, op: str, spec: dict[str, Any]) -> Self:
        self._items.append((label, {op: {"TableName": self._table, **spec}}))
        return self

    def put(self, label: str, key: Key, attrs: dict[str, Any], *, condition: str | None = "attribute_not_exists(PK)",
            names: dict[str, str] | None = None, values: dict[str, Any] | None = None) -> Self:
        """Write a whole item (by default only if it does not exist yet). None attributes are left out."""
        spec: dict[str, Any] = {"Item": check_item_size(to_item({**key.attrs(), **attrs}))}
        if condition:
            spec["ConditionExpression"] = condition
        return self._add(label, "Put", _expression(spec, names, values))

    def update(self, label: str, key: Key, expression: str, *, condition: str | None = "attribute_exists(PK)",
               names: dict[str, str] | None = None, values: dict[str, Any] | None = None) -> Self:
        """Update an item (by default only if it exists)."""
        spec: dict[str, Any] = {"Key": key.ddb(), "UpdateExpression": expression}
        if condition:
            spec["ConditionExpression"] = condition
        return self._add(label, "Update", _expression(spec, names, values))

    def check(self, label: str, key: Key, condition: str, *, names: dict[str, str] | None = None,
              values: dict[str, Any] | None = None) -> Self:
        """Require a condition on an item without writing it."""
        return self._add(label, "ConditionCheck", _expression({"Key": key.ddb(), "ConditionExpression": condition}, names, values))

    def delete(self, label: str, key: Key, *, condition: str | None = None, names: dict[str, str] | None = None,
               values: dict[str, Any] | None = None) -> Self:
        """Delete an item (optionally only under a condition)."""
        spec: dict[str, Any] = {"Key": key.ddb()}
        if condition:
            spec["ConditionExpression"] = condition
        return self._add(label, "Delete", _expression(spec, names, values))

    def commit(self) -> None:
        """Run the transaction. A failed condition raises TransactionConflict; a transaction cancelled only because
        another one held an item at the same moment wrote nothing, so it is retried (with jittered backoff)."""
        if not self._items:
            return
        if len(self._items) > MAX_ITEMS:
            raise ValueError(f"a transaction holds at most {MAX_ITEMS} items, not {len(self._items)}")
        total = sum(item_size(item["Put"]["Item"]) for item in self.requests if "Put" in item)
        if total > MAX_TRANSACTION_BYTES:
            raise invalid_payload(f"The change would write {total // 1024} KB, more than the {MAX_TRANSACTION_BYTES // 1024} KB one "
                                  "transaction can hold; send less data")
        items = self.requests
        for attempt in range(CONTENTION_RETRIES + 1):
            try:
                self._client.transact_write_items(TransactItems=items)
                return
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                codes = [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]
            reasons = list(zip(self.labels, codes, strict=False))
            busy = None if "ConditionalCheckFailed" in codes else throttled_transaction(codes)
            if busy is not None:
                raise busy
            if "ConditionalCheckFailed" in codes or "TransactionConflict" not in codes:
                raise TransactionConflict(reasons)
            if attempt < CONTENTION_RETRIES:
                time.sleep(random.uniform(0.005, 0.02) * (2**attempt))
        raise LoyaltyError(409, "concurrent_modification", "Concurrent modification",
                           "The resource is being modified by another request; retry the request")
