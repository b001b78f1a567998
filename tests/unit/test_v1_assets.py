"""The v1 card asset ids (v1/assets.py): signed round trip, refusal of every alteration, of another secret and of an
unknown kind, and the images themselves (a real PNG of a QR Code; a Code 128 SVG naming the code)."""

from __future__ import annotations

import base64
import struct
import zlib

import pytest

from loyalty.core.errors import LoyaltyError
from loyalty.v1 import assets

SECRET = "s" * 32
OTHER = "o" * 32


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG, after checking its signature and the CRC of its IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    assert struct.unpack(">I", data[29:33])[0] == zlib.crc32(data[12:29])
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def refused(kind: str, asset_id: str, secret: str = SECRET) -> LoyaltyError:
    with pytest.raises(LoyaltyError) as caught:
        assets.verify(kind, asset_id, secret)
    assert caught.value.status == 404 and caught.value.key == "not_found"
    return caught.value


@pytest.mark.parametrize("kind", assets.KINDS)
@pytest.mark.parametrize("code", ["L-3F7A9C21", "A B", "ŻÓŁW-1"])
def test_a_signed_id_verifies_back_to_its_project_and_code(kind: str, code: str) -> None:
    if not assets.renderable(kind, code):
        assert assets.asset_link(kind, "acme", code, SECRET, "https://x") is None  # no barcode of a non-ASCII code
        return
    asset_id = assets.sign(kind, "acme", code, SECRET)
    assert assets.verify(kind, asset_id, SECRET) == assets.Asset(kind, "acme", code)
    assert assets.sign(kind, "acme", code, SECRET) == asset_id  # deterministic: the card's URL never changes
    link = assets.asset_link(kind, "acme", code, SECRET, "https://x")
    assert link == {"id": asset_id, "url": f"https://x/v1/assets/{kind}/{asset_id}"}
    assert set(asset_id) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")  # one URL path segment


def test_every_alteration_of_an_id_is_refused() -> None:
    asset_id = assets.sign("qr", "acme", "L-3F7A9C21", SECRET)
    head, tag = asset_id.split(".")
    for i in range(len(asset_id)):
        for c in "A_-.0=%":
            changed = asset_id[:i] + c + asset_id[i + 1:]
            if changed != asset_id:
                refused("qr", changed)  # even a change base64 would read the same way: an id has one spelling
    forged = base64.urlsafe_b64encode(b"acme\x00L-00000000").decode().rstrip("=")
    for bad in (f"{forged}.{tag}", f"{head}", f"{head}.", f".{tag}", f"{head}.{tag}.{tag}", "", "%%%.%%%", "x" * 2000):
        refused("qr", bad)


def test_another_project_s_code_cannot_be_named_with_a_project_s_tag() -> None:
    mine = assets.sign("qr", "acme", "L-1", SECRET)
    theirs = assets.sign("qr", "globex", "L-1", SECRET)
    assert mine != theirs
    swapped = theirs.split(".")[0] + "." + mine.split(".")[1]
    refused("qr", swapped)


def test_an_id_made_under_another_secret_is_refused() -> None:
    refused("qr", assets.sign("qr", "acme", "L-1", OTHER))
    assert assets.verify("qr", assets.sign("qr", "acme", "L-1", OTHER), OTHER).code == "L-1"


def test_an_id_is_bound_to_its_kind_and_unknown_kinds_are_refused() -> None:
    qr = assets.sign("qr", "acme", "L-1", SECRET)
    refused("barcode", qr)
    for kind in ("pdf", "QR", "", "qr.png"):
        refused(kind, qr)
    assert refused("pdf", qr).body("r")["resource_type"] == "asset"


def test_a_barcode_id_of_a_non_ascii_code_is_refused_even_when_signed() -> None:
    refused("barcode", assets.sign("barcode", "acme", "ŻÓŁW", SECRET))


def test_the_qr_image_is_a_png_of_a_full_qr_code() -> None:
    data = assets.qr_png("L-3F7A9C21")
    width, height = png_size(data)
    # version 1 (21 modules) + 2 x 4 quiet-zone modules, 4 pixels each: never a Micro QR (11-17 modules)
    assert width == height == (21 + 8) * 4
    width, _ = png_size(assets.qr_png("X" * 100))
    assert width > (21 + 8) * 4 and (width // 4 - 8 - 17) % 4 == 0  # a larger version: 17 + 4 x version modules


def test_the_barcode_image_is_an_svg_naming_the_code() -> None:
    svg = assets.barcode_svg("L-3F<7&A").decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "L-3F&lt;7&amp;A" in svg
    assert svg.count("<rect") > 10  # the bars
    data, media_type = assets.render(assets.Asset("barcode", "acme", "L-1"))
    assert media_type == "image/svg+xml" and b">L-1<" in data
