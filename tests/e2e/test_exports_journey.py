"""v1 exports over HTTP against the local runtime: each export endpoint answers a SCHEDULED export, the runtime's worker
writes the CSV to the bucket it created on its moto server, GET /v1/exports/{id} ends DONE, and its pre-signed URL
downloads the CSV over plain HTTP with the rows the transactions list shows (recorded for test_conformance.py)."""

from __future__ import annotations

import csv
import io
import urllib.request
import uuid
from typing import Any

import pytest

from tests.e2e import conformance
from tests.e2e.conftest import Client
from tests.support import eventually

pytestmark = pytest.mark.e2e
NO_CAMPAIGN = "camp_0000000000000000000000"


def test_exports_from_schedule_to_download(client: Client) -> None:
    _exports(client)


def drive_exports(client: Client) -> None:
    """Every export route with a success and its typical errors (test_conformance.py runs it when this module did not)."""
    conformance.DRIVEN.add("exports")
    _exports(client)


def error(client: Client, method: str, path: str, status: int, key: str, body: Any = None) -> None:
    got, data = client.request(method, path, body)
    assert (got, data.get("key")) == (status, key), data


def download(url: str) -> list[list[str]]:
    """The CSV a pre-signed URL serves, fetched with no credentials at all."""
    assert url.startswith("http://127.0.0.1:"), url  # the local runtime's moto server
    with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - a local http URL
        assert resp.status == 200
        return list(csv.reader(io.StringIO(resp.read().decode("utf-8"))))


def finished(client: Client, export_id: str) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        export = client.get(f"/v1/exports/{export_id}")
        return export if export["status"] == "DONE" else None

    return dict(eventually(check, timeout=30))


def _exports(client: Client) -> None:
    tag = uuid.uuid4().hex[:8]
    campaign = client.post("/v1/loyalties", {"name": f"E2E exports {tag}", "type": "AUTO_UPDATE",
                                             "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}})
    code = client.post(f"/v1/loyalties/{campaign['id']}/members", {"customer": {"source_id": f"e2e-exp-{tag}"}})["code"]
    for body in ({"points": 100, "reason": "e2e, welcome"}, {"points": -30}, {"points": 12, "expiration_date": "2099-12-31"}):
        client.post(f"/v1/loyalties/{campaign['id']}/members/{code}/balance", body)
    listed = client.get(f"/v1/loyalties/{campaign['id']}/transactions")["data"]

    fields = ["id", "type", "amount", "reason"]
    export = client.post(f"/v1/loyalties/{campaign['id']}/transactions/export", {"parameters": {"fields": fields}})
    assert export["status"] == "SCHEDULED" and export["result"] is None
    done = finished(client, export["id"])
    assert download(done["result"]["url"]) == [fields, *[[t["id"], t["type"], str(t["details"]["balance"]["points"]), t["reason"] or ""]
                                                         for t in listed]]

    for path in (f"/v1/loyalties/members/{code}/transactions/export", f"/v1/loyalties/{campaign['id']}/members/{code}/transactions/export"):
        export = client.post(path, {"parameters": {"order": "created_at", "fields": ["id"]}})
        assert download(finished(client, export["id"])["result"]["url"]) == [["id"], *[[t["id"]] for t in listed[::-1]]]

    export = client.post(f"/v1/loyalties/{campaign['id']}/points-expiration/export",
                         {"parameters": {"fields": ["voucher_id", "points", "expires_at"], "order": "expires_at"}})
    rows = download(finished(client, export["id"])["result"]["url"])
    assert rows[0] == ["voucher_id", "points", "expires_at"] and [r[1:] for r in rows[1:]] == [["12", "2099-12-31"]]

    error(client, "POST", f"/v1/loyalties/{campaign['id']}/transactions/export", 400, "invalid_payload", {"parameters": {"fields": ["x"]}})
    error(client, "POST", f"/v1/loyalties/{campaign['id']}/points-expiration/export", 400, "invalid_payload", {"parameters": {"order": "id"}})
    error(client, "POST", f"/v1/loyalties/{NO_CAMPAIGN}/transactions/export", 404, "not_found", {})
    error(client, "POST", f"/v1/loyalties/{NO_CAMPAIGN}/members/{code}/transactions/export", 404, "not_found", {})
    error(client, "POST", "/v1/loyalties/members/NO-SUCH-CODE/transactions/export", 404, "not_found", {})
    error(client, "POST", f"/v1/loyalties/{NO_CAMPAIGN}/points-expiration/export", 404, "not_found", {})
    error(client, "GET", "/v1/exports/exp_0000000000000000", 404, "not_found")
