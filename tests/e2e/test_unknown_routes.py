"""Unknown routes over HTTP: an unknown path or a known path with another method answers 404 with the Voucherify error body."""

from __future__ import annotations

import pytest
import requests

from local.runtime import ServeProcess
from tests.e2e.conftest import Client

ERROR_KEYS = {"code", "key", "message", "details", "request_id"}


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/v2/loyalties/no-such-route"),
    ("GET", "/v2/loyalties/programs/lprg_0123456789abcdef01/"),  # a trailing slash matches no route
    ("DELETE", "/v2/loyalties/programs"),  # known path, method no route serves
    ("PATCH", "/v1/customers/cust_1"),  # known path, method no route serves
    ("POST", "/"),
])
def test_unknown_route_answers_404_not_found(client: Client, method: str, path: str) -> None:
    status, body = client.request(method, path, {"a": 1} if method != "GET" else None)
    assert status == 404 and set(body) == ERROR_KEYS, body
    assert (body["code"], body["key"], body["message"]) == (404, "not_found", "Resource not found")
    assert body["details"] == f"No route for {method} {path}" and body["request_id"].startswith("v-")


def test_unknown_route_needs_no_credentials(server: ServeProcess) -> None:
    resp = requests.request("PATCH", f"{server.base_url}/v2/loyalties/programs?limit=5", timeout=30)
    assert resp.status_code == 404 and resp.headers["Content-Type"] == "application/json"
    body = resp.json()
    assert body["key"] == "not_found" and body["details"] == "No route for PATCH /v2/loyalties/programs"
    assert body["request_id"] == f"v-{resp.headers['apigw-requestid']}"


@pytest.mark.parametrize(("method", "path", "details"), [
    ("GET", "/v1/assets/qr/forged.id", "Cannot find asset with id qr/forged.id"),  # the public asset route: a bad id
    ("GET", "/v1/assets/pdf/forged.id", "Cannot find asset with id pdf/forged.id"),  # ... or an unknown kind
    ("POST", "/v1/assets/qr/forged.id", "No route for POST /v1/assets/qr/forged.id"),  # the $default route
    ("GET", "/v1/assets/qr", "No route for GET /v1/assets/qr"),
])
def test_asset_paths_answer_404_without_credentials(server: ServeProcess, method: str, path: str, details: str) -> None:
    resp = requests.request(method, f"{server.base_url}{path}", timeout=30)
    assert resp.status_code == 404 and resp.headers["Content-Type"] == "application/json"
    body = resp.json()
    assert set(body) >= ERROR_KEYS and body["key"] == "not_found" and body["details"] == details, body
