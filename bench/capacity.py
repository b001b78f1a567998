"""DynamoDB request units of recorded calls, computed from the sizes of the items they read and wrote.

DynamoDB Local's own ReturnConsumedCapacity cannot be used for transactions: it sums the sizes of all items of a
TransactWriteItems before rounding (three 100-byte puts are reported as 2 units, DynamoDB bills 6). The rules used here:

- item size = attribute names + values (strings in UTF-8 bytes, numbers ~1 byte per 2 digits + 1, maps/lists 3 bytes
  + 1 per element), as DynamoDB documents it;
- reads: 1 RRU per 4 KB (a Query/Scan sums its items first, GetItem/BatchGetItem round per item, minimum 1), half for
  eventually consistent reads;
- writes: 1 WRU per 1 KB per item (an update is sized by the item as it is now); in TransactWriteItems every action,
  ConditionCheck included, costs 2x;
- a GSI costs 1 WRU per 1 KB of projected item for each write that puts or changes the item in the index, or removes
  it (assumed not doubled by a transaction)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.calls import Call

Item = dict[str, Any]
Fetch = Callable[[Item], Item | None]  # key -> the item as it is now


@dataclass(frozen=True)
class Index:
    """A GSI: its key attributes and projected non-key attributes (None = ALL)."""

    name: str
    keys: tuple[str, ...]
    projected: tuple[str, ...] | None

    @classmethod
    def from_template(cls, table: dict[str, Any]) -> list[Index]:
        out = []
        for gsi in table.get("GlobalSecondaryIndexes") or []:
            projection = gsi.get("Projection") or {}
            keys = tuple(k["AttributeName"] for k in gsi["KeySchema"])
            kind = projection.get("ProjectionType", "ALL")
            projected = None if kind == "ALL" else tuple(projection.get("NonKeyAttributes") or ()) if kind == "INCLUDE" else ()
            out.append(cls(gsi["IndexName"], keys, projected))
        return out

    def projection(self, item: Item) -> Item | None:
        """The item as this index stores it, or None when the item is not in the index."""
        if not all(k in item for k in self.keys):
            return None
        if self.projected is None:
            return item
        return {k: v for k, v in item.items() if k in ("PK", "SK", *self.keys, *self.projected)}


def value_size(value: dict[str, Any]) -> int:
    """Bytes of one attribute value."""
    (kind, v), = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        digits = v.lstrip("-").replace(".", "").lstrip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(x) + 1 for k, x in v.items())
    if kind == "L":
        return 3 + sum(value_size(x) + 1 for x in v)
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: x}) for x in v)
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: Item) -> int:
    """Bytes of an item as DynamoDB bills it."""
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def _kb(item: Item | None) -> int:
    return max(1, math.ceil(item_size(item) / 1024)) if item else 1


def _reads(sizes: list[int], consistent: bool, per_item: bool) -> float:
    units = sum(max(1, math.ceil(s / 4096)) for s in sizes) if per_item else max(1, math.ceil(sum(sizes) / 4096))
    return float(units) if consistent else units / 2


class Capacity:
    """Request units of calls against one table with these indexes; `fetch` reads an item's current state."""

    def __init__(self, indexes: list[Index], fetch: Fetch) -> None:
        self.indexes = indexes
        self.fetch = fetch
        self._last_put: dict[str, int] = {}  # key -> size of the item as last written (an update bills max(before, after))

    def units(self, calls: list[Call]) -> tuple[float, float]:
        """(RRU, WRU) of DynamoDB calls (the API-key lookup excluded). Feed calls in the order they were made."""
        rru = wru = 0.0
        for call in calls:
            if call.service != "dynamodb" or call.category == "auth":
                continue
            r, w = self._call(call)
            rru, wru = rru + r, wru + w
        return rru, wru

    def _call(self, call: Call) -> tuple[float, float]:
        p, resp = call.params, call.response or {}
        op = call.operation
        consistent = bool(p.get("ConsistentRead"))
        if op == "GetItem":
            return _reads([item_size(resp["Item"])] if resp.get("Item") else [0], consistent, True), 0.0
        if op in ("Query", "Scan"):
            return _reads([item_size(i) for i in resp.get("Items", [])], consistent, False), 0.0
        if op == "BatchGetItem":
            consistent = all(spec.get("ConsistentRead") for spec in p["RequestItems"].values())
            sizes = [item_size(i) for items in resp.get("Responses", {}).values() for i in items]
            return _reads(sizes or [0], consistent, True), 0.0
        if op == "PutItem":
            return 0.0, self._put(p["Item"], 1)
        if op in ("UpdateItem", "DeleteItem"):
            return 0.0, self._update(p, 1)
        if op == "TransactWriteItems":
            total = 0.0
            for action in p["TransactItems"]:
                (kind, spec), = action.items()
                total += self._put(spec["Item"], 2) if kind == "Put" else self._update(spec, 2, kind == "ConditionCheck")
            return 0.0, total
        return 0.0, 0.0

    @staticmethod
    def _key(item: Item) -> str:
        return f"{item['PK']['S']}|{item['SK']['S']}"

    def _put(self, item: Item, factor: int) -> float:
        self._last_put[self._key(item)] = item_size(item)
        gsi = sum(_kb(projected) for index in self.indexes if (projected := index.projection(item)) is not None)
        return float(factor * _kb(item) + gsi)

    def _update(self, spec: dict[str, Any], factor: int, check_only: bool = False) -> float:
        current = self.fetch(spec["Key"])
        size = max(item_size(current or spec["Key"]), self._last_put.get(self._key(spec["Key"]), 0))
        units = factor * max(1, math.ceil(size / 1024))
        if check_only:
            return float(units)
        expression = spec.get("UpdateExpression", "")
        for alias, name in (spec.get("ExpressionAttributeNames") or {}).items():
            expression = expression.replace(alias, name)
        touched = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", expression))
        removed = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", expression.partition("REMOVE")[2])) if "REMOVE" in expression else set()
        for index in self.indexes:
            projected = index.projection(current) if current else None
            if removed & set(index.keys):
                units += 1  # the item leaves the index
            elif projected is not None and (index.projected is None or touched & {*index.keys, *index.projected}):
                units += _kb(projected)
        return float(units)
