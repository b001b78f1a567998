"""Custom event schemas: created by the operator (`python -m local create-event-schema`, or `create_event_schema` in tests
and fixtures), read through GET /v1/metadata-schemas and /v1/metadata-schemas/{resource}, and resolved by name when an
event is tracked (earning-map E18)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from pydantic import ValidationError

from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.errors import LoyaltyError, invalid_payload, not_found
from loyalty.core.fields import lone_surrogate
from loyalty.db.table import Table
from loyalty.db.transact import TransactionConflict
from loyalty.schemas import store
from loyalty.schemas.models import PropertyDefinition
from loyalty.schemas.records import MetadataSchema

MAX_NAME_LENGTH = 300  # evt:EventsCreateRequestBody.event: the name a tracked event sends
MAX_PROPERTY_NAME_LENGTH = 255
MAX_PROPERTIES = 100
STANDARD_OBJECTS = frozenset({
    "campaign", "customer", "earning_rule", "loyalty_tier", "order", "order_item", "product", "promotion_tier", "publication",
    "redemption", "reward", "voucher",
})
"""The related objects of Voucherify's standard metadata schemas (ms:GET /v1/metadata-schemas/{resource}): not event names."""

PropertySpec = PropertyDefinition | Mapping[str, Any] | str
"""A property as `create_event_schema` takes it: a definition, its JSON object, or just its type (`"number"`)."""


def missing_schema(schema_id: str) -> LoyaltyError:
    """404 `not_found` for a metadata schema id that names no schema of the project."""
    return not_found(ids.METADATA_SCHEMA.resource_type, schema_id)


def _name(name: str) -> str:
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME_LENGTH or lone_surrogate(name):
        raise invalid_payload(f"An event schema's name must be text of 1 to {MAX_NAME_LENGTH} characters")
    if name in STANDARD_OBJECTS:
        raise invalid_payload(f"'{name}' is the related object of a standard metadata schema, not a custom event name")
    return name


def _definition(name: str, spec: PropertySpec) -> dict[str, Any]:
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_PROPERTY_NAME_LENGTH or lone_surrogate(name):
        raise invalid_payload(f"A property name must be text of 1 to {MAX_PROPERTY_NAME_LENGTH} characters")
    try:
        if isinstance(spec, PropertyDefinition):
            definition = spec
        elif isinstance(spec, str):
            definition = PropertyDefinition(type=spec)  # type: ignore[arg-type]
        else:
            definition = PropertyDefinition.model_validate(dict(spec))
    except ValidationError as exc:
        raise invalid_payload(f"Property '{name}': {exc.errors()[0]['msg']}") from None
    return definition.stored()


def create_event_schema(db: Table, name: str, properties: Mapping[str, PropertySpec] | None = None, *,
                        exist_ok: bool = False) -> MetadataSchema:
    """Store a custom event schema: `related_object` is the event name (unique in the project), each property a metadata
    definition. 409 `duplicate_found` when the name has a schema already, unless `exist_ok` (then that schema is returned)."""
    _name(name)
    props = dict(properties or {})
    if len(props) > MAX_PROPERTIES:
        raise invalid_payload(f"An event schema has at most {MAX_PROPERTIES} properties")
    schema: MetadataSchema = {
        "id": ids.METADATA_SCHEMA.new(),
        "related_object": name,
        "properties": {prop: _definition(prop, spec) for prop, spec in props.items()},
        "allow_defined_only": False,
        "created_at": now_iso(),
        "updated_at": None,
        "object": "metadata_schema",
    }
    try:
        store.create_schema(db, schema)
    except TransactionConflict as conflict:
        if not conflict.failed("name"):
            raise
        existing = store.get_schema_by_name(db, name)
        if exist_ok and existing is not None:
            return existing
        raise LoyaltyError(409, "duplicate_found", "Duplicated resource found",
                           f"An event schema named '{name}' already exists", resource_type="metadata schema",
                           resource_id=existing["id"] if existing else None) from None
    return schema


def list_metadata_schemas(db: Table) -> dict[str, Any]:
    """GET /v1/metadata-schemas: every schema of the project (custom event schemas; no standard ones are configured)."""
    schemas = store.list_schemas(db)
    return {"object": "list", "data_ref": "schemas", "schemas": schemas, "total": len(schemas)}


def get_metadata_schema(db: Table, resource: str) -> MetadataSchema:
    """GET /v1/metadata-schemas/{resource}: the schema whose related object is `resource` (a custom event's name); 404
    `not_found` otherwise, as the spec's example words it (`Cannot find metadata schema with id <resource>`)."""
    name = unquote(resource)
    found = store.get_schema_by_name(db, name) if 1 <= len(name) <= MAX_NAME_LENGTH else None
    if found is None:
        raise not_found(ids.METADATA_SCHEMA.resource_type, name)
    return found


def event_schema_id(db: Table, name: str) -> str | None:
    """The `ms_` id of the schema an event name resolves to, or None (the event is stored and earns nothing)."""
    schema = store.get_schema_by_name(db, name)
    return schema["id"] if schema else None


def refused_schema(conflict: TransactionConflict, schema_ids: list[str]) -> LoyaltyError | None:
    """404 for the first of `schema_ids` whose existence check (`store.add_schema_exists`) refused a transaction, else None."""
    for schema_id in schema_ids:
        if conflict.failed(store.schema_label(schema_id)):
            return missing_schema(schema_id)
    return None
