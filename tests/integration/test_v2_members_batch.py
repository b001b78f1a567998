"""Batch enrolment on moto: the request stored with its async action in one transaction, the worker enrolling chunk by
chunk like single creates, per-entry failures reported and skipped, and no entry enrolled twice under redelivery, lost
sends or a crash between a chunk's members and its bookkeeping."""

from __future__ import annotations

import json
from typing import Any

import pytest

from loyalty.core.clock import now_ms
from loyalty.db import clients
from loyalty.db.codec import item_size
from loyalty.jobs.models import CreateMembersBatch
from loyalty.jobs.worker import run_job
from loyalty.members import batch
from loyalty.members import store as members
from tests import support
from tests.integration.conftest import Stack
from tests.integration.test_faults import UnreachableQueue
from tests.integration.test_v2_journey import BASE, make_components, make_customer, make_member, make_program
from tests.integration.test_worker import sweep


@pytest.fixture
def program(stack: Stack) -> dict[str, Any]:
    """Given an ACTIVE program (card definition with code prefix MW-)."""
    return make_program(stack, make_components(stack))


def submit(stack: Stack, program_id: str, entries: Any) -> str:
    status, body = stack.call("batch_create_program_members", "POST", f"{BASE}/programs/{program_id}/members/batch", entries)
    assert status == 202, body
    assert set(body) == {"async_action_id"} and body["async_action_id"].startswith("aa_")
    return str(body["async_action_id"])


def action_of(stack: Stack, action_id: str) -> dict[str, Any]:
    status, body = stack.call("get_async_action", "GET", f"/v1/async-actions/{action_id}")
    assert status == 200, body
    return dict(body)


def partition(stack: Stack, action_id: str) -> list[dict[str, Any]]:
    db = stack.db()
    items, _ = db.query(db.keys.async_action(action_id).pk)
    return items


