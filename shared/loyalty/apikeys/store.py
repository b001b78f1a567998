"""Stored API keys: one item per app id, the token only as its hash."""

from __future__ import annotations

from typing import Any

from loyalty.core.clock import now_iso
from loyalty.db.table import Table


def put_api_key(db: Table, app_id: str, token_hash: str, name: str) -> None:
    """Store one API key pair of the project."""
    db.put(db.keys.api_key(app_id), {"project_id": db.project_id, "token_hash": token_hash, "name": name, "created_at": now_iso()},
           condition=None)


def get_api_key(db: Table, app_id: str) -> dict[str, Any] | None:
    """The key record for an app id of this project."""
    return db.get(db.keys.api_key(app_id))
