"""What cannot be stored is refused before anything is written: a body whose resource would exceed DynamoDB's 400 KB item
(or a transaction's 4 MB) answers 400 with the error body, not a 500 from DynamoDB."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_v2_journey import BASE, make_components

BIG = {"blob": "x" * 450_000}  # one string, more than an item holds


@pytest.mark.parametrize(("name", "path", "body"), [
    ("create_card_definition", f"{BASE}/card-definitions", {"name": "Big", "type": "INDIVIDUAL", "metadata": BIG}),
    ("create_program", f"{BASE}/programs", {"name": "Big", "metadata": BIG}),
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
