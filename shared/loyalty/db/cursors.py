"""Opaque, authenticated list cursors: `<prefix><hex>` carrying where the next page starts (and the order and filters it
was made for), bound by an HMAC to one list of one project, with an expiry."""

from __future__ import annotations

import hashlib
import hmac
import json
import zlib
from typing import Any

from loyalty.core.clock import iso_from_ms, now_ms
from loyalty.core.errors import LoyaltyError

_MAC_BYTES = 16
MAX_CURSOR_LENGTH = 4096


def invalid_cursor() -> LoyaltyError:
    """400 `invalid_or_expired_cursor`."""
    return LoyaltyError(
        400, "invalid_or_expired_cursor", "Invalid or expired cursor", "The provided cursor is invalid or has expired"
    )


def _mac(secret: str, scope: str, payload: bytes) -> bytes:
    return hmac.new(secret.encode(), scope.encode() + b"\x00" + payload, hashlib.sha256).digest()[:_MAC_BYTES]


def encode_cursor(prefix: str, scope: str, payload: dict[str, Any], secret: str, ttl_seconds: int) -> dict[str, str]:
    """The `cursor` object of a list page: `{next, expires_at}`. `scope` binds it to one list."""
    expires = now_ms() + ttl_seconds * 1000
    body = zlib.compress(json.dumps({"p": payload, "e": expires}, separators=(",", ":"), sort_keys=True).encode(), 9)
    token = body + _mac(secret, scope, body)
    return {"next": prefix + token.hex(), "expires_at": iso_from_ms(expires)}


def decode_cursor(prefix: str, scope: str, cursor: str, secret: str) -> dict[str, Any]:
    """What a cursor carries; 400 when it is forged, replayed into another list, or expired."""
    if not cursor.startswith(prefix) or len(cursor) > MAX_CURSOR_LENGTH:
        raise invalid_cursor()
    try:
        raw = bytes.fromhex(cursor[len(prefix):])
    except ValueError:
        raise invalid_cursor() from None
    body, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
    if len(raw) <= _MAC_BYTES or not hmac.compare_digest(mac, _mac(secret, scope, body)):
        raise invalid_cursor()
    data = json.loads(zlib.decompress(body))
    if data["e"] < now_ms():
        raise invalid_cursor()
    payload: dict[str, Any] = data["p"]
    return payload
