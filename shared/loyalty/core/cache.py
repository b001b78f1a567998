"""Per-project values a warm function reuses for a few seconds (`earning_cache_seconds`): program setups that change
rarely and that every order, event or card change would otherwise read again."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

from loyalty.core.settings import get_settings

T = TypeVar("T")
MAX_ENTRIES = 1000


class WarmCache(Generic[T]):
    """Values by (project, id), fresh for `earning_cache_seconds` (0: never cached). A change is seen by a warm function
    at most that many seconds late; a full cache is emptied rather than grown."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], tuple[float, T]] = {}

    def get(self, project_id: str, key: str, load: Callable[[str], T]) -> T:
        """The value of (project, key), from the cache while it is fresh, else `load(key)` (and kept)."""
        ttl = get_settings().earning_cache_seconds
        hit = self._entries.get((project_id, key))
        if ttl and hit and hit[0] > time.monotonic():
            return hit[1]
        value = load(key)
        if ttl:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[(project_id, key)] = (time.monotonic() + ttl, value)
        return value

    def clear(self) -> None:
        """Forget every value."""
        self._entries.clear()
