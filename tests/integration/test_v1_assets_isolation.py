"""Tenant isolation of the public card asset route: it reads no table and trusts only the signed id, so project B can
neither name A's card by altering its own id nor reuse A's project in it; the route renders the card its id names, whoever
asks (any key, or none)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlsplit

from tests import support
from tests.integration.conftest import Stack

ASSET = "get_card_asset_v1"


def card_of(stack: Stack, headers: dict[str, str]) -> dict[str, Any]:
    """A new v1 card in the project of `headers`."""
    status, campaign = stack.call("create_loyalty_program_v1", "POST", "/v1/loyalties", {
        "name": "Assets", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}}, headers=headers)
    assert status == 200, campaign
    status, card = stack.call("add_member_v1", "POST", f"/v1/loyalties/{campaign['id']}/members", {"customer": {"source_id": "iso"}},
                              headers=headers)
    assert status == 200, card
    return dict(card)


def test_b_cannot_turn_its_asset_id_into_one_of_a_s_card(stack: Stack) -> None:
    a = card_of(stack, stack.headers)
    b = card_of(stack, stack.other_headers)
    a_id, b_id = a["assets"]["qr"]["id"], b["assets"]["qr"]["id"]
    b_tag = b_id.split(".")[1]
    a_head = a_id.split(".")[0]
    a_payload = base64.urlsafe_b64decode(a_head + "==")
    assert a_payload.split(b"\x00") == [b"acme", a["code"].encode()]
    globex_a = base64.urlsafe_b64encode(b"globex\x00" + a["code"].encode()).decode().rstrip("=")
    for forged in (f"{a_head}.{b_tag}", f"{globex_a}.{b_tag}"):
        status, body = support.call(ASSET, "GET", f"/v1/assets/qr/{forged}", headers=stack.other_headers)
        assert (status, body["key"]) == (404, "not_found")
    # each project's own URL answers its own card's image, whichever key (or none) comes along
    for card, headers in ((a, stack.other_headers), (b, stack.headers), (a, {})):
        result = support.invoke(ASSET, support.http_event("GET", urlsplit(card["assets"]["qr"]["url"]).path, headers=headers))
        assert result["statusCode"] == 200 and result["headers"]["Content-Type"] == "image/png"
