"""Cached boto3 clients (the only module-level state the layer keeps)."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=3, read_timeout=10)


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
