"""Every endpoint at least once with a success and with its typical errors (400, 401, 404, 409, 423), over HTTP.

The exchanges are recorded by the `Client` (conftest) and validated by test_conformance.py against the Voucherify reference."""

from __future__ import annotations

from tests.e2e import conformance
from tests.e2e.conftest import Client


def test_v2_endpoints_with_their_errors(client: Client) -> None:
    out = conformance.drive_v2(client)
    assert out["purchase"]["transaction"]["type"] == "POINTS_SPENT_ON_REWARD"


def test_v1_endpoints_with_their_errors(client: Client) -> None:
    out = conformance.drive_v1(client)
    assert out["card"]["campaign_id"] == out["campaign"]["id"]


def test_orders_endpoints_with_their_errors(client: Client) -> None:
    out = conformance.drive_orders(client)
    assert out["order"]["object"] == "order" and out["order"]["status"] == "PAID"


def test_unauthorized_on_v1_and_v2(client: Client) -> None:
    conformance.drive_auth(client)
