"""The exports bucket: write an export's CSV and sign a time-limited GET URL for it (the only S3 plumbing)."""

from __future__ import annotations

from typing import IO

from loyalty.core.settings import get_settings
from loyalty.db import clients

URL_SECONDS = 3600
"""How long a pre-signed download URL stays valid (it is signed again on every GET of the export)."""
CONTENT_TYPE = "text/csv; charset=utf-8"


def export_object_key(project_id: str, export_id: str) -> str:
    """Where an export's CSV lives: under its project's prefix, named by the export (a redelivered job overwrites it)."""
    return f"{project_id}/exports/{export_id}.csv"


def put_export(key: str, body: IO[bytes]) -> None:
    """Upload a CSV file object to the exports bucket (multipart for large files, as boto3's transfer manager decides)."""
    clients.s3().upload_fileobj(body, get_settings().exports_bucket, key, ExtraArgs={"ContentType": CONTENT_TYPE})


def signed_url(key: str, seconds: int = URL_SECONDS) -> str:
    """A pre-signed GET URL of an object of the exports bucket, valid `seconds` (no call is made: signing is local)."""
    url: str = clients.s3().generate_presigned_url(
        "get_object", Params={"Bucket": get_settings().exports_bucket, "Key": key}, ExpiresIn=seconds)
    return url
