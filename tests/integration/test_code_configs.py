"""Card code configurations on moto (issue 10): a code_config that can never give a usable code, or too few codes, is 400
on v2 card definition create and update and on v1 campaign create, with nothing written; an edge config that passes
gives every enrolment its code; and a bad config stored before the rule ends its cards' code jobs for good (a
`vl.card.code_generation.failed` activity, the job out of the pending index) instead of failing on every delivery."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from loyalty.db.keys import CARD_DEFINITION
from loyalty.jobs.worker import run_job
from loyalty.members import store as members
from tests.integration.conftest import Stack
from tests.integration.test_v2_journey import BASE, card_of, credit, make_customer, make_member

CDEFS = f"{BASE}/card-definitions"
ERROR_FIELDS = {"code", "key", "message", "details", "request_id"}
CAMPAIGN_VOUCHER = {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}

# (case, code_config, words the error's details hold)
BAD = [
    ("3,000-character prefix", {"prefix": "P" * 3000}, "code_config.prefix"),
    ("one-character charset, length 1", {"charset": "a", "length": 1}, "at least 2 distinct characters"),
    ("URL-unsafe charset", {"charset": "abc/?#%"}, "must not contain"),
    ("charset with whitespace", {"charset": "abc def", "length": 20}, "must not contain"),
    ("malformed pattern: no placeholder", {"pattern": "LOYALTY"}, "at least one '#' placeholder"),
    ("malformed pattern: a slash", {"pattern": "L/##########"}, "must not contain"),
    ("code over 100 characters", {"prefix": "P" * 95, "length": 10}, "at most 100"),
    ("only 100,000 codes", {"charset": "0123456789", "length": 5}, "only 100,000 distinct codes"),
    ("only 2 codes", {"charset": "ab", "pattern": "CARD-#"}, "only 2 distinct codes"),
]
EDGE = {"charset": "01", "length": 20}  # 2 ** 20 = 1,048,576 codes: just above the minimum


def assert_refused(stack: Stack, name: str, method: str, path: str, body: dict[str, Any], words: str) -> dict[str, Any]:
    """The request is 400 invalid_payload with Voucherify's error body naming the problem, and nothing is written."""
    before = stack.items()
    status, error = stack.call(name, method, path, body)
    assert status == 400, error
    assert ERROR_FIELDS <= set(error) and (error["key"], error["message"]) == ("invalid_payload", "Invalid payload"), error
    assert "code_config" in error["details"] and words in error["details"], error
    assert stack.items() == before
    return dict(error)


def new_cdef(stack: Stack, **fields: Any) -> dict[str, Any]:
    status, cdef = stack.call("create_card_definition", "POST", CDEFS, {"name": "Wallet", "type": "INDIVIDUAL", **fields})
    assert status == 200, cdef
    return dict(cdef)


