"""v1 customers on moto: create, upsert by source_id / id, get by id or source_id, bad input and project isolation."""

from __future__ import annotations

from datetime import date
from typing import Any

from voucherify import ApiClient
from voucherify.models import (
    CustomersCreateRequestBody,
    CustomersCreateRequestBodyAddress,
    CustomersCreateResponseBody,
    CustomersGetResponseBody,
)

from loyalty.customers import store as customers_store
from tests.integration.conftest import Stack

ERROR_FIELDS = {"code", "key", "message", "details", "request_id"}


def sdk_body(model: Any) -> Any:
    """A request body exactly as the official SDK serializes it."""
    return ApiClient().sanitize_for_serialization(model)


def create(stack: Stack, body: Any, **kw: Any) -> tuple[int, Any]:
    return stack.call("create_customer", "POST", "/v1/customers", body, **kw)


def assert_error(status: int, body: Any, code: int, key: str) -> None:
    assert status == code, body
    assert ERROR_FIELDS <= set(body), body
    assert body["code"] == code and body["key"] == key, body
    assert body["request_id"].startswith("v-")


def test_create_customer_with_the_sdk_body_stores_it_and_answers_the_documented_shape(stack: Stack) -> None:
    # Given the body the SDK sends for the spec's example
    body = sdk_body(CustomersCreateRequestBody(
        source_id="source_123", name="Bob Smith", description="A frequent customer", email="bob.smith@email.com",
        phone="+1 933 222 3333", birthdate=date(2022, 1, 1), metadata={"lang": "en", "test": True},
        address=CustomersCreateRequestBodyAddress(city="New York", country="United States", line_1="123 Main St.",
                                                  line_2="APT 3 BLG 4", postal_code="10001", state="NY")))

    # When it is posted
    status, customer = create(stack, body)

    # Then the customer comes back in the documented shape, parseable by the SDK
    assert status == 200, customer
    parsed = CustomersCreateResponseBody.from_dict(customer)
    assert parsed is not None and parsed.object == "customer"
    assert customer["id"].startswith("cust_") and customer["id"][5:].isalnum()
    assert customer["source_id"] == "source_123" and customer["birthdate"] == "2022-01-01"
    assert customer["address"]["postal_code"] == "10001"
    assert customer["metadata"] == {"lang": "en", "test": True}
    assert customer["summary"]["orders"]["total_count"] == 0
    assert customer["loyalty"] == {"points": 0, "referred_customers": 0, "campaigns": {}}
    assert customer["referrals"] == {"total": 0, "campaigns": []}
    assert customer["system_metadata"] == {} and customer["created_at"].endswith("Z")

    # And the customer and its source-id claim are stored
    db = stack.db()
    assert customers_store.get_customer_id_by_source_id(db, "source_123") == customer["id"]
    stored = customers_store.get_customer(db, customer["id"])
    assert stored is not None and stored["email"] == "bob.smith@email.com"


def test_same_source_id_updates_the_customer_instead_of_creating_another(stack: Stack) -> None:
    # Given a customer with source_id alice-1
    status, first = create(stack, {"source_id": "alice-1", "name": "Alice", "email": "a@example.com"})
    assert status == 200, first

    # When the same source_id is posted again with other fields
    status, second = create(stack, {"source_id": "alice-1", "name": "Alice Smith", "metadata": {"tier": "gold"}})

    # Then the same customer is updated (named fields replaced, others kept) and answered with 200
    assert status == 200, second
    assert second["id"] == first["id"]
    assert second["name"] == "Alice Smith" and second["email"] == "a@example.com"
    assert second["metadata"] == {"tier": "gold"} and second["updated_at"] is not None
    stored = customers_store.get_customer(stack.db(), first["id"])
    assert stored is not None and stored["name"] == "Alice Smith"
    customers = [i for i in stack.items() if i["SK"]["S"] == "CUSTOMER"]
    assert len(customers) == 1


def test_create_with_a_known_id_updates_it_and_an_unknown_id_is_404(stack: Stack) -> None:
    # Given a customer
    _, customer = create(stack, {"source_id": "bob-1", "name": "Bob"})

    # When it is posted again by id
    status, updated = create(stack, {"id": customer["id"], "phone": "+48 123"})

    # Then it is updated
    assert status == 200 and updated["id"] == customer["id"] and updated["phone"] == "+48 123"

    # And an unknown id is refused without writing anything
    before = stack.items()
    status, body = create(stack, {"id": "cust_doesnotexist000", "name": "X"})
    assert_error(status, body, 404, "not_found")
    assert body["resource_type"] == "customer"
    assert stack.items() == before

    # And an id beside another source_id names the customer by its id: the source id is ignored, not moved
    status, body = create(stack, {"id": customer["id"], "source_id": "other"})
    assert status == 200 and body["id"] == customer["id"] and body["source_id"] == customer["source_id"]
    assert stack.items() == before


