"""Stored event schemas: one item per schema (listed in creation order), and a claim per name that makes the name unique,
resolves a tracked event's name to its schema and holds a copy of the schema (schemas never change), so a read by name
is one GetItem."""

from __future__ import annotations

from typing import Any, cast

from loyalty.db.keys import GSI1, Key, key_names
from loyalty.db.table import Item, Table
from loyalty.db.transact import Transaction
from loyalty.schemas.records import MetadataSchema


def create_schema(db: Table, schema: MetadataSchema) -> None:
    """A new schema with its name claim, in one transaction (label `name` when another schema has the name)."""
    tx = db.transaction()
    keys = db.keys
    tx.put("schema", keys.event_schema(schema["id"]), {"data": schema, **keys.listed(keys.EVENT_SCHEMAS, schema["id"])})
    tx.put("name", keys.event_schema_name(schema["related_object"]), {"schema_id": schema["id"], "data": schema})
    tx.commit()


def get_schema(db: Table, schema_id: str) -> MetadataSchema | None:
    """One schema by id."""
    item = db.get(db.keys.event_schema(schema_id))
    return cast(MetadataSchema, item["data"]) if item else None


def get_schema_by_name(db: Table, name: str) -> MetadataSchema | None:
    """The schema of an event name (its name claim's copy)."""
    item = db.get(db.keys.event_schema_name(name))
    return cast(MetadataSchema, item["data"]) if item else None


def name_key(db: Table, name: str) -> Key:
    """The key of an event name's claim (for a caller that reads it in a BatchGetItem with other items)."""
    return db.keys.event_schema_name(name)


def schema_id_of(claim: Item | None) -> str | None:
    """The schema id a name claim read by `name_key` holds (None when the name has no schema)."""
    return str(claim["schema_id"]) if claim else None


def list_schemas(db: Table) -> list[MetadataSchema]:
    """Every schema of the project in creation order: a Query of their GSI1 list per 1 MB page (eventually consistent)."""
    pk, _ = key_names(GSI1)
    kw: dict[str, Any] = {"IndexName": GSI1, "ConsistentRead": False, "key_condition": f"{pk} = :pk"}
    found: list[MetadataSchema] = []
    while True:
        items, last = db.query(db.keys.collection(db.keys.EVENT_SCHEMAS), **kw)
        found += [cast(MetadataSchema, item["data"]) for item in items]
        if last is None:
            return found
        kw["ExclusiveStartKey"] = last


def schema_label(schema_id: str) -> str:
    """The label of the check `add_schema_exists` adds for one schema id."""
    return f"schema:{schema_id}"


def add_schema_exists(tx: Transaction, db: Table, schema_id: str) -> None:
    """Add to `tx` the condition that a schema exists (label `schema_label(schema_id)`), so a write that names it is
    refused, not stored, when it does not."""
    tx.check(schema_label(schema_id), db.keys.event_schema(schema_id), "attribute_exists(PK)")
