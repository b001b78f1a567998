"""The sweeper: re-enqueue jobs left PENDING longer than a threshold (lost sends, crashed workers)."""

from __future__ import annotations

import json

from loyalty.core.clock import now_ms
from loyalty.core.settings import get_settings
from loyalty.db import clients
from loyalty.db.table import scan_pending_jobs
from loyalty.jobs.queue import send


def sweep_pending_jobs(older_than_seconds: int | None = None) -> dict[str, int]:
    """Send again every job still pending after `older_than_seconds`; counts found and sent."""
    settings = get_settings()
    age = settings.sweep_after_seconds if older_than_seconds is None else older_than_seconds
    jobs = scan_pending_jobs(clients.dynamodb(), settings.table_name, now_ms() - age * 1000)
    sent = sum(1 for job in jobs if send(json.dumps(job, separators=(",", ":"))))
    return {"found": len(jobs), "sent": sent}
