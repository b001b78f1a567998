"""Idempotency keys on the single table: Powertools' idempotency utility (DynamoDBPersistenceLayer) writing one record per
`Idempotency-Key` into the project's own partition (`<project>#IDEM`, so the tenant role's LeadingKeys hold), through the
project's client, expiring by the table's TTL attribute 24 hours after the first request.

It lives in `db` because the persistence layer is a boto3-backed store (only `db` imports boto3); the API layer decides
when to use it and maps its errors (api/app.py)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig
from aws_lambda_powertools.utilities.idempotency.base import IdempotencyHandler
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

from loyalty.db.keys import IDEMPOTENCY_SK_PREFIX, key_names
from loyalty.db.table import Table

KEPT_SECONDS = 24 * 3600
"""How long a key is remembered after its first request (the record's `expires_at`, the table's TTL attribute)."""
EXPIRY_ATTR = "expires_at"
MAX_PROJECTS = 32  # persistence layers a warm container keeps (one per project client)


@lru_cache(maxsize=MAX_PROJECTS)
def _layer(table_name: str, partition: str, client: Any) -> DynamoDBPersistenceLayer:
    """The persistence layer of one project's client (cached: building one registers a user-agent hook on the client)."""
    pk, sk = key_names(None)
    return DynamoDBPersistenceLayer(table_name=table_name, key_attr=pk, sort_key_attr=sk, static_pk_value=partition,
                                    expiry_attr=EXPIRY_ATTR, boto3_client=client)


class _Remaining:
    """A stand-in Lambda context giving Powertools the time left, so a crashed request frees its key when it times out."""

    def __init__(self, millis: Callable[[], int]) -> None:
        self._millis = millis

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left to the current invocation."""
        return self._millis()


def replayed(response: Any, _: DataRecord) -> Any:
    """Mark a stored answer as replayed (header `Idempotent-Replayed: true`) when it is returned again."""
    if isinstance(response, dict):
        return {**response, "headers": {**(response.get("headers") or {}), "Idempotent-Replayed": "true"}}
    return response


def once(table: Table, key: str, request: dict[str, Any], run: Callable[[], dict[str, Any]],
         remaining_millis: Callable[[], int]) -> dict[str, Any]:
    """`run()`'s answer, run once per (project, key): a later call with the same key and the same `request` gets the stored
    answer back; with another `request`, IdempotencyValidationError; while the first still runs,
    IdempotencyAlreadyInProgressError. An exception raised by `run` releases the key (nothing stored) and propagates."""
    layer = _layer(table.name, table.keys.idempotency_partition(), table.client)
    config = IdempotencyConfig(event_key_jmespath="key", payload_validation_jmespath="request", raise_on_no_idempotency_key=True,
                               expires_after_seconds=KEPT_SECONDS, hash_function="sha256",
                               lambda_context=_Remaining(remaining_millis),  # type: ignore[arg-type]
                               response_hook=replayed)  # type: ignore[arg-type]
    handler = IdempotencyHandler(function=run, function_payload={"key": key, "request": request}, config=config,
                                 persistence_store=layer, key_prefix=IDEMPOTENCY_SK_PREFIX, function_args=(), function_kwargs={})
    result: dict[str, Any] = handler.handle()
    return result
