"""Bad input to the v1 customers routes beyond create/get: every refusal is a 400 (or 404) in the Voucherify error shape."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.core.errors import LoyaltyError
from loyalty.customers import service as customers
from tests.integration.conftest import Stack, error_of
from tests.integration.test_v1_customers_list import LIST, create


@pytest.mark.parametrize("query", [
    {"limit": "0"}, {"limit": "101"}, {"limit": "ten"}, {"page": "0"}, {"page": "100"}, {"order": "name"},
    {"order": "-email"}, {"created_at[before]": "yesterday"}, {"updated_at[after]": "2024-13-01"},
    {"starting_after": "soon"}, {"filters[name][conditions][$is]": "x"}, {"cursor": "abc"}, {"emails": "a@b.c"},
])
def test_list_refuses_undeclared_or_malformed_query_params(stack: Stack, query: dict[str, str]) -> None:
    status, body = stack.call("list_customers", "GET", LIST, query=query)
    assert status == 400, body
    assert body["key"] == "invalid_query_params" and body["request_id"].startswith("v-")


def test_list_refuses_a_repeated_param(stack: Stack) -> None:
    with pytest.raises(LoyaltyError) as refused:
        customers.list_customers(stack.db(), [("limit", "1"), ("limit", "2")])
    assert refused.value.status == 400 and refused.value.key == "invalid_query_params"


@pytest.mark.parametrize("body", [
    {"email": 5}, {"name": "x" * 256}, {"birthdate": "2022-13-01"}, {"metadata": "no"}, {"address": {"town": "x"}},
    {"id": "cust_abc"}, {"source_id": "other"}, {"nickname": "x"}, [], "text",
])
def test_update_refuses_a_bad_body_and_changes_nothing(stack: Stack, body: Any) -> None:
    customer = create(stack, {"source_id": "alice-1", "name": "Alice"})
    status, refused = stack.call("update_customer", "PUT", f"/v1/customers/{customer['id']}", body)
    assert status == 400 and refused["key"] == "invalid_payload", refused
    assert stack.call("get_customer", "GET", f"/v1/customers/{customer['id']}") == (200, customer)


@pytest.mark.parametrize("ref", ["cust_unknown123", "nobody", "x" * 300])
def test_update_and_delete_of_an_unknown_customer_are_404(stack: Stack, ref: str) -> None:
    for name, method, body in (("update_customer", "PUT", {"name": "x"}), ("delete_customer", "DELETE", None)):
        status, refused = stack.call(name, method, f"/v1/customers/{ref}", body)
        assert status == 404 and refused["key"] == "not_found" and refused["resource_type"] == "customer", refused


@pytest.mark.parametrize("ref", ["cust_unknown123", "nobody", "x" * 300])
def test_permanent_deletion_of_an_unknown_customer_is_404(stack: Stack, ref: str) -> None:
    status, refused = stack.call("permanently_delete_customer", "POST", f"/v1/customers/{ref}/permanent-deletion")
    assert status == 404 and refused["key"] == "not_found" and refused["resource_type"] == "customer", refused


def test_segments_refuse_a_query_param(stack: Stack) -> None:
    customer = create(stack, {"source_id": "segs"})
    status, body = stack.call("list_customer_segments", "GET", f"/v1/customers/{customer['id']}/segments", query={"limit": "1"})
    assert status == 400 and body["key"] == "invalid_query_params", body


@pytest.mark.parametrize(("name", "method", "path", "body", "query", "key"), [
    ("list_customer_activity", "GET", "/v1/customers/alice-1/activity", None, {"category": "ACTION"}, "invalid_query_params"),
    ("list_customer_activities", "GET", "/v1/customers/alice-1/activities", None, {"product_id": "p"}, "invalid_query_params"),
    ("list_customer_redeemables", "GET", "/v1/customers/alice-1/redeemables", None, {"order": "x"}, "invalid_query_params"),
    ("update_customers_in_bulk", "POST", "/v1/customers/bulk/async", [{"name": "no source id"}], None, "invalid_payload"),
    ("update_customers_metadata_in_bulk", "POST", "/v1/customers/metadata/async", {"source_ids": []}, None, "invalid_payload"),
    ("import_customers_using_csv", "POST", "/v1/customers/importCSV", {"source_id": "x"}, None, "unsupported_media_type"),
])
def test_new_customer_routes_refuse_bad_input_and_write_nothing(stack: Stack, name: str, method: str, path: str, body: Any,
                                                                  query: dict[str, str] | None, key: str) -> None:
    create(stack, {"source_id": "alice-1"})
    error_of(stack, 415 if key == "unsupported_media_type" else 400, key, name, method, path, body, query=query)
