"""Bad input to the v1 customers routes beyond create/get: every refusal is a 400 (or 404) in the Voucherify error shape."""

from __future__ import annotations

import pytest

from loyalty.core.errors import LoyaltyError
from loyalty.customers import service as customers
from tests.integration.conftest import Stack
from tests.integration.test_v1_customers_list import LIST


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
