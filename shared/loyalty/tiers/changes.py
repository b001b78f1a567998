# PLACEHOLDER: replaced by the lead's tier evaluator at merge
"""Card changes from the table's stream -> tier re-evaluation (placeholder: settles every record without doing anything)."""

from __future__ import annotations


def process_stream_event(event: dict) -> dict:
    """A Lambda DynamoDB stream event -> `{"batchItemFailures": [{"itemIdentifier": <SequenceNumber>}, ...]}`."""
    return {"batchItemFailures": []}
