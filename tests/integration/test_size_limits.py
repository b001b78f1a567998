"""What cannot be stored is refused before anything is written: a body whose resource would exceed DynamoDB's 400 KB item
(or a transaction's 4 MB) answers 400 with the error body, not a 500 from DynamoDB. Metadata, v1 and v2, is refused sooner,
by its own limit (32 KB: tests/integration/test_metadata_bad_input.py); rules can still make an item too large."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_v2_journey import BASE, make_components

BIG = {"blob": "x" * 450_000}  # one string, more than an item holds


def big_rule(cdef: str = "lcdef_00000000000000000a") -> dict[str, Any]:
    """An earning rule of about 450 KB: one condition listing 450 long values."""
    rules = {"logic": "1", "1": {"name": "order.metadata", "property": "sku", "conditions": {"$in": ["x" * 1000] * 450}}}
    return {"name": "Big", "trigger": {"event": "customer.order.paid"},
            "earnings": [{"rules": rules, "effects": [{"type": "POINTS", "points": {"value": 1, "card_definition_id": cdef}}]}]}


@pytest.mark.parametrize(("name", "path", "body"), [
    ("create_card_definition", f"{BASE}/card-definitions", {"name": "Big", "type": "INDIVIDUAL", "metadata": BIG}),
    ("create_program", f"{BASE}/programs", {"name": "Big", "metadata": BIG}),
    ("create_tier_structure", f"{BASE}/tier-structures", {"name": "Big", "type": "POINT_BALANCE", "metadata": BIG,
                                                          "point_balance": {"card_definition_id": "lcdef_00000000000000000a"}}),
    ("create_customer", "/v1/customers", {"source_id": "big", "metadata": BIG}),
    ("create_loyalty_program_v1", "/v1/loyalties", {"name": "Big", "metadata": BIG, "voucher": {"type": "LOYALTY_CARD"}}),
    ("add_member_v1", "/v1/loyalties/camp_000000000000000000000a/members", {"customer": {"source_id": "big", "metadata": BIG}}),
])
def test_an_oversize_resource_is_400_and_nothing_is_written(stack: Stack, name: str, path: str, body: dict[str, Any]) -> None:
    before = stack.items()
    status, data = stack.call(name, "POST", path, body)
    assert status == 400 and data["key"] == "invalid_payload", data
    assert stack.items() == before


def test_an_oversize_update_is_400_and_the_program_is_unchanged(stack: Stack) -> None:
    status, program = stack.call("create_program", "POST", f"{BASE}/programs", {"name": "Small"})
    assert status == 200
    before = stack.items()
    status, data = stack.call("update_program", "PUT", f"{BASE}/programs/{program['id']}", {"metadata": BIG})
    assert (status, data["key"]) == (400, "invalid_payload") and "KB" in data["details"]
    assert stack.items() == before


def test_a_program_at_the_assignment_limits_fits_one_transaction(stack: Stack) -> None:
    # Given 10 card definitions, 10 earning rules and 10 rewards (the most one create may name)
    made = [make_components(stack) for _ in range(10)]
    body = {"name": "Full", "status": "ACTIVE", "card_definitions": [{"id": m["cdef"]} for m in made],
            "earning_rules": [{"id": m["rule"]} for m in made], "rewards": [{"id": m["reward"], "stock": 1} for m in made]}
    # When the program is created with all of them, it is one transaction within DynamoDB's 100 items
    status, program = stack.call("create_program", "POST", f"{BASE}/programs", body)
    assert status == 200, program
    assert len(program["card_definitions"]) == len(program["rewards"]) == 10


def test_an_oversize_earning_rule_is_400_and_nothing_is_written(stack: Stack) -> None:
    cdef = make_components(stack)["cdef"]
    before = stack.items()
    status, data = stack.call("create_earning_rule", "POST", f"{BASE}/earning-rules", big_rule(cdef))
    assert (status, data["key"]) == (400, "invalid_payload") and "more than the 400 KB one stored item can hold" in data["details"], data
    assert stack.items() == before
    status, rule = stack.call("create_earning_rule", "POST", f"{BASE}/earning-rules", {**big_rule(cdef), "earnings": [
        {"effects": [{"type": "POINTS", "points": {"value": 1, "card_definition_id": cdef}}]}]})
    assert status == 200, rule
    before = stack.items()
    status, data = stack.call("update_earning_rule", "PUT", f"{BASE}/earning-rules/{rule['id']}", {"earnings": big_rule(cdef)["earnings"]})
    assert (status, data["key"]) == (400, "invalid_payload") and "KB" in data["details"], data
    assert stack.items() == before
