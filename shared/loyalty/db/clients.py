"""Cached boto3 clients (the only module-level state the layer keeps): the execution role's clients, and per-project
DynamoDB clients whose credentials are a tenant role assumed for that project alone.

Timeouts and retries are set so that a call to a stalled service gives up well inside the function timeout (the API
then answers 503 `service_unavailable`: `db.errors`); `worst_case_seconds()` is that bound, asserted against
template.yaml by a test."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from loyalty.core.settings import get_settings

MAX_ATTEMPTS = 2  # in all: the first attempt and one retry (botocore's standard mode retries throttles and transient errors;
# its `max_attempts` would count retries only, so the config names `total_max_attempts`)
CONNECT_TIMEOUT = 1.0  # seconds to open a connection (in-region: milliseconds)
READ_TIMEOUT = 2.0  # seconds to wait for an answer; DynamoDB answers in milliseconds, a 100-item transaction in well under 1 s
# botocore's standard mode waits rand(0, 1) * min(2**i, 20) s before retry i + 1 (i from 0; 1 s scale for throttles, less
# otherwise), and at most 5 s more when an answer carries `x-amz-retry-after`.
_BACKOFF_CAP = 20.0
_RETRY_AFTER_EXTRA = 5.0

def _config() -> Config:
    """Timeouts and retries of every client. The local runtime sets a longer read timeout for its emulators
    (settings.read_timeout_seconds): they can take seconds to answer under load, and unlike DynamoDB they ignore
    TransactWriteItems' ClientRequestToken, so a retry after a read timeout would apply a transaction twice."""
    read = get_settings().read_timeout_seconds or READ_TIMEOUT
    return Config(retries={"total_max_attempts": MAX_ATTEMPTS, "mode": "standard"}, connect_timeout=CONNECT_TIMEOUT,
                  read_timeout=read)

TAG = "project"  # the session tag the tenant roles' policies read as ${aws:PrincipalTag/project}
SESSION_SECONDS = 3600  # the longest session a chained role assumption may have
RENEW_BEFORE_SECONDS = 300  # renew a project's credentials this long before they expire
MAX_PROJECTS = 32  # tenant clients a warm container keeps (least recently used dropped first)


def worst_case_seconds() -> float:
    """The longest one call can take before it raises: every attempt stalled to both timeouts, plus the longest backoff
    before each retry."""
    backoff = sum(min(2.0**i, _BACKOFF_CAP) + _RETRY_AFTER_EXTRA for i in range(MAX_ATTEMPTS - 1))
    return MAX_ATTEMPTS * (CONNECT_TIMEOUT + READ_TIMEOUT) + backoff


@cache
def dynamodb() -> Any:
    """The DynamoDB client of the execution role (endpoint from AWS_ENDPOINT_URL when set)."""
    return boto3.client("dynamodb", config=_config())


@cache
def sqs() -> Any:
    """The SQS client."""
    return boto3.client("sqs", config=_config())


@cache
def s3() -> Any:
    """The S3 client of the exports bucket: SigV4 (pre-signed URLs too) and path-style addressing, so a pre-signed URL
    also works against an emulator's endpoint (AWS_ENDPOINT_URL_S3, the local runtime's moto server)."""
    return boto3.client("s3", config=_config().merge(Config(signature_version="s3v4", s3={"addressing_style": "path"})))


@cache
def events() -> Any:
    """The EventBridge client (the domain events' bus; endpoint from AWS_ENDPOINT_URL when set)."""
    return boto3.client("events", config=_config())


@cache
def sts() -> Any:
    """The STS client that assumes tenant roles (the region's own endpoint)."""
    return boto3.client("sts", config=_config())


def _dynamodb_with(project: str, credentials: dict[str, Any]) -> Any:
    """A DynamoDB client signing with a project's temporary credentials (an AssumeRole answer's `Credentials`)."""
    del project  # the credentials carry it (the session tag); a test's factory labels the client with it
    return boto3.client("dynamodb", config=_config(), aws_access_key_id=credentials["AccessKeyId"],
                        aws_secret_access_key=credentials["SecretAccessKey"], aws_session_token=credentials["SessionToken"])


class TenantClients:
    """Per-project DynamoDB clients, each signing as the tenant role assumed with the session tag `project=<id>`: the
    role's policy admits only keys that start with `<id>#`, so a request of one project cannot reach another's items.

    One STS AssumeRole per project per warm container; the credentials are renewed `renew_before` seconds before they
    expire; at most `max_projects` clients are kept."""

    def __init__(self, role_arn: str, *, sts_client: Callable[[], Any] = sts,
                 make_client: Callable[[str, dict[str, Any]], Any] = _dynamodb_with, max_projects: int = MAX_PROJECTS,
                 renew_before: float = RENEW_BEFORE_SECONDS, clock: Callable[[], float] = time.time) -> None:
        self.role_arn = role_arn
        self._sts = sts_client
        self.make_client = make_client
        self._max = max_projects
        self._renew_before = renew_before
        self._clock = clock
        self._entries: OrderedDict[str, tuple[Any, float]] = OrderedDict()  # project -> (client, expiry epoch seconds)
        self._lock = threading.Lock()

    def client(self, project: str) -> Any:
        """The client acting as `project` (assuming the role when there is none yet or its credentials are about to expire)."""
        with self._lock:
            entry = self._entries.get(project)
            if entry is not None and entry[1] - self._renew_before > self._clock():
                self._entries.move_to_end(project)
                return entry[0]
            credentials = self._sts().assume_role(
                RoleArn=self.role_arn, RoleSessionName=f"project-{project}", DurationSeconds=SESSION_SECONDS,
                Tags=[{"Key": TAG, "Value": project}])["Credentials"]
            client = self.make_client(project, credentials)
            self._entries[project] = (client, credentials["Expiration"].timestamp())
            self._entries.move_to_end(project)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
            return client

    @property
    def projects(self) -> list[str]:
        """The projects that have a client, least recently used first."""
        return list(self._entries)


@cache
def tenants(role_arn: str) -> TenantClients:
    """The container's tenant clients for one tenant role."""
    return TenantClients(role_arn)


def for_project(project: str) -> Any:
    """The client a project's table access goes through: the tenant role's, assumed for `project`, when the function
    names one (TENANT_ROLE_ARN); otherwise the execution role's (the local runtime and the tests, where nothing
    enforces IAM)."""
    role_arn = get_settings().tenant_role_arn
    return tenants(role_arn).client(project) if role_arn else dynamodb()


def reset() -> None:
    """Forget cached clients (tests switch endpoints between runs)."""
    dynamodb.cache_clear()
    sqs.cache_clear()
    s3.cache_clear()
    events.cache_clear()
    sts.cache_clear()
    tenants.cache_clear()
