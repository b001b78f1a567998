"""Shared fixtures: moto is imported before any boto3 client exists."""

from __future__ import annotations

import os

import moto  # noqa: F401 - must be imported before any boto3 client is created

os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "TABLE_NAME": "loyalty-test",
    "EXPORTS_BUCKET": "loyalty-test-exports",
    "EVENT_BUS_NAME": "loyalty-test-events",
    "CURSOR_SECRET": "test-cursor-secret-0123456789abcdef",
    "POWERTOOLS_SERVICE_NAME": "loyalty",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
})
for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_EVENTBRIDGE",
            "AWS_PROFILE"):
    os.environ.pop(var, None)
