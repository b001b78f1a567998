"""Conversion between plain Python values and DynamoDB attribute values; Decimal stops here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from loyalty.core.errors import invalid_payload

_SER = TypeSerializer()
_DESER = TypeDeserializer()


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _to_dynamo(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_dynamo(v) for v in value]
    if isinstance(value, (set, frozenset)) and value and all(isinstance(v, str) for v in value):
        return set(value)  # a string set (SS); DynamoDB has no empty sets
    raise TypeError(f"cannot store {type(value).__name__}")


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo(v) for k, v in value.items()}
    if isinstance(value, (list, set)):
        return [_from_dynamo(v) for v in value]
    return value


def serialize(value: Any) -> dict[str, Any]:
    """One Python value as a DynamoDB attribute value."""
    out: dict[str, Any] = _SER.serialize(_to_dynamo(value))  # type: ignore[assignment]
    return out


def to_item(data: dict[str, Any]) -> dict[str, Any]:
    """A Python dict as a DynamoDB item (None values are dropped)."""
    return {k: serialize(v) for k, v in data.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as a plain dict with ints and floats instead of Decimals."""
    return {k: _from_dynamo(_DESER.deserialize(v)) for k, v in item.items()}


def values(**kwargs: Any) -> dict[str, Any]:
    """ExpressionAttributeValues from keyword arguments (`:name` -> value)."""
    return {f":{k}": serialize(v) for k, v in kwargs.items()}


MAX_ITEM_BYTES = 400 * 1024


def _size(value: dict[str, Any]) -> int:
    """DynamoDB's size of one attribute value (strings in UTF-8, numbers about 1 byte per 2 digits, 3 bytes of overhead
    per map or list plus 1 per element)."""
    (kind, inner), = value.items()
    if kind in ("S", "B"):
        return len(inner.encode()) if kind == "S" else len(inner)
    if kind == "N":
        return len(str(inner).lstrip("-").replace(".", "")) // 2 + 2
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + _size(v) + 1 for k, v in inner.items())
    if kind == "L":
        return 3 + sum(_size(v) + 1 for v in inner)
    return sum(len(str(v).encode()) for v in inner)  # SS / NS / BS


def item_size(item: dict[str, Any]) -> int:
    """The size DynamoDB counts for an item (attribute names and values), in bytes."""
    return sum(len(name.encode()) + _size(value) for name, value in item.items())


def check_item_size(item: dict[str, Any]) -> dict[str, Any]:
    """The item, if DynamoDB can store it; 400 `invalid_payload` before anything is written otherwise."""
    size = item_size(item)
    if size > MAX_ITEM_BYTES:
        raise invalid_payload(f"The resource would take {size // 1024} KB, more than the {MAX_ITEM_BYTES // 1024} KB one stored "
                              "item can hold; send less data (metadata, rules, descriptions)")
    return item
