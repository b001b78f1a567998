"""GET /v1/customers on moto: the spec's filters, orders and pages, the documented list shape, bad input and isolation."""

from __future__ import annotations

import time
from typing import Any

import pytest
from voucherify.models import CustomersListResponseBody, CustomersSegmentsListResponseBody

from tests.integration.conftest import Stack

LIST = "/v1/customers"


def create(stack: Stack, body: dict[str, Any], **kw: Any) -> dict[str, Any]:
    status, customer = stack.call("create_customer", "POST", "/v1/customers", body, **kw)
    assert status == 200, customer
    return customer


def listed(stack: Stack, query: dict[str, str] | None = None, **kw: Any) -> dict[str, Any]:
    status, body = stack.call("list_customers", "GET", LIST, query=query, **kw)
    assert status == 200, body
    return body


def ids(body: dict[str, Any]) -> list[str]:
    return [c["id"] for c in body["customers"]]


@pytest.fixture
def three(stack: Stack) -> list[dict[str, Any]]:
    """Three customers created a moment apart (oldest first); the second is updated afterwards."""
    made = []
    for n, (name, city) in enumerate((("Ann", "Paris"), ("Bob", "Oslo"), ("Cy", "Paris"))):
        made.append(create(stack, {"source_id": f"src-{n}", "name": name, "email": f"{name.lower()}@example.com",
                                   "address": {"city": city}}))
        time.sleep(0.005)
    made[1] = create(stack, {"source_id": "src-1", "description": "updated"})
    return made


def test_list_answers_the_documented_shape_newest_first(stack: Stack, three: list[dict[str, Any]]) -> None:
    body = listed(stack)
    assert set(body) == {"object", "data_ref", "customers", "total", "has_more"}
    assert body["object"] == "list" and body["data_ref"] == "customers" and body["total"] == 3 and body["has_more"] is False
    assert ids(body) == [c["id"] for c in reversed(three)]
    assert body["customers"][1] == three[1]  # each entry is the customer as GET answers it
    parsed = CustomersListResponseBody.from_dict(body)
    assert parsed is not None and len(parsed.customers or []) == 3


def test_list_pages_with_limit_and_page(stack: Stack, three: list[dict[str, Any]]) -> None:
    first, second = listed(stack, {"limit": "2"}), listed(stack, {"limit": "2", "page": "2"})
    assert ids(first) == [three[2]["id"], three[1]["id"]] and first["has_more"] is True and first["total"] == 3
    assert ids(second) == [three[0]["id"]] and second["has_more"] is False
    assert listed(stack, {"limit": "2", "page": "9"})["customers"] == []


def test_list_orders_by_the_declared_fields(stack: Stack, three: list[dict[str, Any]]) -> None:
    assert ids(listed(stack, {"order": "created_at"})) == [c["id"] for c in three]
    assert ids(listed(stack, {"order": "-updated_at"}))[0] == three[1]["id"]
    assert ids(listed(stack, {"order": "-source_id"})) == [c["id"] for c in reversed(three)]


def test_list_filters_by_email_city_name_and_dates(stack: Stack, three: list[dict[str, Any]]) -> None:
    assert ids(listed(stack, {"email": "bob@example.com"})) == [three[1]["id"]]
    assert ids(listed(stack, {"city": "Paris", "order": "created_at"})) == [three[0]["id"], three[2]["id"]]
    assert ids(listed(stack, {"name": "Cy"})) == [three[2]["id"]]
    assert listed(stack, {"name": "cy"})["total"] == 0
    assert ids(listed(stack, {"created_at[after]": three[0]["created_at"], "order": "created_at"})) == [three[1]["id"], three[2]["id"]]
    assert ids(listed(stack, {"created_at[before]": three[1]["created_at"]})) == [three[0]["id"]]
    assert ids(listed(stack, {"updated_at[after]": "2000-01-01T00:00:00Z"})) == [three[1]["id"]]
    assert listed(stack, {"updated_at[before]": "2000-01-01"})["total"] == 0
    assert listed(stack, {"segment_id": "seg_1"}) == {"object": "list", "data_ref": "customers", "customers": [],
                                                       "total": 0, "has_more": False}


def test_starting_after_follows_the_order_direction(stack: Stack, three: list[dict[str, Any]]) -> None:
    assert ids(listed(stack, {"starting_after": three[1]["created_at"]})) == [three[0]["id"]]
    assert ids(listed(stack, {"starting_after": three[1]["created_at"], "order": "created_at"})) == [three[2]["id"]]


def test_segments_are_an_empty_list_until_segments_exist(stack: Stack) -> None:
    customer = create(stack, {"source_id": "seg-1"})
    for ref in (customer["id"], "seg-1"):
        status, body = stack.call("list_customer_segments", "GET", f"/v1/customers/{ref}/segments")
        assert (status, body) == (200, {"object": "list", "data_ref": "data", "data": [], "total": 0})
        assert CustomersSegmentsListResponseBody.from_dict(body) is not None
    status, body = stack.call("list_customer_segments", "GET", "/v1/customers/not-a-customer/segments")
    assert status == 404 and body["key"] == "not_found" and body["resource_type"] == "customer"
