"""The sweeper: send again the jobs left pending too long (lost sends, crashed workers, dead-lettered messages), and
retire the jobs that used all their attempts.

One run reads the registry of projects, then visits the projects in turns: each turn Queries one page of a project's
due jobs in the PendingJobs index (`JOBPK = <project>#PENDING AND JOBSK < bound`), so every project gets a page before
any project gets a second one, and no project gets more than SWEEP_JOBS_PER_PROJECT re-sends per run. It stops while
the Lambda still has MARGIN_MS left; if it had not visited every project by then, it records the first one it missed,
and the next run starts there.

Per job (`JOBSK` = when its current wait began, `job` = its next message body):
- due and sent fewer than JOB_MAX_ATTEMPTS times: one conditional UpdateItem (on the JOBSK read, so a job settled or
  moved meanwhile is untouched) stores the body with `attempt + 1` and restarts the wait, then the body is sent to its
  queue (jobs/queue.py: a webhook delivery to the webhook queue, any other job to the jobs queue; when the send fails the
  update is undone, so an unreachable queue costs no attempt). The wait doubles with each send
  (SWEEP_AFTER_SECONDS, 2x, 4x, ... at most MAX_WAIT_SECONDS), so a job that cannot succeed piles up few copies and an
  outage has hours to pass before anything is retired.
- sent JOB_MAX_ATTEMPTS times: the same, with `retire` set: the worker ends the job the way the spec allows
  (jobs/worker.py) and takes it out of the index in the same transaction. A retire send is tried RETIRE_SENDS times.
- still pending after that: the marker is dropped (logged as an error, metric JobsAbandoned), so no job is sent forever.
"""

from __future__ import annotations

import json
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from loyalty.core import metrics
from loyalty.core.clock import now_ms
from loyalty.core.logs import logger
from loyalty.core.settings import Settings, get_settings
from loyalty.db import clients
from loyalty.db.table import PendingJob, PendingJobs, read_registry, record_sweep_resume
from loyalty.jobs.models import AnyJob, PoisonMessage, parse_job
from loyalty.jobs.queue import send

PAGE = 25  # due jobs one turn reads from one project
MARGIN_MS = 5_000  # the run stops starting turns when the Lambda has less time left than this
MAX_WAIT_SECONDS = 3600  # the longest a job waits between two sends
RETIRE_SENDS = 2  # sends of a retire message before the marker is dropped
COUNTS = ("projects", "unreached", "found", "sent", "retiring", "skipped", "unsent", "dropped", "errors")


def wait_seconds(attempt: int, base_seconds: int) -> int:
    """How long a job waits after its send number `attempt` before the sweeper sends it again."""
    return max(base_seconds, min(base_seconds * 2 ** (attempt - 1), MAX_WAIT_SECONDS))


def sweep_pending_jobs(older_than_seconds: int | None = None, *, remaining_ms: Callable[[], int] | None = None,
                       page_size: int = PAGE) -> dict[str, int]:
    """One sweep of every registered project (see the module's docstring); returns what it did, counted:
    projects visited and `unreached`, due jobs `found`, `sent` (of which `retiring`), `skipped` (settled or moved
    meanwhile), `unsent` (the send failed; left as they were), `dropped`, and project turns that failed (`errors`)."""
    settings = get_settings()
    base = settings.sweep_after_seconds if older_than_seconds is None else older_than_seconds
    now = now_ms()
    before = now - base * 1000
    client = clients.dynamodb()
    projects, resume = read_registry(client, settings.table_name)
    start = projects.index(resume) if resume in projects else 0
    order = projects[start:] + projects[:start]
    turns: deque[tuple[str, dict[str, Any] | None, int]] = deque((p, None, settings.sweep_jobs_per_project) for p in order)
    visited: set[str] = set()
    counts: Counter[str] = Counter(dict.fromkeys(COUNTS, 0))
    while turns:
        if remaining_ms is not None and remaining_ms() < MARGIN_MS:
            break
        project, page_start, quota = turns.popleft()
        visited.add(project)
        try:
            index = PendingJobs(project, settings.table_name, client, writer=clients.for_project(project))
            due, page_start = index.due(before, min(page_size, quota), page_start)
            counts["found"] += len(due)
            for pending in due:
                counts[_resend(index, pending, now, base, settings)] += 1
        except Exception:  # noqa: BLE001 - one project's failure must not stop the sweep of the others
            logger.exception("sweep of a project failed; the next sweep tries again", extra={"project": project})
            counts["errors"] += 1
            continue
        quota -= len(due)
        if page_start and quota > 0:
            turns.append((project, page_start, quota))
    missed = [p for p in order if p not in visited]
    if missed:
        record_sweep_resume(client, settings.table_name, missed[0])
        logger.warning("sweep ran out of time; the next one starts with the first project it missed",
                       extra={"unreached": len(missed), "next": missed[0]})
    counts["projects"] = len(visited)
    counts["unreached"] = len(missed)
    counts["sent"] += counts["retiring"]
    if counts["sent"]:
        metrics.count("JobsResent", counts["sent"])
    return {name: counts[name] for name in COUNTS}


def _resend(index: PendingJobs, pending: PendingJob, now: int, base_seconds: int, settings: Settings) -> str:
    """Send one due job again (or retire it, or drop it); the name of the count it adds to."""
    try:
        job = parse_job(pending.body)
    except PoisonMessage:
        return _drop(index, pending, None, "its stored body is not a job")
    if job.attempt >= settings.job_max_attempts + RETIRE_SENDS:
        return _drop(index, pending, job, "its retirement did not complete")
    attempt = job.attempt + 1
    nxt: AnyJob = job.resent(attempt, retire=attempt > settings.job_max_attempts)
    wait_from = now + (wait_seconds(attempt, base_seconds) - base_seconds) * 1000
    moved = index.move(pending, wait_from, nxt.to_json())
    if moved is None:
        return "skipped"
    if not send(moved.body):
        index.put_back(moved, pending)
        return "unsent"
    if nxt.retire:
        logger.warning("job retiring: it was sent the most times allowed without completing",
                       extra={"job": moved.body, "attempts": job.attempt})
        return "retiring"
    return "sent"


def _drop(index: PendingJobs, pending: PendingJob, job: AnyJob | None, why: str) -> str:
    """Take a job out of the index for good (the last resort), visibly."""
    if not index.drop(pending):
        return "skipped"
    job_type = job.type if job is not None else str(_type_of(pending.body))
    logger.error("job abandoned: no longer pending; what it was for must be settled by hand",
                 extra={"reason": why, "job": pending.body[:2000], "item": {"PK": pending.key.pk, "SK": pending.key.sk}})
    metrics.count("JobsAbandoned", job_type=job_type)
    return "dropped"


def _type_of(body: str) -> str:
    try:
        value = json.loads(body)
    except ValueError:
        return "unknown"
    return str(value.get("type", "unknown")) if isinstance(value, dict) else "unknown"
