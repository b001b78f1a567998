"""Runtime settings, read once from the environment into one pydantic model."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, Field


class Settings(BaseModel):
    """Everything a function needs from its environment."""

    table_name: str = Field(min_length=1)
    queue_url: str = ""
    cursor_secret: str = Field(default="dev-cursor-secret-change-me", min_length=8)
    auth_cache_ttl_seconds: int = Field(default=60, ge=0, le=60)
    cursor_ttl_seconds: int = Field(default=3600, ge=60)
    sweep_after_seconds: int = Field(default=300, ge=1)  # longer than the queue's visibility timeout (template test)
    job_max_attempts: int = Field(default=5, ge=1)  # sends of a job before the sweeper retires it
    sweep_jobs_per_project: int = Field(default=100, ge=1)  # re-sends per project per sweep, so no backlog starves the rest
    project_rate_limit: int = Field(default=0, ge=0)  # requests per second per project; 0: no limit
    rate_window_seconds: int = Field(default=10, ge=1, le=60)
    read_timeout_seconds: float | None = Field(default=None, gt=0)  # None: db.clients' (AWS); the local runtime sets 30
    tenant_role_arn: str = ""  # the role whose per-project sessions reach the table (empty: the execution role does)
    timezone: str = "UTC"  # the IANA time zone of dates, validity hours and the daily job (earning-map §13)
    earning_cache_seconds: int = Field(default=10, ge=0, le=300)  # how long a warm worker reuses a program's earning setup
    exports_bucket: str = ""  # the S3 bucket the export CSVs are written to (template.yaml ExportsBucket)
    webhook_queue_url: str = ""  # the queue of webhook deliveries (template.yaml WebhookQueue); empty: the jobs queue
    webhooks_allow_http: bool = False  # the local runtime allows http:// webhook URLs (a developer's local receiver)
    event_bus_name: str = ""  # the EventBridge bus the domain events are published to (template.yaml EventBus)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the settings once per process."""
    env = os.environ
    return Settings(
        table_name=env.get("TABLE_NAME", ""),
        queue_url=env.get("QUEUE_URL", ""),
        cursor_secret=env.get("CURSOR_SECRET", "dev-cursor-secret-change-me"),
        auth_cache_ttl_seconds=int(env.get("AUTH_CACHE_TTL_SECONDS", "60")),
        cursor_ttl_seconds=int(env.get("CURSOR_TTL_SECONDS", "3600")),
        sweep_after_seconds=int(env.get("SWEEP_AFTER_SECONDS", "300")),
        job_max_attempts=int(env.get("JOB_MAX_ATTEMPTS", "5")),
        sweep_jobs_per_project=int(env.get("SWEEP_JOBS_PER_PROJECT", "100")),
        project_rate_limit=int(env.get("PROJECT_RATE_LIMIT", "0")),
        rate_window_seconds=int(env.get("RATE_WINDOW_SECONDS", "10")),
        read_timeout_seconds=float(env["LOYALTY_READ_TIMEOUT_SECONDS"]) if env.get("LOYALTY_READ_TIMEOUT_SECONDS") else None,
        tenant_role_arn=env.get("TENANT_ROLE_ARN", ""),
        timezone=env.get("PROJECT_TIMEZONE", "UTC"),
        earning_cache_seconds=int(env.get("EARNING_CACHE_SECONDS", "10")),
        exports_bucket=env.get("EXPORTS_BUCKET", ""),
        webhook_queue_url=env.get("WEBHOOK_QUEUE_URL", ""),
        webhooks_allow_http=env.get("WEBHOOKS_ALLOW_HTTP", "").lower() in ("1", "true", "yes"),
        event_bus_name=env.get("EVENT_BUS_NAME", ""),
    )
