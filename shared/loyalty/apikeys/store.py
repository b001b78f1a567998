"""Stored API keys: one item per app id, the token only as its hash; a key is ACTIVE until it is revoked. Storing a
project's key also records the project in the registry of projects (what the sweeper pages through)."""

from __future__ import annotations

from typing import Any

from loyalty.core.clock import now_iso
from loyalty.db.table import ConditionFailed, Table
from loyalty.db.transact import TransactionConflict

ACTIVE = "ACTIVE"
REVOKED = "REVOKED"


def put_api_key(db: Table, app_id: str, token_hash: str, name: str, *, revoke: str | None = None) -> None:
    """Store one API key pair of the project (overwriting the same app id) and the project's registry entry, in one
    transaction; `revoke` names an ACTIVE key revoked in the same transaction (a rotation)."""
    now = now_iso()
    tx = db.transaction()
    tx.put("api_key", db.keys.api_key(app_id),
           {"project_id": db.project_id, "token_hash": token_hash, "name": name, "status": ACTIVE, "created_at": now},
           condition=None)
    tx.put("project", db.keys.project_entry(), {"project_id": db.project_id, "updated_at": now}, condition=None)
    if revoke is not None:
        tx.update("revoked", db.keys.api_key(revoke), "SET #s = :revoked, revoked_at = :now",
                  condition="attribute_exists(PK) AND #s <> :revoked", names={"#s": "status"},
                  values={"revoked": REVOKED, "now": now})
    tx.commit()


def register_project(db: Table) -> None:
    """Record the project in the registry of projects (idempotent; what a key write does too)."""
    db.put(db.keys.project_entry(), {"project_id": db.project_id, "updated_at": now_iso()}, condition=None)


def get_api_key(db: Table, app_id: str) -> dict[str, Any] | None:
    """The key record for an app id of this project."""
    return db.get(db.keys.api_key(app_id))


def list_api_keys(db: Table) -> list[dict[str, Any]]:
    """Every key of the project (ACTIVE and REVOKED), without their token hashes, in app id order."""
    items: list[dict[str, Any]] = []
    start: dict[str, Any] | None = None
    while True:
        page, start = db.query(db.keys.api_keys_partition(), **({"ExclusiveStartKey": start} if start else {}))
        items += [{"app_id": i["SK"], "name": i.get("name", ""), "status": i.get("status", ACTIVE),
                   "created_at": i.get("created_at"), "revoked_at": i.get("revoked_at")} for i in page]
        if not start:
            return items


def revoke_api_key(db: Table, app_id: str) -> bool:
    """Mark a key REVOKED; False when the project has no such ACTIVE key."""
    tx = db.transaction()
    tx.update("revoked", db.keys.api_key(app_id), "SET #s = :revoked, revoked_at = :now",
              condition="attribute_exists(PK) AND #s <> :revoked", names={"#s": "status"},
              values={"revoked": REVOKED, "now": now_iso()})
    try:
        tx.commit()
    except TransactionConflict:
        return False
    return True


def lease_rate_tokens(db: Table, window_start: int, amount: int, limit: int, expires_at: int) -> bool:
    """Take `amount` requests from the project's counter of one window, if that keeps it within `limit`
    (one conditional UpdateItem; the item expires by TTL at `expires_at`). False when the window is spent."""
    try:
        db.update(db.keys.rate_window(window_start), "ADD #n :amount SET expires_at = :exp",
                  condition="attribute_not_exists(#n) OR #n <= :room", names={"#n": "taken"},
                  values={"amount": amount, "exp": expires_at, "room": limit - amount})
    except ConditionFailed:
        return False
    return True
