"""The daily job: for every registered project, the date-driven work of one day in the project time zone (re-evaluate
tiers whose expiry, grace period or tracking period has come; activate pending points, cancel EVENT_BASED points past
their deadline, expire points past their last valid day).

It is scheduled hourly: the first run after midnight does a day's work and records it, later runs that day find the
record and skip the project; a run that ran out of time leaves its projects unrecorded, so the next run finishes them.
The work itself is idempotent (settled buckets leave the due lists), so running a day twice changes nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime

from loyalty.cards import buckets
from loyalty.core.clock import now_iso
from loyalty.core.logs import logger
from loyalty.core.settings import get_settings
from loyalty.db import clients
from loyalty.db.table import Table, read_registry
from loyalty.points import service as points
from loyalty.tiering import service as tiering

MARGIN_MS = 10_000  # stop starting projects this long before the function's timeout


def run_daily_jobs(at: str | datetime | None = None, *, remaining_ms: Callable[[], int] | None = None,
                   force: bool = False) -> dict[str, int | str]:
    """Run the day that `at` (default now) falls on, for every project not yet done for that day (`force`: done or
    not). Returns the day and what was done, counted."""
    settings = get_settings()
    day = points.day_of_run(at or now_iso())
    projects, _ = read_registry(clients.dynamodb(), settings.table_name)
    counts: Counter[str] = Counter({"projects": 0, "skipped": 0, "unreached": 0, "errors": 0, **dict.fromkeys(points.DAILY_COUNTS, 0)})
    for index, project in enumerate(projects):
        if remaining_ms is not None and remaining_ms() < MARGIN_MS:
            counts["unreached"] = len(projects) - index
            logger.warning("daily job ran out of time; the next run finishes the day", extra={"day": day, "unreached": counts["unreached"]})
            break
        db = Table(project, settings.table_name, cursor_secret=settings.cursor_secret, client=clients.for_project(project))
        try:
            if not force and buckets.get_daily_run(db, day) is not None:
                counts["skipped"] += 1
                continue
            counts.update(tiering.run_daily(db, day))  # before the points work, which records the day as done
            counts.update(points.run_daily(db, day))
            counts["projects"] += 1
        except Exception:  # noqa: BLE001 - one project's failure must not stop the others; the next run retries it
            logger.exception("daily job of a project failed", extra={"project": project, "day": day})
            counts["errors"] += 1
    return {"day": day, **dict(counts)}
