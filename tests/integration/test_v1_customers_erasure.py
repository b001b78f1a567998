"""POST /v1/customers/{customerId}/permanent-deletion on moto: personal data erased, loyalty records kept pseudonymous."""

from __future__ import annotations

import json

from voucherify.models import CustomersPermanentDeletionCreateResponseBody

from tests.integration.conftest import Stack
from tests.integration.test_v1_customers_list import create
from tests.integration.test_v2_journey import card_of, credit, make_components, make_program


def test_permanent_deletion_erases_the_customer_and_keeps_its_ledgers_anonymous(stack: Stack) -> None:
    # Given a customer with personal data, a v2 member with metadata and 25 points, and a v1 card
    customer = create(stack, {"source_id": "dana@example.com", "name": "Dana Secret", "email": "dana@example.com",
                              "phone": "+48 600", "address": {"city": "Gdansk"}, "metadata": {"ssn": "123"}})
    program = make_program(stack, make_components(stack))
    status, member = stack.call("create_program_member", "POST", f"/v2/loyalties/programs/{program['id']}/members",
                                {"customer_id": customer["id"], "metadata": {"nickname": "dana"}})
    assert status == 200, member
    card = card_of(stack, program["id"], member["id"])
    credit(stack, program["id"], member["id"], card["id"], 25)
    stack.drain()

    # When it is permanently deleted (by source id)
    status, deletion = stack.call("permanently_delete_customer", "POST", "/v1/customers/dana%40example.com/permanent-deletion")

    # Then the deletion request answers the documented shape, DONE
    assert status == 200, deletion
    assert CustomersPermanentDeletionCreateResponseBody.from_dict(deletion) is not None
    assert deletion["id"].startswith("del_") and deletion["status"] == "DONE" and deletion["object"] == "pernament_deletion"
    assert deletion["related_object_id"] == customer["id"] and deletion["related_object"] == "customer"
    assert deletion["data_json"]["customer"] == 1
    # And the customer cannot be found, updated or erased again, by id or source id
    for ref in (customer["id"], "dana%40example.com"):
        assert stack.call("get_customer", "GET", f"/v1/customers/{ref}")[0] == 404
        assert stack.call("update_customer", "PUT", f"/v1/customers/{ref}", {"name": "x"})[0] == 404
        assert stack.call("permanently_delete_customer", "POST", f"/v1/customers/{ref}/permanent-deletion")[0] == 404
    # And no stored item holds its personal data any more
    stored = json.dumps([item for item in stack.items() if item["PK"]["S"].startswith("acme#")])
    for secret in ("Dana Secret", "dana@example.com", "+48 600", "Gdansk", "123\"", "nickname"):
        assert secret not in stored, secret
    # And the member, card and ledger stay consistent: the points are still there
    status, kept = stack.call("get_program_member", "GET", f"/v2/loyalties/programs/{program['id']}/members/{member['id']}")
    assert status == 200 and kept["metadata"] == {} and kept["customer_id"] == customer["id"]
    assert kept["cards"][0]["card"]["balance"]["points"] == card["balance"]["points"] + 25


def test_permanent_deletion_of_a_customer_without_members(stack: Stack) -> None:
    customer = create(stack, {"source_id": "erin"})
    status, deletion = stack.call("permanently_delete_customer", "POST", f"/v1/customers/{customer['id']}/permanent-deletion")
    assert status == 200 and deletion["related_object_id"] == customer["id"]
    assert create(stack, {"source_id": "erin"})["id"] != customer["id"]  # the source id names a new customer
