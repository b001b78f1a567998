"""PUT and DELETE /v1/customers/{customerId} on moto: partial updates by id or source id, deletion and what it keeps."""

from __future__ import annotations

from typing import Any

from voucherify.models import CustomersUpdateResponseBody

from tests.integration.conftest import Stack
from tests.integration.test_v1_customers_list import create
from tests.integration.test_v2_journey import BASE, card_of, credit, make_components, make_member, make_program


def put(stack: Stack, ref: str, body: Any, **kw: Any) -> tuple[int, Any]:
    return stack.call("update_customer", "PUT", f"/v1/customers/{ref}", body, **kw)


def test_update_sets_only_the_given_fields_by_id_or_source_id(stack: Stack) -> None:
    customer = create(stack, {"source_id": "alice-1", "name": "Alice", "email": "a@example.com", "phone": "1",
                              "metadata": {"lang": "en", "vip": True}, "address": {"city": "Paris", "country": "FR"}})
    status, updated = put(stack, customer["id"], {"name": "Alice M.", "phone": None, "metadata": {"lang": "pl"}})
    assert status == 200, updated
    assert CustomersUpdateResponseBody.from_dict(updated) is not None
    assert updated["name"] == "Alice M." and "phone" not in updated and updated["email"] == "a@example.com"
    assert updated["metadata"] == {"lang": "pl"}  # metadata is replaced as a whole, as create's upsert does
    assert updated["address"]["city"] == "Paris" and updated["updated_at"] is not None
    assert updated["id"] == customer["id"] and updated["source_id"] == "alice-1" and updated["created_at"] == customer["created_at"]
    status, again = put(stack, "alice-1", {"address": {"city": "Oslo"}})
    assert status == 200 and again["address"] == {"city": "Oslo", "state": None, "line_1": None, "line_2": None,
                                                   "country": None, "postal_code": None}
    assert stack.call("get_customer", "GET", f"/v1/customers/{customer['id']}") == (200, again)


def test_the_body_may_repeat_the_customer_s_own_source_id(stack: Stack) -> None:
    # the JS SDK's customers.update({source_id, ...}) puts the source id in the path and leaves it in the body
    customer = create(stack, {"source_id": "dora", "name": "Dora"})
    status, updated = put(stack, "dora", {"source_id": "dora", "name": "Dora B."})
    assert status == 200 and (updated["id"], updated["source_id"], updated["name"]) == (customer["id"], "dora", "Dora B."), updated
    assert put(stack, customer["id"], {"source_id": "dora", "name": "Dora C."})[1]["name"] == "Dora C."
    status, refused = put(stack, "dora", {"source_id": "someone-else", "name": "X"})
    assert status == 400 and refused["key"] == "invalid_payload" and "cannot be changed" in refused["details"], refused


def test_an_update_that_changes_nothing_writes_nothing(stack: Stack) -> None:
    customer = create(stack, {"source_id": "bob", "name": "Bob"})
    assert put(stack, "bob", {"name": "Bob"}) == (200, customer)
    assert put(stack, "bob", {}) == (200, customer)


def test_delete_forgets_the_customer_and_frees_its_source_id_but_keeps_its_loyalty_records(stack: Stack) -> None:
    # Given a customer with a v2 member holding 40 points
    customer = create(stack, {"source_id": "carol", "name": "Carol"})
    program = make_program(stack, make_components(stack))
    member = make_member(stack, program["id"], customer["id"])
    card = card_of(stack, program["id"], member["id"])
    credit(stack, program["id"], member["id"], card["id"], 40)
    stack.drain()

    # When it is deleted
    status, body = stack.call("delete_customer", "DELETE", f"/v1/customers/{customer['id']}")

    # Then it answers 204 and is gone by id and by source id, and from the list
    assert (status, body) == (204, None)
    for ref in (customer["id"], "carol"):
        assert stack.call("get_customer", "GET", f"/v1/customers/{ref}")[0] == 404
        assert stack.call("delete_customer", "DELETE", f"/v1/customers/{ref}")[0] == 404
    assert stack.call("list_customers", "GET", "/v1/customers")[1]["total"] == 0
    # And its member, card and ledger are untouched
    kept = card_of(stack, program["id"], member["id"])
    assert kept["id"] == card["id"] and kept["balance"]["points"] == card["balance"]["points"] + 40
    status, txs = stack.call("list_card_transactions", "GET",
                             f"{BASE}/programs/{program['id']}/members/{member['id']}/cards/{card['id']}/transactions")
    assert status == 200 and len(txs["data"]) >= 1
    # And the source id names a new customer when posted again
    again = create(stack, {"source_id": "carol"})
    assert again["id"] != customer["id"]
