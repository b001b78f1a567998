"""Timestamps in the API's format (ISO 8601 UTC with milliseconds)."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now_ms() -> int:
    """Milliseconds since the epoch."""
    return time.time_ns() // 1_000_000


def iso_from_ms(ms: int) -> str:
    """Format epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.sssZ`."""
    dt = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def ms_from_iso(value: str) -> int:
    """Milliseconds since the epoch of an API timestamp (`...Z`)."""
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)


def now_iso() -> str:
    """The current time in the API's timestamp format."""
    return iso_from_ms(now_ms())


def normalize_iso(value: datetime) -> str:
    """Render an aware or naive (taken as UTC) datetime in the API's format."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    ms = int(value.timestamp() * 1000)
    return iso_from_ms(ms)