def test_get_customer_by_id_or_source_id(stack: Stack) -> None:
    # Given a customer whose source id needs URL escaping
    _, customer = create(stack, {"source_id": "alice@example.com smith", "name": "Alice"})

    # When it is read by id and by (escaped) source id
    by_id = stack.call("get_customer", "GET", f"/v1/customers/{customer['id']}")
    by_source = stack.call("get_customer", "GET", "/v1/customers/alice%40example.com%20smith")

    # Then both answer the same customer, parseable by the SDK
    assert by_id == (200, customer)
    assert by_source == (200, customer)
    parsed = CustomersGetResponseBody.from_dict(by_id[1])
    assert parsed is not None and parsed.id == customer["id"]


def test_get_unknown_customer_is_404(stack: Stack) -> None:
    for path in ("/v1/customers/cust_unknown123", "/v1/customers/nobody", "/v1/customers/" + "x" * 300):
        status, body = stack.call("get_customer", "GET", path)
        assert_error(status, body, 404, "not_found")
        assert body["resource_type"] == "customer"


def test_a_customer_of_another_project_is_not_found(stack: Stack) -> None:
    # Given a customer of project acme
    _, customer = create(stack, {"source_id": "alice-1"})

    # When project globex reads it, by id or source id
    for ref in (customer["id"], "alice-1"):
        status, body = stack.call("get_customer", "GET", f"/v1/customers/{ref}", headers=stack.other_headers)
        # Then it does not exist for globex
        assert_error(status, body, 404, "not_found")

    # And globex posting the same source id creates its own customer
    status, other = create(stack, {"source_id": "alice-1"}, headers=stack.other_headers)
    assert status == 200 and other["id"] != customer["id"]
    assert customers_store.get_customer_id_by_source_id(stack.db(), "alice-1") == customer["id"]
    assert customers_store.get_customer_id_by_source_id(stack.db("globex"), "alice-1") == other["id"]


BAD_BODIES: list[tuple[str, dict[str, Any]]] = [
    ("unknown field", {"source_id": "x", "nickname": "y"}),
    ("wrong type", {"source_id": "x", "name": 5}),
    ("wrong type of source_id", {"source_id": 12}),
    ("empty source_id", {"source_id": ""}),
    ("bad birthdate", {"source_id": "x", "birthdate": "01/02/2022"}),
    ("impossible birthdate", {"source_id": "x", "birthdate": "2022-02-30"}),
    ("unknown address field", {"source_id": "x", "address": {"street": "Main"}}),
    ("metadata not an object", {"source_id": "x", "metadata": [1]}),
    ("metadata too large", {"source_id": "x", "metadata": {"blob": "x" * 40000}}),
    ("metadata too deep", {"source_id": "x", "metadata": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": {"j": {
        "k": {"l": {"m": {"n": {"o": {"p": {"q": 1}}}}}}}}}}}}}}}}}}),
    ("too long", {"source_id": "x", "email": "e" * 300}),
    ("body not an object", ["x"]),  # type: ignore[list-item]
]


def test_bad_create_customer_bodies_are_400_and_write_nothing(stack: Stack) -> None:
    before = stack.items()
    for case, body in BAD_BODIES:
        status, error = create(stack, body)
        assert status == 400 and error["key"] == "invalid_payload", (case, error)
        assert ERROR_FIELDS <= set(error), (case, error)
        assert stack.items() == before, case


def test_malformed_json_is_400(stack: Stack) -> None:
    before = stack.items()
    status, error = stack.call("create_customer", "POST", "/v1/customers", raw_body="{bad")
    assert_error(status, error, 400, "invalid_payload")
    assert error["details"] == "Payload must be valid JSON"
    assert stack.items() == before


def test_missing_credentials_are_401(stack: Stack) -> None:
    status, error = stack.call("create_customer", "POST", "/v1/customers", {"source_id": "x"}, headers={})
    assert_error(status, error, 401, "unauthorized")