def take_jobs(stack: Stack) -> list[str]:
    """Receive and delete every queued message; their bodies."""
    bodies = []
    while messages := stack.sqs.receive_message(QueueUrl=stack.queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for m in messages:
            bodies.append(m["Body"])
            stack.sqs.delete_message(QueueUrl=stack.queue_url, ReceiptHandle=m["ReceiptHandle"])
    return bodies


def listed(stack: Stack, program_id: str) -> list[dict[str, Any]]:
    status, page = stack.call("list_program_members", "GET", f"{BASE}/programs/{program_id}/members", query={"limit": "100"})
    assert status == 200, page
    return list(page["data"])


def test_a_batch_is_stored_then_enrolled_by_the_worker(stack: Stack, program: dict[str, Any]) -> None:
    # Given two customers
    alice, bob = make_customer(stack, "alice"), make_customer(stack, "bob")
    # When a batch names one by id and one by source id
    action_id = submit(stack, program["id"], [{"customer_id": alice, "metadata": {"from": "crm"}},
                                              {"customer_identification": {"type": "customer_source_id", "customer_source_id": "bob"},
                                               "status": "INACTIVE"}])
    # Then the async action is ENQUEUED with its request stored beside it and a pending-job marker, and nobody is enrolled yet
    enqueued = action_of(stack, action_id)
    assert (enqueued["status"], enqueued["progress"], enqueued["result"], enqueued["object"]) == ("ENQUEUED", 0, None, "async_action")
    assert enqueued["type"] == "PROGRAM.MEMBERS_BATCH_CREATE" and enqueued["request_id"].startswith("v-")
    items = partition(stack, action_id)
    assert [i["SK"] for i in items] == ["ASYNC_ACTION", "CHUNK#00000"]
    assert "JOBPK" in items[0] and json.loads(items[0]["job"]) == {"type": "create_members_batch", "project_id": "acme",
                                                                   "async_action_id": action_id}
    assert len(items[1]["entries"]) == 2 and listed(stack, program["id"]) == []
    # When the worker runs
    stack.drain()
    # Then both are members with a coded card each, the chunk is gone, the job marker removed, and the action DONE
    done = action_of(stack, action_id)
    assert (done["status"], done["operation_status"], done["progress"]) == ("DONE", "SUCCESS", 100)
    assert done["result"]["done_count"] == 2 and done["result"]["failed_count"] == 0 and done["result"]["failed"] == []
    assert done["updated_at"] >= done["created_at"] and done["processing_time"] >= 0
    items = partition(stack, action_id)
    assert [i["SK"] for i in items] == ["ASYNC_ACTION"] and "JOBPK" not in items[0]
    enrolled = {m["customer_id"]: m for m in listed(stack, program["id"])}
    assert set(enrolled) == {alice, bob}
    assert (enrolled[alice]["metadata"], enrolled[alice]["status"], enrolled[bob]["status"]) == ({"from": "crm"}, "ACTIVE", "INACTIVE")
    db = stack.db()
    for customer, index in ((alice, 0), (bob, 1)):
        claim = members.get_membership(db, program["id"], customer)
        assert claim is not None and (claim.get("async_action_id"), claim.get("entry")) == (action_id, index)
        found = members.get_member_with_cards(db, claim["member_id"])
        assert found is not None and len(found[1]) == 1
        code = str(found[1][0]["code"])
        held = members.get_card_by_code(db, code)
        assert code.startswith("MW-") and held is not None and (held["member_id"], held["card_id"]) == (claim["member_id"], found[1][0]["id"])
    status, acts = stack.call("list_program_member_activities", "GET", f"{BASE}/programs/{program['id']}/members/{enrolled[alice]['id']}/activities")
    assert [a["type"] for a in acts["data"]] == ["vl.member.created"]
    # and a GET of the member answers it like a single create would, its card already coded
    status, member = stack.call("get_program_member", "GET", f"{BASE}/programs/{program['id']}/members/{enrolled[alice]['id']}")
    assert status == 200 and member["cards"][0]["card"]["code"].startswith("MW-")


def test_entries_that_fail_are_reported_and_skipped(stack: Stack, program: dict[str, Any]) -> None:
    # Given a customer already enrolled, and two fresh ones
    old, fresh, other = make_customer(stack, "old"), make_customer(stack, "fresh"), make_customer(stack, "other")
    make_member(stack, program["id"], old)
    entries: list[Any] = [
        {"customer_id": fresh},                                                        # 0 created
        {"customer_id": old},                                                          # 1 member_already_exists
        {"customer_id": fresh},                                                        # 2 duplicate (same id)
        {"customer_identification": {"type": "customer_source_id", "customer_source_id": "fresh"}},  # 3 duplicate (source id)
        {"customer_id": "cust_nobody0"},                                               # 4 unknown customer
        {"customer_identification": {"type": "customer_source_id", "customer_source_id": "nobody"}},  # 5 unknown source id
        {"customer_id": "user_1"},                                                     # 6 invalid customer id
        {"customer_id": other, "status": "DELETED"},                                   # 7 invalid status
        {"customer_id": other, "nickname": "x"},                                       # 8 unknown field
        {},                                                                            # 9 no customer
        42,                                                                            # 10 not an object
        {"customer_id": other, "metadata": []},                                        # 11 metadata not an object
        {"customer_id": other},                                                        # 12 created
    ]
    action_id = submit(stack, program["id"], entries)
    stack.drain()
    result = action_of(stack, action_id)["result"]
    keys = {f["index"]: f["key"] for f in result["failed"]}
    assert keys == {1: "member_already_exists", 2: "duplicate_found", 3: "duplicate_found", 4: "not_found", 5: "not_found",
                    6: "invalid_payload", 7: "invalid_payload", 8: "invalid_payload", 9: "invalid_payload", 10: "invalid_payload",
                    11: "invalid_payload"}
    assert (result["done_count"], result["failed_count"]) == (2, 11)
    by_index = {f["index"]: f for f in result["failed"]}
    assert by_index[3]["customer_source_id"] == "fresh" and "first at entry 0" in by_index[3]["details"]
    assert by_index[1]["customer_id"] == old and by_index[8]["details"] == "Entry must NOT have additional property 'nickname'"
    assert sorted(m["customer_id"] for m in listed(stack, program["id"])) == sorted([old, fresh, other])


def test_a_large_batch_is_enrolled_chunk_by_chunk(stack: Stack, program: dict[str, Any]) -> None:
    # Given 201 entries (3 chunks): real customers at 0, 100 and 200, a repeat of entry 0 in the second chunk, unknown ones elsewhere
    real = {0: make_customer(stack, "c0"), 100: make_customer(stack, "c100"), 200: make_customer(stack, "c200")}
    entries = [{"customer_id": real.get(i, f"cust_unknown{i}")} for i in range(201)]
    entries[150] = {"customer_id": real[0]}
    action_id = submit(stack, program["id"], entries)
    assert len(partition(stack, action_id)) == 4
    # When the worker takes the first step only
    [job] = take_jobs(stack)
    assert run_job(job) == "IN_PROGRESS"
    # Then the first chunk is done, the action is IN_PROGRESS, and the job was sent again for the next chunk
    step = action_of(stack, action_id)
    assert (step["status"], step["progress"], step["result"]) == ("IN_PROGRESS", 49, None)
    assert [i["SK"] for i in partition(stack, action_id)] == ["ASYNC_ACTION", "CHUNK#00001", "CHUNK#00002"]
    assert take_jobs(stack) == [job]
    assert run_job(job) == "IN_PROGRESS" and run_job(job) == "DONE" and run_job(job) == "ALREADY_DONE"
    done = action_of(stack, action_id)
    assert done["result"]["done_count"] == 3 and done["result"]["failed_count"] == 198
    duplicate = next(f for f in done["result"]["failed"] if f["index"] == 150)
    assert duplicate["key"] == "duplicate_found" and "first at entry 0" in duplicate["details"]
    assert sorted(m["customer_id"] for m in listed(stack, program["id"])) == sorted(real.values())
    assert take_jobs(stack) == [job]  # the second step sent the third; the last sent nothing


def test_the_failures_listed_stay_within_one_item(stack: Stack, program: dict[str, Any]) -> None:
    # Given 2,000 entries that all fail with long details (unknown source ids of 255 characters)
    entries = [{"customer_identification": {"type": "customer_source_id", "customer_source_id": f"{i:05d}" + "x" * 250}}
               for i in range(2000)]
    action_id = submit(stack, program["id"], entries)
    stack.drain()
    # Then the action is DONE, counts every failure, lists the first ones in order, and its item is far below 400 KB
    result = action_of(stack, action_id)["result"]
    assert (result["done_count"], result["failed_count"]) == (0, 2000)
    assert 100 < result["failed_listed"] < 2000 and result["failed_listed"] == len(result["failed"])
    assert [f["index"] for f in result["failed"]] == list(range(result["failed_listed"]))
    db = stack.db()
    raw = stack.ddb.get_item(TableName=support.TABLE, Key=db.keys.async_action(action_id).ddb())["Item"]
    assert item_size(raw) < 200 * 1024


def test_a_redelivered_step_enrols_nobody_twice(stack: Stack, program: dict[str, Any]) -> None:
    # Given a batch whose first step wrote its members, then died before recording the chunk
    a, b = make_customer(stack, "a"), make_customer(stack, "b")
    action_id = submit(stack, program["id"], [{"customer_id": a}, {"customer_id": b}, {"customer_id": a}])
    [job] = take_jobs(stack)
    db = stack.db()
    step = batch.enrol_chunk(db, action_id, program["id"], 0, [json.dumps({"customer_id": c}) for c in (a, b, a)])
    assert sorted(step.created) == [0, 1] and step.failed[2]["key"] == "duplicate_found"
    before = {m["id"] for m in listed(stack, program["id"])}
    # When the job is delivered again
    assert run_job(job) == "DONE"
    # Then the entries are reported as created by this batch (not as existing members), and no member was added
    result = action_of(stack, action_id)["result"]
    assert (result["done_count"], result["failed_count"]) == (2, 1) and result["failed"][0]["key"] == "duplicate_found"
    assert {m["id"] for m in listed(stack, program["id"])} == before and len(before) == 2


def test_a_lost_send_is_resent_by_the_sweeper(stack: Stack, program: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a batch accepted while the queue was unreachable
    customer = make_customer(stack, "a")
    with monkeypatch.context() as m:
        m.setattr(clients, "sqs", UnreachableQueue)
        action_id = submit(stack, program["id"], [{"customer_id": customer}])
    assert take_jobs(stack) == []
    # Then its job is pending, and the sweeper sends it again; the worker then enrols the entry
    pending = support.scan_pending_jobs(stack.ddb, support.TABLE, now_ms() + 1)
    assert pending == [{"type": "create_members_batch", "project_id": "acme", "async_action_id": action_id}]
    assert sweep() == (1, 1)
    stack.drain()
    assert action_of(stack, action_id)["status"] == "DONE"
    assert [m["customer_id"] for m in listed(stack, program["id"])] == [customer]
    assert support.scan_pending_jobs(stack.ddb, support.TABLE, now_ms() + 1) == []


def test_entries_fail_when_the_program_stopped_taking_members(stack: Stack, program: dict[str, Any]) -> None:
    # Given a batch accepted, then its program deactivated before the worker ran
    action_id = submit(stack, program["id"], [{"customer_id": make_customer(stack, "a")}])
    db = stack.db()
    db.update(db.keys.program(program["id"]), "SET #s = :s, #d.#s = :s", names={"#s": "status", "#d": "data"}, values={"s": "INACTIVE"})
    stack.drain()
    result = action_of(stack, action_id)["result"]
    assert (result["done_count"], [f["key"] for f in result["failed"]]) == (0, ["non_active_program"])


def test_a_job_for_a_missing_action_is_dropped(stack: Stack) -> None:
    assert run_job(CreateMembersBatch(project_id="acme", async_action_id="aa_00000000000000000a").to_json()) == "MISSING"


def test_async_action_404s(stack: Stack) -> None:
    for action_id in ("aa_00000000000000000a", "aa_XYZ", "lprg_0a"):
        status, body = stack.call("get_async_action", "GET", f"/v1/async-actions/{action_id}")
        assert (status, body["key"], body["resource_type"]) == (404, "not_found", "async_action"), body
