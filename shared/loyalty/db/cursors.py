"""Opaque list cursors: `<prefix><hex>` carrying where the next page starts (and the order and filters it was made for),
encrypted and authenticated with AES-256-GCM under a key derived from the stack's cursor secret. A client can neither
read the key layout or project id inside one, nor forge one, nor replay one into another list (the list's scope is the
associated data), nor use one after it expires."""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from loyalty.core.clock import iso_from_ms, now_ms
from loyalty.core.errors import LoyaltyError

_NONCE_BYTES = 12
_TAG_BYTES = 16
MAX_CURSOR_LENGTH = 4096

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def invalid_cursor() -> LoyaltyError:
    """400 `invalid_or_expired_cursor`."""
    return LoyaltyError(
        400, "invalid_or_expired_cursor", "Invalid or expired cursor", "The provided cursor is invalid or has expired"
    )


@lru_cache(maxsize=4)
def _cipher(secret: str) -> AESGCM:
    """The AEAD for a cursor secret (its key: SHA-256 of the secret under this module's label). `cryptography` is imported
    here, on the first page that needs a cursor: its OpenSSL bindings cost about 10 MB, which a function that never pages
    does not pay."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(hashlib.sha256(b"loyalty-cursor-v2\x00" + secret.encode()).digest())


def encode_cursor(prefix: str, scope: str, payload: dict[str, Any], secret: str, ttl_seconds: int) -> dict[str, str]:
    """The `cursor` object of a list page: `{next, expires_at}`. `scope` binds it to one list."""
    expires = now_ms() + ttl_seconds * 1000
    body = zlib.compress(json.dumps({"p": payload, "e": expires}, separators=(",", ":"), sort_keys=True).encode(), 9)
    nonce = os.urandom(_NONCE_BYTES)
    token = nonce + _cipher(secret).encrypt(nonce, body, scope.encode())
    return {"next": prefix + token.hex(), "expires_at": iso_from_ms(expires)}


def decode_cursor(prefix: str, scope: str, cursor: str, secret: str) -> dict[str, Any]:
    """What a cursor carries; 400 when it is forged, replayed into another list, or expired."""
    if not cursor.startswith(prefix) or len(cursor) > MAX_CURSOR_LENGTH:
        raise invalid_cursor()
    try:
        raw = bytes.fromhex(cursor[len(prefix):])
    except ValueError:
        raise invalid_cursor() from None
    if len(raw) <= _NONCE_BYTES + _TAG_BYTES:
        raise invalid_cursor()
    cipher = _cipher(secret)
    from cryptography.exceptions import InvalidTag

    try:
        body = cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], scope.encode())
    except InvalidTag:
        raise invalid_cursor() from None
    data = json.loads(zlib.decompress(body))
    if data["e"] < now_ms():
        raise invalid_cursor()
    payload: dict[str, Any] = data["p"]
    return payload
