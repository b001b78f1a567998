"""Per-project rate limit: each project may make `rate` requests per second, counted over fixed windows of `window`
seconds in one DynamoDB counter per project and window. A warm function leases requests from the counter a few at a
time (one conditional UpdateItem per lease, not per request), so one tenant cannot exhaust the stage's limit for all."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from loyalty.core.errors import LoyaltyError

# project id -> (window start, requests still leased to this function for that window)
_LEASES: dict[str, tuple[int, int]] = {}
LEASE_SIZE = 10


def too_many_requests(retry_after: int) -> LoyaltyError:
    """429 `too_many_requests`, with the seconds after which the next window opens (the Retry-After header)."""
    return LoyaltyError(429, "too_many_requests", "Too many requests",
                        f"The project's request rate limit is reached; retry after {retry_after} s",
                        retry_after=retry_after)


def admit(project_id: str, rate: int, window: int, lease: Callable[[int, int, int, int], bool]) -> None:
    """Admit one request of the project, or raise 429. `lease(window_start, amount, limit, expires_at)` takes `amount`
    requests from the project's counter of that window if it stays within `limit`. A rate of 0 turns the limit off."""
    if rate <= 0:
        return
    now = time.time()
    start = int(now // window) * window
    held_start, held = _LEASES.get(project_id, (start, 0))
    if held_start == start and held > 0:
        _LEASES[project_id] = (start, held - 1)
        return
    limit = rate * window
    expires = start + 2 * window
    for amount in (min(LEASE_SIZE, limit), 1):
        if lease(start, amount, limit, expires):
            _LEASES[project_id] = (start, amount - 1)
            return
    raise too_many_requests(max(1, math.ceil(start + window - now)))


def clear() -> None:
    """Forget leases (tests)."""
    _LEASES.clear()
