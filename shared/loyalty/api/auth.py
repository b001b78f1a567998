"""API-key authentication: `X-App-Id` + `X-App-Token` (or `Authorization: Bearer <token>`) -> project id."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any

from loyalty.core.errors import unauthorized

PROJECT_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")

# token hash -> (project id, app id, monotonic expiry). A warm function skips the key lookup while it holds.
_CACHE: dict[str, tuple[str, str, float]] = {}


def hash_token(token: str) -> str:
    """How a token is stored: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_key_pair(project_id: str) -> tuple[str, str]:
    """A fresh (app id, app token) for a project. Both name the project, so either one locates the key."""
    if not PROJECT_ID.fullmatch(project_id):
        raise ValueError("project id must match [a-z0-9][a-z0-9-]{0,39}")
    app_id = f"{project_id}.{secrets.token_hex(6)}"
    return app_id, f"{app_id}.{secrets.token_hex(20)}"


def credentials(headers: Mapping[str, str]) -> tuple[str, str] | None:
    """(app id, token) from the request headers (lower-cased names), or None."""
    token = headers.get("x-app-token") or ""
    if not token:
        auth = headers.get("authorization") or ""
        if auth[:7].lower() == "bearer ":
            token = auth[7:].strip()
    if not token or len(token) > 256 or token.count(".") < 2:
        return None
    app_id = headers.get("x-app-id") or token.rsplit(".", 1)[0]
    if token.rsplit(".", 1)[0] != app_id:
        return None
    return app_id, token


def authenticate(
    headers: Mapping[str, str],
    lookup: Callable[[str, str], dict[str, Any] | None],
    ttl_seconds: int,
) -> str:
    """The project id the credentials belong to; raises 401 otherwise.

    `lookup(project_id, app_id)` reads the stored key; it is skipped while the cache entry is fresh."""
    creds = credentials(headers)
    if creds is None:
        raise unauthorized()
    app_id, token = creds
    digest = hash_token(token)
    cached = _CACHE.get(digest)
    now = time.monotonic()
    if cached and cached[1] == app_id and cached[2] > now:
        return cached[0]
    project_id = app_id.split(".", 1)[0]
    if not PROJECT_ID.fullmatch(project_id):
        raise unauthorized()
    record = lookup(project_id, app_id)
    if not record or not hmac.compare_digest(record.get("token_hash", ""), digest):
        raise unauthorized()
    if ttl_seconds > 0:
        if len(_CACHE) > 1000:
            _CACHE.clear()
        _CACHE[digest] = (project_id, app_id, now + ttl_seconds)
    return project_id


def clear_cache() -> None:
    """Forget cached keys (tests)."""
    _CACHE.clear()
