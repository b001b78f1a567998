"""Timestamps in the API's format (ISO 8601 UTC with milliseconds) and time-ordered ids."""

from __future__ import annotations

import re
import secrets
import time
from datetime import UTC, datetime


def now_ms() -> int:
    """Milliseconds since the epoch."""
    return time.time_ns() // 1_000_000


def iso_from_ms(ms: int) -> str:
    """Format epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.sssZ`."""
    dt = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def now_iso() -> str:
    """The current time in the API's timestamp format."""
    return iso_from_ms(now_ms())


def normalize_iso(value: datetime) -> str:
    """Render an aware or naive (taken as UTC) datetime in the API's format."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    ms = int(value.timestamp() * 1000)
    return iso_from_ms(ms)


def new_id(prefix: str) -> str:
    """A time-ordered id: prefix + 11 hex digits of epoch ms + 7 random hex digits (18 hex)."""
    return f"{prefix}{now_ms():011x}{secrets.token_hex(4)[:7]}"


def new_alnum_id(prefix: str) -> str:
    """A time-ordered id for Voucherify's shared objects (cust_, camp_, v_): 24 characters."""
    return f"{prefix}{now_ms():011x}{secrets.token_hex(7)[:13]}"


_HEX_ID: dict[str, re.Pattern[str]] = {}


def is_hex_id(value: str, prefix: str) -> bool:
    """True when `value` is `prefix` followed by lowercase hex, as every v2 id is."""
    pattern = _HEX_ID.get(prefix)
    if pattern is None:
        pattern = _HEX_ID[prefix] = re.compile(re.escape(prefix) + r"[a-f0-9]+")
    return len(value) <= 64 and pattern.fullmatch(value) is not None
