"""The images of a v1 loyalty card (`assets.qr` and `assets.barcode` of the voucher object): their opaque ids and their
rendering. An asset id carries the project id and the card code in the clear (base64url), authenticated with an
HMAC-SHA256 under a key derived from the stack's secret (the cursor secret, under this module's own label): nobody can
forge an id for another code or alter the one they hold, and the public route renders from the id alone, reading
nothing. The image of a code never changes, so its answer may be cached for ever."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
from dataclasses import dataclass
from functools import lru_cache

from loyalty.core.errors import LoyaltyError, not_found
from loyalty.core.settings import get_settings

KINDS = ("qr", "barcode")
MEDIA_TYPES = {"qr": "image/png", "barcode": "image/svg+xml"}
CACHE_CONTROL = "public, max-age=31536000, immutable"
MAX_ASSET_ID_LENGTH = 1024
_MAC_BYTES = 16
_LABEL = b"loyalty-asset-v1\x00"


@dataclass(frozen=True)
class Asset:
    """What an asset id names: the project and card code whose image of `kind` it is."""

    kind: str
    project_id: str
    code: str


def asset_not_found(kind: str, asset_id: str) -> LoyaltyError:
    """404 `not_found` for an asset id that is forged, altered, of an unknown kind or not renderable."""
    return not_found("asset", f"{kind}/{asset_id}"[:200])


@lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    return hashlib.sha256(_LABEL + secret.encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, kind: str, payload: bytes) -> bytes:
    return hmac.new(_key(secret), kind.encode() + b"\x00" + payload, hashlib.sha256).digest()[:_MAC_BYTES]


def renderable(kind: str, code: str) -> bool:
    """Whether `code` has an image of `kind`: a QR code holds any text; Code 128 holds ASCII only."""
    return kind == "qr" or (kind == "barcode" and code.isascii() and code.isprintable())


def sign(kind: str, project_id: str, code: str, secret: str) -> str:
    """The opaque asset id of a card code's image of `kind` (`<payload>.<mac>`, base64url)."""
    payload = project_id.encode() + b"\x00" + code.encode()
    return f"{_b64(payload)}.{_b64(_mac(secret, kind, payload))}"


def verify(kind: str, asset_id: str, secret: str) -> Asset:
    """What an asset id names; 404 `not_found` when the kind is unknown or the id forged, altered or made for another
    kind or under another secret."""
    if kind not in KINDS or len(asset_id) > MAX_ASSET_ID_LENGTH or asset_id.count(".") != 1:
        raise asset_not_found(kind, asset_id)
    head, tag = asset_id.split(".")
    try:
        payload, mac = _unb64(head), _unb64(tag)
    except (binascii.Error, ValueError):
        raise asset_not_found(kind, asset_id) from None
    if _b64(payload) != head or _b64(mac) != tag or not hmac.compare_digest(mac, _mac(secret, kind, payload)):  # one spelling
        raise asset_not_found(kind, asset_id)
    project_id, _, raw_code = payload.partition(b"\x00")
    code = raw_code.decode("utf-8", errors="replace")
    if not code or not renderable(kind, code):
        raise asset_not_found(kind, asset_id)
    return Asset(kind, project_id.decode("utf-8", errors="replace"), code)


def asset_link(kind: str, project_id: str, code: str, secret: str, base: str) -> dict[str, str] | None:
    """The `{id, url}` of a card's image of `kind` under the API's base URL; None when the code has no such image."""
    if not renderable(kind, code):
        return None
    asset_id = sign(kind, project_id, code, secret)
    return {"id": asset_id, "url": f"{base}/v1/assets/{kind}/{asset_id}"}


def qr_png(code: str) -> bytes:
    """The code as a QR Code (never a Micro QR: phone cameras read few of those) in a PNG, 4 pixels a module."""
    import segno  # here: only the asset function renders

    out = io.BytesIO()
    segno.make(code, error="m", micro=False).save(out, kind="png", scale=4, border=4)
    return out.getvalue()


def barcode_svg(code: str) -> bytes:
    """The code as a Code 128 barcode in an SVG document, with the code written under the bars."""
    from barcode import Code128  # here: only the asset function renders
    from barcode.writer import SVGWriter

    out = io.BytesIO()
    Code128(code, writer=SVGWriter()).write(out, options={"write_text": True})
    return out.getvalue()


def render(asset: Asset) -> tuple[bytes, str]:
    """The image an asset names, with its media type."""
    data = qr_png(asset.code) if asset.kind == "qr" else barcode_svg(asset.code)
    return data, MEDIA_TYPES[asset.kind]


def card_asset(kind: str, asset_id: str) -> tuple[bytes, str]:
    """The image a public asset URL names, with its media type (verified under the stack's secret); 404 `not_found` for
    an id that is forged, altered or of an unknown kind."""
    return render(verify(kind, asset_id, get_settings().cursor_secret))