def new_program(stack: Stack, cdef_id: str) -> dict[str, Any]:
    """An ACTIVE program holding the card definition (and the ACTIVE earning rule an ACTIVE program needs)."""
    status, rule = stack.call("create_earning_rule", "POST", f"{BASE}/earning-rules", {
        "name": "Order paid", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": cdef_id}}]}]})
    assert status == 200, rule
    status, program = stack.call("create_program", "POST", f"{BASE}/programs", {
        "name": "Codes", "status": "ACTIVE", "card_definitions": [{"id": cdef_id}], "earning_rules": [{"id": rule["id"]}]})
    assert status == 200, program
    return dict(program)


# ---------------------------------------------------------------------------------------------- refused at the door
@pytest.mark.parametrize(("config", "words"), [pytest.param(*case[1:], id=case[0]) for case in BAD])
def test_a_bad_code_config_is_400_on_card_definition_create_and_update(stack: Stack, config: dict[str, Any], words: str) -> None:
    # When a card definition is created with the config: 400, nothing written
    assert_refused(stack, "create_card_definition", "POST", CDEFS, {"name": "W", "type": "INDIVIDUAL", "code_config": config}, words)
    # When an existing DRAFT card definition is updated to it: 400, the stored definition unchanged
    cdef = new_cdef(stack)
    assert_refused(stack, "update_card_definition", "PUT", f"{CDEFS}/{cdef['id']}", {"code_config": config}, words)
    assert stack.call("get_card_definition", "GET", f"{CDEFS}/{cdef['id']}")[1]["code_config"] == cdef["code_config"]


@pytest.mark.parametrize(("config", "words"), [pytest.param(*case[1:], id=case[0]) for case in BAD])
def test_a_bad_code_config_is_400_on_v1_campaign_create(stack: Stack, config: dict[str, Any], words: str) -> None:
    assert_refused(stack, "create_loyalty_program_v1", "POST", "/v1/loyalties",
                   {"name": "N", "voucher": {**CAMPAIGN_VOUCHER, "code_config": config}}, words)


# ---------------------------------------------------------------------------------------------- the edge works
def test_an_edge_config_gives_every_enrolment_its_code(stack: Stack) -> None:
    # Given a card definition of two characters and 20 placeholders (just over 1,000,000 codes), in a program
    cdef = new_cdef(stack, status="ACTIVE", code_config=EDGE)
    assert cdef["code_config"] == {"pattern": "#" * 20, "length": 20, "charset": "01", "prefix": "", "postfix": ""}
    program = new_program(stack, cdef["id"])
    # When two customers enrol and the worker runs
    enrolled = [make_member(stack, program["id"], make_customer(stack, source)) for source in ("edge-1", "edge-2")]
    stack.drain()
    # Then each card has a distinct code of that shape
    codes = [card_of(stack, program["id"], m["id"])["code"] for m in enrolled]
    assert all(re.fullmatch(r"[01]{20}", str(code)) for code in codes) and len(set(codes)) == 2
    # And a v1 campaign with the same config publishes such a code at once
    status, campaign = stack.call("create_loyalty_program_v1", "POST", "/v1/loyalties",
                                  {"name": "Edge", "voucher": {**CAMPAIGN_VOUCHER, "code_config": EDGE}})
    assert status == 200, campaign
    status, card = stack.call("add_member_v1", "POST", f"/v1/loyalties/{campaign['id']}/members", {"customer": "edge-1"})
    assert status == 200 and re.fullmatch(r"[01]{20}", card["code"]), card


def test_an_update_to_a_valid_config_still_works(stack: Stack) -> None:
    cdef = new_cdef(stack)
    status, updated = stack.call("update_card_definition", "PUT", f"{CDEFS}/{cdef['id']}", {"code_config": {**EDGE, "prefix": "E-"}})
    assert status == 200 and updated["code_config"]["prefix"] == "E-" and updated["code_config"]["length"] == 20, updated


# ---------------------------------------------------------------------------------------------- stored before the rule
LEGACY = [
    ("one-character charset, length 1", {"pattern": "#", "length": 1, "charset": "a", "prefix": "", "postfix": ""}),
    ("3,000-character prefix", {"pattern": "##########", "length": 10, "charset": "0123456789", "prefix": "P" * 3000, "postfix": ""}),
    ("URL-unsafe charset", {"pattern": "#" * 10, "length": 10, "charset": "ab/?%", "prefix": "", "postfix": ""}),
    ("malformed pattern", {"pattern": "L/##", "length": 2, "charset": "0123456789", "prefix": "", "postfix": ""}),
]


def store_legacy_config(stack: Stack, program_id: str, cdef_id: str, config: dict[str, Any]) -> None:
    """Write `config` where a card definition created before the rule would hold it: the definition and its program
    assignment (enrolment copies the assignment's config onto each new card)."""
    db = stack.db()
    names, values = {"#d": "data", "#c": "code_config"}, {"c": config}
    db.update(db.keys.component(CARD_DEFINITION, cdef_id), "SET #d.#c = :c", names=names, values=values)
    db.update(db.keys.assignment(program_id, CARD_DEFINITION, cdef_id), "SET #d.#c = :c", names=names, values=values)


def legacy_program(stack: Stack, config: dict[str, Any]) -> tuple[dict[str, Any], str]:
    cdef = new_cdef(stack, status="ACTIVE", code_config={"prefix": "OK-", "length": 8})
    program = new_program(stack, cdef["id"])
    store_legacy_config(stack, program["id"], cdef["id"], config)
    return program, cdef["id"]


def card_activity_types(stack: Stack, program_id: str, member_id: str, card_id: str) -> list[dict[str, Any]]:
    status, page = stack.call("list_card_activities", "GET", f"{BASE}/programs/{program_id}/members/{member_id}/cards/{card_id}/activities",
                              query={"order": "created_at"})
    assert status == 200, page
    return list(page["data"])


def pending_job(stack: Stack, member_id: str) -> bool:
    """True while the member's code job is in the pending index (the sweeper would send it again)."""
    db = stack.db()
    item = db.get(db.keys.member(member_id))
    return item is not None and "JOBPK" in item


@pytest.mark.parametrize("config", [pytest.param(case[1], id=case[0]) for case in LEGACY])
def test_a_stored_config_that_can_never_give_a_code_ends_the_code_job_for_good(stack: Stack, config: dict[str, Any]) -> None:
    # Given a program whose card definition holds a config stored before the rule
    program, _ = legacy_program(stack, config)
    # When a customer enrols: the member is created (the code comes later, as in Voucherify) and its code job queued
    member = make_member(stack, program["id"], make_customer(stack))
    card_id = member["cards"][0]["card"]["id"]
    assert pending_job(stack, member["id"])
    # Then the worker's first delivery succeeds as a job: nothing is left in the queue or the DLQ for a retry
    assert stack.drain() == 1
    assert stack.sqs.receive_message(QueueUrl=stack.queue_url, VisibilityTimeout=0).get("Messages") is None
    assert stack.sqs.receive_message(QueueUrl=stack.dlq_url, VisibilityTimeout=0).get("Messages") is None
    # And the job left the pending index, so the sweeper does not send it again
    assert not pending_job(stack, member["id"])
    # And the card stays without a code, its failure recorded as the spec's card activity, saying why
    assert card_of(stack, program["id"], member["id"])["code"] is None
    activities = card_activity_types(stack, program["id"], member["id"], card_id)
    assert [a["type"] for a in activities] == ["vl.card.created", "vl.card.code_generation.failed"]
    error = activities[-1]["data"]["error"]
    assert error["key"] == "card_code_generation_failed" and "code_config" in error["details"]
    # And a redelivered message is a no-op
    job = json.dumps({"type": "generate_card_codes", "project_id": "acme", "member_id": member["id"]})
    assert run_job(job) == "ALREADY_DONE"
    assert len(card_activity_types(stack, program["id"], member["id"], card_id)) == 2


def test_a_used_up_small_code_space_ends_the_code_job_for_good(stack: Stack) -> None:
    # Given a program whose card definition was stored with a two-code space, both codes already held
    program, _ = legacy_program(stack, {"pattern": "#", "length": 1, "charset": "ab", "prefix": "", "postfix": ""})
    db = stack.db()
    for code in ("a", "b"):
        db.put(db.keys.card_code(code), {"member_id": "lmbr_00000000000000000a", "card_id": "lcrd_00000000000000000a"})
    # When a customer enrols and the worker runs
    member = make_member(stack, program["id"], make_customer(stack))
    assert run_job(json.dumps({"type": "generate_card_codes", "project_id": "acme", "member_id": member["id"]})) == "FAILED"
    # Then the job is out of the pending index, the card without a code, and the failure says the space is used up
    assert not pending_job(stack, member["id"])
    card = card_of(stack, program["id"], member["id"])
    assert card["code"] is None
    failed = card_activity_types(stack, program["id"], member["id"], card["id"])[-1]
    assert failed["type"] == "vl.card.code_generation.failed" and "2 distinct codes" in failed["data"]["error"]["details"]
    # And the card's ledger works as any card's: a credit is applied by the worker
    credit(stack, program["id"], member["id"], card["id"], 100)
    stack.drain()
    assert card_of(stack, program["id"], member["id"])["balance"]["points"] == 100


def test_a_small_stored_space_with_free_codes_still_gives_them(stack: Stack) -> None:
    # Given a card definition stored with a two-code space, one code held: the next member still gets the free one
    program, _ = legacy_program(stack, {"pattern": "#", "length": 1, "charset": "ab", "prefix": "", "postfix": ""})
    db = stack.db()
    db.put(db.keys.card_code("a"), {"member_id": "lmbr_00000000000000000a", "card_id": "lcrd_00000000000000000a"})
    member = make_member(stack, program["id"], make_customer(stack))
    outcome = run_job(json.dumps({"type": "generate_card_codes", "project_id": "acme", "member_id": member["id"]}))
    # (five draws of 'a' in a row, one time in 32, give it up; then the job says so)
    assert (outcome, card_of(stack, program["id"], member["id"])["code"]) in (("DONE", "b"), ("FAILED", None))
    assert not pending_job(stack, member["id"])


def test_a_batch_enrolment_with_a_stored_bad_config_enrols_members_whose_cards_record_the_failure(stack: Stack) -> None:
    # Given a program whose card definition holds a config that can never give a code
    program, _ = legacy_program(stack, LEGACY[0][1])
    customers = [make_customer(stack, source) for source in ("b-1", "b-2")]
    # When a batch enrols two customers and the worker runs
    status, body = stack.call("batch_create_program_members", "POST", f"{BASE}/programs/{program['id']}/members/batch",
                              [{"customer_id": c} for c in customers])
    assert status == 202, body
    stack.drain()
    # Then the batch is DONE with both enrolled (as single creates are), each card without a code and its failure recorded
    status, action = stack.call("get_async_action", "GET", f"/v1/async-actions/{body['async_action_id']}")
    assert (action["status"], action["result"]["done_count"], action["result"]["failed_count"]) == ("DONE", 2, 0), action
    db = stack.db()
    for customer in customers:
        claim = members.get_membership(db, program["id"], customer)
        assert claim is not None
        card = card_of(stack, program["id"], claim["member_id"])
        assert card["code"] is None
        types = [a["type"] for a in card_activity_types(stack, program["id"], claim["member_id"], card["id"])]
        assert "vl.card.code_generation.failed" in types and "vl.card.code_generation.succeeded" not in types


def test_a_card_definition_stored_with_a_bad_config_can_be_renamed_and_repaired(stack: Stack) -> None:
    # Given an unassigned card definition whose stored config can never give a code
    cdef = new_cdef(stack)
    legacy = LEGACY[0][1]
    db = stack.db()
    db.update(db.keys.component(CARD_DEFINITION, cdef["id"]), "SET #d.#c = :c", names={"#d": "data", "#c": "code_config"},
              values={"c": legacy})
    path = f"{CDEFS}/{cdef['id']}"
    # When an update leaves code_config out, the stored config is kept as it is (the definition is not locked by it)
    status, renamed = stack.call("update_card_definition", "PUT", path, {"name": "Renamed"})
    assert status == 200 and renamed["name"] == "Renamed" and renamed["code_config"] == legacy, renamed
    # But sending it back is checked like any config: 400
    assert_refused(stack, "update_card_definition", "PUT", path, {"code_config": legacy}, "at least 2 distinct characters")
    # And naming a valid one repairs it
    status, repaired = stack.call("update_card_definition", "PUT", path, {"code_config": EDGE})
    assert status == 200 and repaired["code_config"]["charset"] == "01", repaired


def test_a_v1_campaign_stored_with_a_bad_config_refuses_to_publish_and_writes_nothing(stack: Stack) -> None:
    # Given a v1 campaign whose stored config can never give a code (stored before the rule)
    status, campaign = stack.call("create_loyalty_program_v1", "POST", "/v1/loyalties", {"name": "Old", "voucher": CAMPAIGN_VOUCHER})
    assert status == 200, campaign
    db = stack.db()
    db.update(db.keys.campaign(campaign["id"]), "SET #d.#v.#c = :c", names={"#d": "data", "#v": "voucher", "#c": "code_config"},
              values={"c": {"pattern": "#" * 8, "length": 8, "charset": "a"}})
    stack.call("create_customer", "POST", "/v1/customers", {"source_id": "old-1"})
    before = stack.items()
    # When a customer is added: 400 with the reason, nothing written
    status, error = stack.call("add_member_v1", "POST", f"/v1/loyalties/{campaign['id']}/members", {"customer": "old-1"})
    assert status == 400 and error["key"] == "no_voucher_suitable_for_publication", error
    assert "code_config.charset" in error["details"]
    assert stack.items() == before
