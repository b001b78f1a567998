"""Tenant isolation of custom events and event schemas: with project B's keys, A's schemas are neither read nor listed nor
usable by B's earning rules and card definitions, A's customers and card codes cannot be named by B's events, and an event
B tracks under the same name resolves to B's own schema and lands in B's own partitions."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.events import store as events_store
from loyalty.schemas.service import create_event_schema
from tests.integration.conftest import Stack

V2 = "/v2/loyalties"


def _world(stack: Stack, project: str, headers: dict[str, str]) -> dict[str, Any]:
    schema = create_event_schema(stack.db(project), "review_written", {"rating": "number"})
    status, alice = stack.call("create_customer", "POST", "/v1/customers", {"source_id": "alice-1", "name": project}, headers=headers)
    assert status == 200, alice
    status, campaign = stack.call("create_loyalty_program_v1", "POST", "/v1/loyalties", {
        "name": "Club", "type": "AUTO_UPDATE", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}}, headers=headers)
    assert status == 200, campaign
    status, card = stack.call("add_member_v1", "POST", f"/v1/loyalties/{campaign['id']}/members", {"customer": alice["id"]},
                              headers=headers)
    assert status == 200, card
    status, cdef = stack.call("create_card_definition", "POST", f"{V2}/card-definitions", {"name": "W", "type": "INDIVIDUAL"},
                              headers=headers)
    assert status == 200, cdef
    return {"schema": schema, "customer": alice["id"], "code": card["code"], "cdef": cdef["id"]}


@pytest.fixture(scope="module")
def worlds(module_stack: Stack) -> dict[str, Any]:
    """The same world in projects acme (A) and globex (B): a `review_written` schema each, a customer `alice-1` each, a v1
    card each."""
    return {"a": _world(module_stack, "acme", module_stack.headers), "b": _world(module_stack, "globex", module_stack.other_headers)}


def b_call(stack: Stack, name: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    return stack.call(name, method, path, body, headers=stack.other_headers)


def test_b_lists_and_reads_only_its_own_schemas(module_stack: Stack, worlds: dict[str, Any]) -> None:
    status, listed = b_call(module_stack, "list_metadata_schemas", "GET", "/v1/metadata-schemas")
    assert status == 200 and listed["schemas"] == [worlds["b"]["schema"]]
    status, read = b_call(module_stack, "get_metadata_schema", "GET", "/v1/metadata-schemas/review_written")
    assert status == 200 and read == worlds["b"]["schema"] != worlds["a"]["schema"]


def test_b_cannot_name_as_schemas_in_its_components(module_stack: Stack, worlds: dict[str, Any]) -> None:
    a_schema = worlds["a"]["schema"]["id"]
    before = module_stack.items()
    status, answer = b_call(module_stack, "create_earning_rule", "POST", f"{V2}/earning-rules", {
        "name": "Steal", "trigger": {"event": "customer.custom_event", "custom_event": {"schema_id": a_schema}},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 1, "card_definition_id": worlds["b"]["cdef"]}}]}]})
    assert (status, answer["key"], answer["resource_id"]) == (404, "not_found", a_schema)
    status, answer = b_call(module_stack, "create_card_definition", "POST", f"{V2}/card-definitions", {
        "name": "Steal", "type": "INDIVIDUAL", "pending_points": {"type": "EVENT_BASED", "event_based": {
            "event_types": [a_schema], "cancel_period": {"unit": "DAY", "value": 1}}}})
    assert (status, answer["key"], answer["resource_id"]) == (404, "not_found", a_schema)
    assert module_stack.items() == before


def test_b_cannot_name_as_customers_or_card_codes(module_stack: Stack, worlds: dict[str, Any]) -> None:
    before = module_stack.items()
    status, answer = b_call(module_stack, "track_custom_event", "POST", "/v1/events",
                            {"event": "review_written", "customer": {"id": worlds["a"]["customer"]}})
    assert (status, answer["key"], answer["resource_type"]) == (404, "not_found", "customer")
    status, answer = b_call(module_stack, "track_custom_event", "POST", "/v1/events",
                            {"event": "review_written", "customer": {"id": worlds["b"]["customer"]}, "loyalty": {"code": worlds["a"]["code"]}})
    assert (status, answer["key"], answer["resource_type"]) == (404, "not_found", "voucher")
    assert module_stack.items() == before


def test_an_event_of_b_resolves_to_bs_customer_and_schema_in_bs_partitions(module_stack: Stack, worlds: dict[str, Any]) -> None:
    status, answer = b_call(module_stack, "track_custom_event", "POST", "/v1/events",
                            {"event": "review_written", "customer": {"source_id": "alice-1"}})
    assert status == 200 and answer["customer"]["id"] == worlds["b"]["customer"] and answer["customer"]["name"] == "globex"
    (item,) = [i for i in module_stack.items() if i["SK"]["S"] == "EVENT"]
    assert item["PK"]["S"].startswith("globex#") and item["JOBPK"]["S"] == "globex#PENDING"
    event_id = item["PK"]["S"].rsplit("#", 1)[1]
    stored = events_store.get_event(module_stack.db("globex"), event_id)
    assert stored is not None and stored["schema_id"] == worlds["b"]["schema"]["id"]
    assert events_store.get_event(module_stack.db("acme"), event_id) is None
