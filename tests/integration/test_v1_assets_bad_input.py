"""Bad input on the public card asset route: a forged, altered or truncated asset id, an id of another kind or made under
another secret, an unknown kind: 404 `not_found` with Voucherify's error body, never an image and never a 401."""

from __future__ import annotations

import json
from typing import Any

import pytest

from loyalty.core.settings import get_settings
from loyalty.v1 import assets
from tests import support
from tests.integration.conftest import Stack

ASSET = "get_card_asset_v1"


def answer(kind: str, asset_id: str) -> tuple[int, Any]:
    return support.call(ASSET, "GET", f"/v1/assets/{kind}/{asset_id}", headers={})


def test_forged_altered_or_foreign_ids_are_not_found(stack: Stack) -> None:
    secret = get_settings().cursor_secret
    good = assets.sign("qr", "acme", "L-12345678", secret)
    head, tag = good.split(".")
    forged = assets.sign("qr", "acme", "L-12345678", "x" * 32)
    for kind, asset_id in (("qr", forged), ("qr", head + "." + tag[:-1]), ("qr", head), ("qr", "nothing"),
                           ("barcode", good), ("pdf", good), ("QR", good), ("qr", good + "A")):
        status, body = answer(kind, asset_id)
        assert status == 404, (kind, asset_id, body)
        assert body["key"] == "not_found" and body["code"] == 404 and set(body) >= {"message", "details", "request_id"}


@pytest.mark.parametrize("kind", ["qr", "barcode"])
def test_the_route_answers_json_errors_without_an_api_key(stack: Stack, kind: str) -> None:
    result = support.invoke(ASSET, support.http_event("GET", f"/v1/assets/{kind}/abc.def", headers={}))
    assert result["statusCode"] == 404 and result["headers"]["Content-Type"] == "application/json"
    assert json.loads(result["body"])["key"] == "not_found"
