"""Opaque, authenticated list cursors: `<prefix><hex>` encoding the last key, its scope and an expiry."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from loyalty.core.clock import iso_from_ms, now_ms
from loyalty.core.errors import LoyaltyError

_MAC_BYTES = 16


def invalid_cursor() -> LoyaltyError:
    """400 `invalid_or_expired_cursor`."""
    return LoyaltyError(
        400, "invalid_or_expired_cursor", "Invalid or expired cursor", "The provided cursor is invalid or has expired"
    )


def _mac(secret: str, scope: str, payload: bytes) -> bytes:
    return hmac.new(secret.encode(), scope.encode() + b"\x00" + payload, hashlib.sha256).digest()[:_MAC_BYTES]


def encode_cursor(prefix: str, scope: str, last_key: dict[str, Any], secret: str, ttl_seconds: int) -> dict[str, str]:
    """The `cursor` object of a list page: `{next, expires_at}`. `scope` binds it to one partition."""
    expires = now_ms() + ttl_seconds * 1000
    payload = json.dumps({"k": last_key, "e": expires}, separators=(",", ":"), sort_keys=True).encode()
    token = payload + _mac(secret, scope, payload)
    return {"next": prefix + token.hex(), "expires_at": iso_from_ms(expires)}


def decode_cursor(prefix: str, scope: str, cursor: str, secret: str) -> dict[str, Any]:
    """The last key a cursor carries; 400 when forged, replayed into another scope, or expired."""
    if not cursor.startswith(prefix) or len(cursor) > 4096:
        raise invalid_cursor()
    try:
        raw = bytes.fromhex(cursor[len(prefix):])
    except ValueError:
        raise invalid_cursor() from None
    payload, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
    if len(raw) <= _MAC_BYTES or not hmac.compare_digest(mac, _mac(secret, scope, payload)):
        raise invalid_cursor()
    data = json.loads(payload)
    if data["e"] < now_ms():
        raise invalid_cursor()
    key: dict[str, Any] = data["k"]
    return key
