"""The v1 card asset URLs over HTTP against the local runtime: the `assets.qr.url` and `assets.barcode.url` of a member
answer the card's PNG QR Code and SVG barcode through the HTTP gateway (base64 decoded to the raw bytes) to a client
that sends no API key; an altered id answers 404 `not_found`. The exchanges are recorded for test_conformance.py (an
image as its media type and size: the route is ours, not in the reference; conformance.NOT_IN_REFERENCE)."""

from __future__ import annotations

import struct
import uuid
import zlib
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.e2e import conformance
from tests.e2e.conftest import Client

pytestmark = pytest.mark.e2e
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def fetch(client: Client, url: str) -> requests.Response:
    """GET an asset URL with no header at all (as an <img> would), recorded as `{content_type, bytes}` when an image."""
    path = urlsplit(url).path
    resp = requests.get(client.base_url + path, timeout=30)
    media = resp.headers.get("Content-Type", "")
    body: Any = resp.json() if media.startswith("application/json") else {"content_type": media, "bytes": len(resp.content)}
    client.recorder.record("GET", path, resp.status_code, body)
    return resp


def _member(client: Client) -> dict[str, Any]:
    campaign = client.post("/v1/loyalties", {"name": f"Assets {uuid.uuid4().hex[:8]}", "type": "AUTO_UPDATE",
                                             "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0},
                                                         "code_config": {"pattern": "IMG-########"}}})
    return dict(client.post(f"/v1/loyalties/{campaign['id']}/members", {"customer": {"source_id": f"img-{uuid.uuid4().hex[:8]}"}}))


def _journey(client: Client) -> None:
    card = _member(client)
    resp = fetch(client, card["assets"]["qr"]["url"])
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "image/png", resp.text[:200]
    assert resp.headers["Cache-Control"].startswith("public, max-age=")
    png = resp.content
    assert png[:8] == PNG_SIGNATURE and png[12:16] == b"IHDR" and struct.unpack(">I", png[29:33])[0] == zlib.crc32(png[12:29])
    width, height = struct.unpack(">II", png[16:24])
    assert width == height and width % 4 == 0 and (width // 4 - 8 - 17) % 4 == 0  # a full QR Code, 4 px a module

    resp = fetch(client, card["assets"]["barcode"]["url"])
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "image/svg+xml"
    assert "<svg" in resp.text and f">{card['code']}<" in resp.text

    url = card["assets"]["qr"]["url"]
    for bad in (url[:-2], url.replace("/qr/", "/barcode/"), url.replace("/qr/", "/pdf/")):
        resp = fetch(client, bad)
        assert resp.status_code == 404 and resp.json()["key"] == "not_found", resp.text


def test_a_member_s_asset_urls_answer_images_without_an_api_key(client: Client) -> None:
    _journey(client)


def drive_v1_assets(client: Client) -> None:
    """The card asset route with a success and its 404 (test_conformance.py runs it when this module did not)."""
    conformance.DRIVEN.add("v1_assets")
    _journey(client)
