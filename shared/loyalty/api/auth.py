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

# token hash -> (project id, app id, monotonic expiry). A warm function skips the key lookup while it holds, so a
# revoked key keeps working in a warm function for at most the cache TTL.
_CACHE: dict[str, tuple[str, str, float]] = {}
# token hash -> monotonic expiry of a refusal: a flood of one bogus token costs one lookup per NEGATIVE_TTL_SECONDS.
_REFUSED: dict[str, float] = {}
NEGATIVE_TTL_SECONDS = 10.0
_MAX_ENTRIES = 10_000


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
    refused_until = _REFUSED.get(digest)
    if refused_until is not None and refused_until > now:
        raise unauthorized()
    record = lookup(project_id, app_id)
    if (not record or not hmac.compare_digest(record.get("token_hash", ""), digest)
            or record.get("status", "ACTIVE") != "ACTIVE"):
        _remember(_REFUSED, digest, now + NEGATIVE_TTL_SECONDS)
        raise unauthorized()
    _REFUSED.pop(digest, None)
    if ttl_seconds > 0:
        _remember(_CACHE, digest, (project_id, app_id, now + ttl_seconds))
    return project_id


def _remember(cache: dict[str, Any], digest: str, value: Any) -> None:
    """Keep a cache entry, forgetting everything once the cache is full (entries are cheap to re-learn)."""
    if len(cache) >= _MAX_ENTRIES:
        cache.clear()
    cache[digest] = value


def clear_cache() -> None:
    """Forget cached keys and refusals (tests)."""
    _CACHE.clear()
    _REFUSED.clear()
