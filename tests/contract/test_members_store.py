"""The member stores against DynamoDB Local: the members list (GSI1, filters, orders, cursors), member changes conditioned
on the version read, the soft delete and the claims it releases, the enrolment and membership batch reads, and batch
enrolments (request chunks, steps, concurrent deliveries of one step)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.ids import new_alnum_id
from loyalty.core.listing import parse
from loyalty.customers import store as customers
from loyalty.db.table import Table
from loyalty.db.transact import TransactionConflict
from loyalty.jobs.models import CreateMembersBatch
from loyalty.jobs.worker import run_job
from loyalty.members import store as members
from loyalty.members.service import MEMBERS, new_card
from tests.contract.harness import Contract, concurrently
from tests.contract.test_stores import create_member, make_program


def member_record(program_id: str, customer_id: str, status: str = "ACTIVE") -> dict[str, Any]:
    return {"id": ids.MEMBER.new(), "customer_id": customer_id, "program_id": program_id, "status": status, "metadata": {},
            "created_at": now_iso(), "updated_at": None, "object": "member"}


def enrol(db: Table, world: dict[str, Any], customer_id: str, status: str = "ACTIVE", code: str | None = None) -> dict[str, Any]:
    program_id = world["program"]["id"]
    member = member_record(program_id, customer_id, status)
    card = new_card(member["id"], program_id, world["cdef"], now_iso(), code=code)
    create_member(db, member, [card], scope_id=program_id)
    time.sleep(0.002)  # ids are ordered by their millisecond
    return {"member": member, "card": card}


def customer(db: Table, source_id: str) -> str:
    record = {"id": new_alnum_id("cust_"), "source_id": source_id, "metadata": {}, "created_at": now_iso(), "updated_at": None,
              "object": "customer"}
    customers.create_customer(db, record)  # type: ignore[arg-type]
    return str(record["id"])


def page_all(db: Table, program_id: str, query: str, limit: int = 2) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        params = [tuple(p.split("=", 1)) for p in query.split("&") if p] + [("limit", str(limit))]
        if cursor:
            params.append(("cursor", cursor))
        page = members.list_members(db, program_id, parse(params, MEMBERS), MEMBERS, lambda: True)  # type: ignore[arg-type]
        assert page is not None
        pages.append([m["customer_id"] for m in page[0]])
        if page[1] is None:
            return pages
        cursor = page[1]["next"]


def test_the_members_list_pages_filters_and_orders_through_gsi1(contract: Contract) -> None:
    world = make_program(contract.db)
    made = [enrol(contract.db, world, f"cust_{name}", status) for name, status in
            (("c", "ACTIVE"), ("a", "INACTIVE"), ("e", "ACTIVE"), ("b", "ACTIVE"), ("d", "INACTIVE"))]
    program_id = world["program"]["id"]
    assert page_all(contract.db, program_id, "") == [["cust_d", "cust_b"], ["cust_e", "cust_a"], ["cust_c"]]
    assert page_all(contract.db, program_id, "order=customer_id") == [["cust_a", "cust_b"], ["cust_c", "cust_d"], ["cust_e"]]
    assert page_all(contract.db, program_id, "order=-status&order=customer_id") == [["cust_a", "cust_d"], ["cust_b", "cust_c"], ["cust_e"]]
    assert page_all(contract.db, program_id, "filters[status][conditions][$is]=INACTIVE") == [["cust_d", "cust_a"]]
    # a created_at range with only an upper bound (a key range from the id prefix up to that instant)
    before = made[2]["member"]["created_at"]
    assert page_all(contract.db, program_id, f"filters[created_at][conditions][$before]={before}&order=created_at") == [["cust_c", "cust_a"]]
    # a deleted member leaves the list; an empty list of a missing program is None
    deleted = {**made[0]["member"], "status": "DELETED"}
    tx = contract.db.transaction()
    members.add_member_delete(tx, contract.db, deleted, [made[0]["card"]], 0)  # type: ignore[arg-type]
    tx.commit()
    assert page_all(contract.db, program_id, "", limit=10) == [["cust_d", "cust_b", "cust_e", "cust_a"]]
    assert members.list_members(contract.db, ids.PROGRAM.new(), parse([], MEMBERS), MEMBERS, lambda: False) is None


def test_a_member_change_is_conditioned_on_the_version_read(contract: Contract) -> None:
    world = make_program(contract.db)
    made = enrol(contract.db, world, "cust_alice")
    found = members.get_member_for_change(contract.db, made["member"]["id"])
    assert found is not None and found[2] == 0
    member, _, version = found
    # When a change is written at the version read, the version moves on
    tx = contract.db.transaction()
    members.add_member_change(tx, contract.db, {**member, "metadata": {"a": 1}, "updated_at": now_iso()}, version)
    tx.commit()
    after = members.get_member_for_change(contract.db, member["id"])
    assert after is not None and after[2] == 1 and after[0]["metadata"] == {"a": 1}
    # Then a second change at the old version is refused, and so is any change of a deleted member
    tx = contract.db.transaction()
    members.add_member_change(tx, contract.db, {**member, "status": "INACTIVE"}, version)
    with pytest.raises(TransactionConflict) as stale:
        tx.commit()
    assert stale.value.failed("member")
    tx = contract.db.transaction()
    members.add_member_delete(tx, contract.db, {**after[0], "status": "DELETED"}, after[1], 1)  # type: ignore[typeddict-item]
    tx.commit()
    tx = contract.db.transaction()
    members.add_member_change(tx, contract.db, {**member, "status": "ACTIVE"}, 2)
    with pytest.raises(TransactionConflict) as gone:
        tx.commit()
    assert gone.value.failed("member")


def test_a_delete_removes_cards_and_code_claims_and_releases_only_its_own_claim(contract: Contract) -> None:
    world = make_program(contract.db)
    made = enrol(contract.db, world, "cust_alice", code="CODE-A")
    member, card = made["member"], made["card"]
    tx = contract.db.transaction()
    members.add_member_delete(tx, contract.db, {**member, "status": "DELETED"}, [card], 0)  # type: ignore[typeddict-item]
    tx.commit()
    assert members.get_card(contract.db, member["id"], card["id"]) is None
    assert members.get_card_by_code(contract.db, "CODE-A") is None
    assert members.get_membership(contract.db, world["program"]["id"], "cust_alice") is None
    item = contract.item(f"MBR#{member['id']}", "MEMBER")
    assert item is not None and item["status"] == "DELETED" and "GSI1PK" not in item
    # A card whose points a purchase still locks cannot be deleted (the purchase was accepted after the member was read)
    locked = enrol(contract.db, world, "cust_locked")
    contract.ddb.update_item(TableName=contract.table, Key={"PK": {"S": f"{contract.project}#MBR#{locked['member']['id']}"},
                                                          "SK": {"S": f"CARD#{locked['card']['id']}"}},
                             UpdateExpression="SET locked = :c", ExpressionAttributeValues={":c": {"N": "100"}})
    tx = contract.db.transaction()
    members.add_member_delete(tx, contract.db, {**locked["member"], "status": "DELETED"}, [locked["card"]], 0)  # type: ignore[typeddict-item]
    with pytest.raises(TransactionConflict) as in_flight:
        tx.commit()
    assert in_flight.value.failed("card") and members.get_card(contract.db, locked["member"]["id"], locked["card"]["id"]) is not None
    # Given the customer enrolled again: deleting the old member (a stale request) cannot release the new claim
    again = enrol(contract.db, world, "cust_alice")
    tx = contract.db.transaction()
    members.add_member_delete(tx, contract.db, {**member, "status": "DELETED"}, [], 1)  # type: ignore[typeddict-item]
    with pytest.raises(TransactionConflict) as exc:
        tx.commit()
    assert exc.value.failed("membership")
    claim = members.get_membership(contract.db, world["program"]["id"], "cust_alice")
    assert claim is not None and claim["member_id"] == again["member"]["id"]


def test_enrolment_and_membership_reads(contract: Contract) -> None:
    world = make_program(contract.db)
    alice, bob = customer(contract.db, "alice"), customer(contract.db, "bob")
    made = enrol(contract.db, world, alice)
    # One BatchGetItem resolves customers by id and by source id, and card definition statuses
    found, statuses = members.get_customers_and_card_definitions(
        contract.db, [(alice, None), (None, "bob"), ("cust_nobody", None), (None, "nobody")], [world["cdef"], "lcdef_0a"])
    assert found == {(alice, None): alice, (None, "bob"): bob} and statuses == {world["cdef"]: "ACTIVE"}
    assert members.get_program_memberships(contract.db, world["program"]["id"], [alice, bob]) == {
        alice: members.get_membership(contract.db, world["program"]["id"], alice)}
    # One Query of the customer's partition finds the customer and its claims; one BatchGetItem their records
    record, claims = members.get_customer_with_memberships(contract.db, alice)
    assert record is not None and record["source_id"] == "alice" and list(claims) == [world["program"]["id"]]
    people, programs, cards = members.get_memberships_details(contract.db, claims)
    assert list(people) == [made["member"]["id"]] and list(programs) == [world["program"]["id"]]
    assert list(cards) == [made["card"]["id"]] and programs[world["program"]["id"]]["status"] == "ACTIVE"
    assert members.get_customer_with_memberships(contract.db, "cust_nobody") == (None, {})
    assert members.get_customer_id_by_source_id(contract.db, "bob") == bob


def batch_action(contract: Contract, program_id: str, chunks: list[list[str]]) -> tuple[dict[str, Any], CreateMembersBatch]:
    action = {"id": ids.ASYNC_ACTION.new(), "type": "PROGRAM.MEMBERS_BATCH_CREATE", "status": "ENQUEUED", "result": None,
              "created_at": now_iso(), "updated_at": None, "progress": 0, "object": "async_action"}
    job = CreateMembersBatch(project_id=contract.project, async_action_id=action["id"])
    members.create_batch(contract.db, action, program_id, chunks, job)  # type: ignore[arg-type]
    return action, job


def test_a_batch_is_stored_and_stepped_through_chunk_by_chunk(contract: Contract) -> None:
    world = make_program(contract.db)
    action, job = batch_action(contract, world["program"]["id"], [["{}"] * 100, ["{}"] * 100, ["{}"]])
    # The action and its chunks are stored together, the action marked with its pending job
    step = members.get_batch_step(contract.db, action["id"])
    assert step is not None and step[1] is not None
    assert (step[0]["chunks"], step[0]["next_chunk"], step[0]["total"], step[1]["index"], step[1]["offset"]) == (3, 0, 201, 0, 0)
    assert [j["async_action_id"] for j in contract.pending_jobs() if j.get("async_action_id")] == [action["id"]]
    # A finished chunk is deleted and the next one becomes the step; finishing it twice is refused under `action`
    members.finish_chunk(contract.db, 0, {**action, "status": "IN_PROGRESS"}, {"done_count": 0}, job)  # type: ignore[typeddict-item]
    with pytest.raises(TransactionConflict) as twice:
        members.finish_chunk(contract.db, 0, {**action, "status": "IN_PROGRESS"}, {"done_count": 0}, job)  # type: ignore[typeddict-item]
    assert twice.value.failed("action")
    step = members.get_batch_step(contract.db, action["id"])
    assert step is not None and step[1] is not None and (step[0]["next_chunk"], step[1]["index"], step[1]["offset"]) == (1, 1, 100)
    members.finish_chunk(contract.db, 1, {**action, "status": "IN_PROGRESS"}, {}, job)  # type: ignore[typeddict-item]
    members.finish_chunk(contract.db, 2, {**action, "status": "DONE"}, {}, None)  # type: ignore[typeddict-item]
    # Once the last chunk is done, nothing is pending and only the action is left
    step = members.get_batch_step(contract.db, action["id"])
    assert step is not None and step[1] is None and step[0]["data"]["status"] == "DONE"
    assert not [j for j in contract.pending_jobs() if j.get("async_action_id") == action["id"]]
    assert members.get_async_action(contract.db, action["id"])["status"] == "DONE"  # type: ignore[index]
    assert members.get_batch_step(contract.db, ids.ASYNC_ACTION.new()) is None


def test_concurrent_deliveries_of_one_step_enrol_each_entry_once(contract: Contract) -> None:
    # Given a batch of 30 customers (one chunk) in a program whose card definition is ACTIVE
    world = make_program(contract.db)
    people = [customer(contract.db, f"p{i}") for i in range(30)]
    action, job = batch_action(contract, world["program"]["id"], [[json.dumps({"customer_id": c}) for c in people]])
    # When three deliveries of its job run at the same moment
    outcomes = concurrently([lambda: run_job(job.to_json(), contract.ddb) for _ in range(3)])
    # Then exactly one recorded the step, every customer has exactly one member, and the result counts them all as created
    assert sorted(outcomes) == ["ALREADY_DONE", "ALREADY_DONE", "DONE"]
    listed = [i for i in contract.items("MBR#") if i["SK"] == "MEMBER"]
    assert sorted(i["data"]["customer_id"] for i in listed) == sorted(people)
    done = members.get_async_action(contract.db, action["id"])
    assert done is not None and done["status"] == "DONE"
    assert done["result"] is not None and (done["result"]["done_count"], done["result"]["failed_count"]) == (30, 0)
