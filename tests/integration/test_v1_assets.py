"""The card asset URLs of a real v1 member answer images, with no API key: a PNG QR Code of the card's code and a Code 128
SVG naming it, cacheable for ever; the voucher object of every v1 read carries the same working URLs."""

from __future__ import annotations

import base64
import io
from typing import Any
from urllib.parse import urlsplit

import segno

from tests import support
from tests.integration.conftest import Stack
from tests.integration.test_v1_loyalty import add_member, get_member, make_campaign, make_customer
from tests.unit.test_v1_assets import png_size

ASSET = "get_card_asset_v1"


def fetch(url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """The raw Lambda result of GET <url> on the asset function, sent without an API key unless headers are given."""
    path = urlsplit(url).path
    return support.invoke(ASSET, support.http_event("GET", path, headers=headers or {}))


def image(result: dict[str, Any]) -> bytes:
    assert result["statusCode"] == 200, result
    assert result["isBase64Encoded"] is True
    return base64.b64decode(result["body"])


def test_the_qr_and_barcode_urls_of_a_new_member_answer_their_images(stack: Stack) -> None:
    campaign = make_campaign(stack)
    customer = make_customer(stack, name="Alice")
    status, card = add_member(stack, campaign["id"], {"customer": customer["id"]})
    assert status == 200, card
    qr, barcode = card["assets"]["qr"], card["assets"]["barcode"]
    assert qr["url"].endswith(f"/v1/assets/qr/{qr['id']}") and barcode["url"].endswith(f"/v1/assets/barcode/{barcode['id']}")

    result = fetch(qr["url"])
    png = image(result)
    assert result["headers"]["Content-Type"] == "image/png"
    assert result["headers"]["Cache-Control"].startswith("public, max-age=")
    expected = segno.make(card["code"], error="m", micro=False)
    assert png_size(png) == expected.symbol_size(scale=4, border=4)
    out = io.BytesIO()
    expected.save(out, kind="png", scale=4, border=4)
    assert png == out.getvalue()  # the QR Code of exactly the card's code

    result = fetch(barcode["url"])
    svg = image(result).decode()
    assert result["headers"]["Content-Type"] == "image/svg+xml" and "<svg" in svg and f">{card['code']}<" in svg

    # the same URLs on every read of the card, and they keep working with an API key sent along (it is ignored)
    status, again = get_member(stack, campaign["id"], card["code"])
    assert status == 200 and again["assets"] == card["assets"]
    assert image(fetch(qr["url"], stack.headers)) == png


def test_a_code_a_barcode_cannot_hold_has_no_barcode_url(stack: Stack) -> None:
    campaign = make_campaign(stack, pattern="ŻÓŁW-########")
    status, card = add_member(stack, campaign["id"], {"customer": {"source_id": "unicode"}})
    assert status == 200, card
    assert set(card["assets"]) == {"qr"}
    assert png_size(image(fetch(card["assets"]["qr"]["url"])))[0] > 0
