"""The customers routes beyond create/get/update over HTTP against the local runtime: a customer's activity, activities
and redeemables, the bulk and metadata async updates and the CSV import, each read back through GET
/v1/async-actions/{id} (recorded for test_conformance.py, which checks each answer against customers.json)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e import conformance
from tests.e2e.conftest import Client
from tests.support import eventually

pytestmark = pytest.mark.e2e


def error(client: Client, method: str, path: str, status: int, key: str, body: Any = None, **kw: Any) -> dict[str, Any]:
    got, data = client.request(method, path, body, **kw)
    assert (got, data.get("key")) == (status, key), data
    return data


def test_a_customer_s_holdings_and_async_updates(client: Client) -> None:
    _customers(client)


def drive_v1_customers(client: Client) -> None:
    """Every customers route of this module with a success and its typical errors (test_conformance.py runs it when this
    module did not)."""
    conformance.DRIVEN.add("v1_customers")
    _customers(client)


def _done(client: Client, action_id: str) -> dict[str, Any]:
    return dict(eventually(lambda: (a := client.get(f"/v1/async-actions/{action_id}"))["status"] == "DONE" and a))


def _customers(client: Client) -> None:
    tag = uuid.uuid4().hex[:8]
    source = f"e2e-cust-{tag}"
    campaign = client.post("/v1/loyalties", {"name": f"E2E customers {tag}", "type": "AUTO_UPDATE",
                                             "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 10}}})
    card = client.post(f"/v1/loyalties/{campaign['id']}/members", {"customer": {"source_id": source}})
    client.post(f"/v1/loyalties/{campaign['id']}/members/{card['code']}/balance", {"points": 5})

    # activity: newest first, paged by id; the deprecated list by date
    page = client.get(f"/v1/customers/{source}/activity", params={"limit": 1})
    assert page["has_more"] is True and page["data"][0]["type"] == "customer.voucher.loyalty_card.points_added", page
    rest = client.get(f"/v1/customers/{card['holder_id']}/activity", params={"starting_after_id": page["more_starting_after"]})
    assert len(rest["data"]) == 1 and rest["has_more"] is False
    client.get(f"/v1/customers/{source}/activity", params={"campaign_id": campaign["id"], "campaign_type": "LOYALTY_PROGRAM"})
    error(client, "GET", f"/v1/customers/{source}/activity", 400, "invalid_query_params", params={"category": "ACTION"})
    error(client, "GET", "/v1/customers/cust_doesnotexist0/activity", 404, "not_found")
    old = client.get(f"/v1/customers/{source}/activities", params={"limit": 5, "starting_after": "2999-01-01T00:00:00Z"})
    assert old["total"] == 2
    error(client, "GET", f"/v1/customers/{source}/activities", 400, "invalid_query_params", params={"product_id": "p"})

    # redeemables: the customer's card as a voucher
    held = client.get(f"/v1/customers/{source}/redeemables")
    assert held["total"] == 1 and held["data"][0]["redeemable"]["voucher"]["code"] == card["code"], held
    client.get(f"/v1/customers/{source}/redeemables", params={"filters[campaign_id][conditions][$is]": campaign["id"]})
    error(client, "GET", f"/v1/customers/{source}/redeemables", 400, "invalid_query_params", params={"order": "code"})
    error(client, "GET", "/v1/customers/nobody-at-all/redeemables", 404, "not_found")

    # bulk: upsert by source id, applied by the worker, read back through the async action
    accepted = client.post("/v1/customers/bulk/async", [{"source_id": source, "name": "Bulk"},
                                                         {"source_id": f"{source}-new", "email": "new@example.com"}], expect=202)
    result = _done(client, accepted["async_action_id"])["result"]
    assert [r["status"] for r in result["results"]] == ["UPDATED", "CREATED"], result
    assert client.get(f"/v1/customers/{source}-new")["email"] == "new@example.com"
    error(client, "POST", "/v1/customers/bulk/async", 400, "invalid_payload", [{"name": "no source id"}])

    # metadata: merged into existing customers, unknown ones reported
    accepted = client.post("/v1/customers/metadata/async", {"source_ids": [source, f"{source}-none"], "metadata": {"vip": True}},
                           expect=202)
    result = _done(client, accepted["async_action_id"])["result"]
    assert (result["done_count"], result["failed_count"]) == (1, 1), result
    assert client.get(f"/v1/customers/{source}")["metadata"] == {"vip": True}
    error(client, "POST", "/v1/customers/metadata/async", 400, "invalid_payload", {"source_ids": []})

    # CSV import: a multipart/form-data file, as the SDKs send it
    csv_text = f"source_id,name,address_city,metadata.lang\n{source}-csv,Csv Person,Paris,fr\n"
    status, accepted = client.request("POST", "/v1/customers/importCSV", files={"file": ("customers.csv", csv_text, "text/csv")},
                                      headers={"Content-Type": None})
    assert status == 202, accepted
    assert _done(client, accepted["async_action_id"])["result"]["done_count"] == 1
    imported = client.get(f"/v1/customers/{source}-csv")
    assert (imported["name"], imported["address"]["city"], imported["metadata"]) == ("Csv Person", "Paris", {"lang": "fr"})
    error(client, "POST", "/v1/customers/importCSV", 400, "invalid_payload", files={"file": ("c.csv", "name\nx\n", "text/csv")},
          headers={"Content-Type": None})
    error(client, "POST", "/v1/customers/importCSV", 415, "unsupported_media_type", {"source_id": "x"})
