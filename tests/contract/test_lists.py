"""The list executor, activities and component bookkeeping against DynamoDB Local: key ranges, GSI collections, pages
and cursors under filters and orders, the conditions that keep assignments honest, and the item-size guard."""

from __future__ import annotations

import time
from typing import Any

import pytest

from loyalty.activities import records as activity_kinds
from loyalty.activities import service as activities
from loyalty.components import store as components
from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.errors import LoyaltyError
from loyalty.core.listing import DATE, STRING, ListSpec, enum_field, id_field, parse
from loyalty.db.transact import TransactionConflict
from tests.contract.harness import Contract

SPEC = ListSpec("lcrscdef_", orders=("created_at", "name", "status"), filters={
    "id": id_field("lcdef_"), "name": STRING, "status": enum_field("DRAFT", "ACTIVE"), "created_at": DATE})


def cdef(name: str, status: str = "ACTIVE") -> dict[str, Any]:
    return {"id": ids.CARD_DEFINITION.new(), "name": name, "status": status, "created_at": now_iso()}


def page_all(contract: Contract, query: str, limit: int = 2) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        params = [tuple(p.split("=", 1)) for p in query.split("&") if p] + [("limit", str(limit))]
        if cursor:
            params.append(("cursor", cursor))
        items, next_cursor = components.list_components(contract.db, "CDEF", parse(params, SPEC), SPEC)  # type: ignore[arg-type]
        pages.append([i["name"] for i in items])
        if next_cursor is None:
            return pages
        cursor = next_cursor["next"]


@pytest.fixture
def five(contract: Contract) -> list[dict[str, Any]]:
    made = []
    for name, status in (("c", "ACTIVE"), ("a", "DRAFT"), ("e", "ACTIVE"), ("b", "ACTIVE"), ("d", "DRAFT")):
        time.sleep(0.002)  # ids are ordered by their millisecond
        made.append(cdef(name, status))
        components.create_component(contract.db, "CDEF", made[-1])
    return made


def test_creation_order_pages_through_the_gsi_collection(contract: Contract, five: list[dict[str, Any]]) -> None:
    assert page_all(contract, "") == [["d", "b"], ["e", "a"], ["c"]]
    assert page_all(contract, "order=created_at") == [["c", "a"], ["e", "b"], ["d"]]


def test_other_orders_sort_the_whole_list(contract: Contract, five: list[dict[str, Any]]) -> None:
    assert page_all(contract, "order=name") == [["a", "b"], ["c", "d"], ["e"]]
    assert page_all(contract, "order=-status&order=name") == [["a", "d"], ["b", "c"], ["e"]]


def test_filters_page_through_only_what_matches(contract: Contract, five: list[dict[str, Any]]) -> None:
    assert page_all(contract, "filters[status][conditions][$is]=ACTIVE") == [["b", "e"], ["c"]]
    assert page_all(contract, "filters[status][conditions][$is]=DRAFT&order=name", limit=5) == [["a", "d"]]
    first = five[0]["created_at"]
    assert page_all(contract, f"filters[created_at][conditions][$after]={first}", limit=10) == [["d", "b", "e", "a"]]


def test_a_deleted_component_leaves_its_list(contract: Contract, five: list[dict[str, Any]]) -> None:
    stored = components.get_stored(contract.db, "CDEF", five[0]["id"])
    assert stored is not None
    components.delete_component(contract.db, "CDEF", stored, {**five[0], "status": "DELETED"})
    assert page_all(contract, "", limit=10) == [["d", "b", "e", "a"]]


def test_assignments_are_recorded_on_the_component_and_guard_its_changes(contract: Contract) -> None:
    # Given a card definition assigned to a program
    item = cdef("wallet")
    components.create_component(contract.db, "CDEF", item)
    program = {"id": ids.PROGRAM.new(), "name": "P", "status": "DRAFT", "metadata": {}, "created_at": now_iso(), "object": "program"}
    contract.db.put(contract.db.keys.program(program["id"]), {"status": "DRAFT", "data": program})
    tx = contract.db.transaction()
    components.add_assign(tx, contract.db, "CDEF", item, program["id"], label="use", program=program)
    tx.commit()
    stored = components.get_stored(contract.db, "CDEF", item["id"])
    assert stored is not None and stored.programs == {program["id"]} and stored.version == 1
    assert components.live_programs(contract.db, stored.programs) == [program["id"]]

    # When it is saved with the version read before the assignment, the write is refused
    stale = components.Stored(item, frozenset(), 0)
    with pytest.raises(TransactionConflict) as exc:
        components.save_component(contract.db, "CDEF", stale, {**item, "status": "DRAFT"}, "drafted")
    assert exc.value.failed_labels == ["component"]

    # And once the program is deleted, it no longer counts as a use
    contract.set_status(f"PRG#{program['id']}", "PROGRAM", "DELETED")
    assert components.live_programs(contract.db, stored.programs) == []

    # When it is unassigned, the set empties and the version moves again; the history holds every step
    tx = contract.db.transaction()
    components.add_unassign(tx, contract.db, "CDEF", item, program["id"], label="use", program=program)
    tx.commit()
    stored = components.get_stored(contract.db, "CDEF", item["id"])
    assert stored is not None and stored.programs == frozenset() and stored.version == 2
    listed = activities.list_activities(contract.db, activity_kinds.CARD_DEFINITION, "card_definition", item["id"], [])
    assert [a["type"] for a in listed["data"]] == ["vl.card_definition.unassigned", "vl.card_definition.assigned",
                                                   "vl.card_definition.created"]
    assert all(a["card_definition_id"] == item["id"] and a["source"] == {"channel": "INTERNAL"} for a in listed["data"])


def test_an_item_too_large_for_dynamodb_is_refused_before_writing(contract: Contract) -> None:
    big = {**cdef("big"), "metadata": {"blob": "x" * 420_000}}
    with pytest.raises(LoyaltyError) as err:
        components.create_component(contract.db, "CDEF", big)
    assert (err.value.status, err.value.key) == (400, "invalid_payload")
    assert contract.items("CDEF#") == []
