"""Cached boto3 clients (the only module-level state the layer keeps).

Timeouts and retries are set so that a call to a stalled service gives up well inside the function timeout (the API
then answers 503 `service_unavailable`: `db.errors`); `worst_case_seconds()` is that bound, asserted against
template.yaml by a test."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

MAX_ATTEMPTS = 2  # in all: the first attempt and one retry (botocore's standard mode retries throttles and transient errors;
# its `max_attempts` would count retries only, so the config names `total_max_attempts`)
CONNECT_TIMEOUT = 1.0  # seconds to open a connection (in-region: milliseconds)
READ_TIMEOUT = 2.0  # seconds to wait for an answer; DynamoDB answers in milliseconds, a 100-item transaction in well under 1 s
# botocore's standard mode waits rand(0, 1) * min(2**i, 20) s before retry i + 1 (i from 0; 1 s scale for throttles, less
# otherwise), and at most 5 s more when an answer carries `x-amz-retry-after`.
_BACKOFF_CAP = 20.0
_RETRY_AFTER_EXTRA = 5.0

_CONFIG = Config(retries={"total_max_attempts": MAX_ATTEMPTS, "mode": "standard"}, connect_timeout=CONNECT_TIMEOUT,
                 read_timeout=READ_TIMEOUT)


def worst_case_seconds() -> float:
    """The longest one call can take before it raises: every attempt stalled to both timeouts, plus the longest backoff
    before each retry."""
    backoff = sum(min(2.0**i, _BACKOFF_CAP) + _RETRY_AFTER_EXTRA for i in range(MAX_ATTEMPTS - 1))
    return MAX_ATTEMPTS * (CONNECT_TIMEOUT + READ_TIMEOUT) + backoff




@cache
def dynamodb() -> Any:
    """The DynamoDB low-level client (endpoint from AWS_ENDPOINT_URL when set)."""
    return boto3.client("dynamodb", config=_CONFIG)


@cache
def sqs() -> Any:
    """The SQS client."""
    return boto3.client("sqs", config=_CONFIG)


def reset() -> None:
    """Forget cached clients (tests switch endpoints between runs)."""
    dynamodb.cache_clear()
    sqs.cache_clear()
