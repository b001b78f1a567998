"""v2 members day to day, handler by handler on moto: list, update, activate/deactivate, delete, memberships, activities,
and enrolment rules (program status only; one card per ACTIVE card definition). Responses and the items written."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bench.calls import CallRecorder
from loyalty.activities import records as activity_kinds
from loyalty.components import store as components
from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.db import clients
from loyalty.members import store as members
from tests.integration.conftest import Stack
from tests.integration.test_v2_journey import BASE, credit, make_components, make_customer, make_member, make_program


@pytest.fixture
def program(stack: Stack) -> dict[str, Any]:
    """Given an ACTIVE program (card definition with code prefix MW-, earning rule, reward of 100 points)."""
    ids_ = make_components(stack)
    return {**make_program(stack, ids_), "components": ids_}


def members_path(program: dict[str, Any]) -> str:
    return f"{BASE}/programs/{program['id']}/members"


def enrol(stack: Stack, program: dict[str, Any], source: str, **body: Any) -> dict[str, Any]:
    customer = make_customer(stack, source)
    status, member = stack.call("create_program_member", "POST", members_path(program), {"customer_id": customer, **body})
    assert status == 200, member
    time.sleep(0.002)  # member ids are ordered by their millisecond
    return member


def member_item(stack: Stack, member_id: str) -> dict[str, Any] | None:
    db = stack.db()
    return db.get(db.keys.member(member_id))


def activity_types(stack: Stack, kind: activity_kinds.ActivityKind, resource_id: str) -> list[str]:
    db = stack.db()
    items, _ = db.query(db.keys.activities(resource_id))
    return [i["data"]["type"] for i in sorted(items, key=lambda i: i["SK"])]


# ---------------------------------------------------------------------------------------------- list
def test_list_pages_newest_first_without_cards(stack: Stack, program: dict[str, Any]) -> None:
    # Given three members
    made = [enrol(stack, program, f"c{i}")["id"] for i in range(3)]
    # When the list is read two at a time
    status, first = stack.call("list_program_members", "GET", members_path(program), query={"limit": "2"})
    assert status == 200, first
    status, second = stack.call("list_program_members", "GET", members_path(program), query={"limit": "2", "cursor": first["cursor"]["next"]})
    # Then the pages hold them newest first, without cards, and the last page has no cursor
    assert [m["id"] for m in first["data"] + second["data"]] == made[::-1]
    assert first["object"] == "list" and first["cursor"]["next"].startswith("lcrsmbr_") and second["cursor"] is None
    assert all("cards" not in m and m["object"] == "member" for m in first["data"])


def test_list_filters_and_orders(stack: Stack, program: dict[str, Any]) -> None:
    a = enrol(stack, program, "a")
    b = enrol(stack, program, "b", status="INACTIVE")
    c = enrol(stack, program, "c")
    path = members_path(program)

    def ids_of(query: dict[str, str]) -> list[str]:
        status, page = stack.call("list_program_members", "GET", path, query=query)
        assert status == 200, page
        return [m["id"] for m in page["data"]]

    assert ids_of({"filters[status][conditions][$is]": "INACTIVE"}) == [b["id"]]
    assert ids_of({"filters[status][conditions][$in]": "ACTIVE", "order": "created_at"}) == [a["id"], c["id"]]
    assert ids_of({"filters[customer_id][conditions][$is]": a["customer_id"]}) == [a["id"]]
    assert ids_of({"filters[id][conditions][$is_not]": c["id"]}) == [b["id"], a["id"]]
    assert ids_of({"filters[created_at][conditions][$before]": b["created_at"]}) == [a["id"]]
    assert ids_of({"order": "-status"})[0] == b["id"]  # INACTIVE sorts after ACTIVE
    assert ids_of({"order": "customer_id"}) == [m["id"] for m in sorted([a, b, c], key=lambda m: m["customer_id"])]


@pytest.mark.parametrize("query", [{"filters[status][conditions][$is]": "DELETED"}, {"filters[name][conditions][$is]": "x"},
                                   {"filters[customer_id][conditions][$is]": "user_1"}, {"order": "name"},
                                   {"order": "status,-status"}, {"limit": "0"}, {"cursor": "lcrsmbr_00"}, {"page": "2"}])
def test_list_refuses_what_it_does_not_declare(stack: Stack, program: dict[str, Any], query: dict[str, str]) -> None:
    status, body = stack.call("list_program_members", "GET", members_path(program), query=query)
    assert status == 400 and body["key"] in ("invalid_query_params", "invalid_or_expired_cursor"), body


def test_list_of_an_unknown_program_is_404_and_of_an_empty_one_is_empty(stack: Stack, program: dict[str, Any]) -> None:
    status, body = stack.call("list_program_members", "GET", f"{BASE}/programs/lprg_00000000000000000a/members")
    assert (status, body["resource_type"]) == (404, "program")
    status, body = stack.call("list_program_members", "GET", members_path(program))
    assert (status, body["data"], body["cursor"]) == (200, [], None)


# ---------------------------------------------------------------------------------------------- enrolment rules
def test_enrolment_depends_on_the_program_status_only(stack: Stack) -> None:
    # Given an ACTIVE program whose validity window opens tomorrow
    ids_ = make_components(stack)
    status, program = stack.call("create_program", "POST", f"{BASE}/programs", {
        "name": "Later", "status": "ACTIVE", "start_date": "2999-01-01T00:00:00Z", "card_definitions": [{"id": ids_["cdef"]}],
        "earning_rules": [{"id": ids_["rule"]}]})
    assert status == 200, program
    # When a customer enrols, then it is accepted
    member = make_member(stack, program["id"], make_customer(stack))
    # but its points cannot move yet
    status, body = stack.call("adjust_card_points", "POST", f"{members_path(program)}/{member['id']}/cards/{member['cards'][0]['card']['id']}/points",
                              {"points": 5})
    assert (status, body["key"]) == (423, "program_outside_validity_window")


def test_a_member_gets_a_card_only_for_each_active_card_definition(stack: Stack) -> None:
    # Given an ACTIVE program with an ACTIVE and a DRAFT card definition (assigned while the program was DRAFT)
    ids_ = make_components(stack)
    status, draft = stack.call("create_card_definition", "POST", f"{BASE}/card-definitions", {"name": "Draft", "type": "INDIVIDUAL"})
    assert status == 200
    status, program = stack.call("create_program", "POST", f"{BASE}/programs", {
        "name": "Two wallets", "card_definitions": [{"id": ids_["cdef"]}, {"id": draft["id"]}],
        "earning_rules": [{"id": ids_["rule"]}]})
    assert status == 200, program
    status, program = stack.call("activate_program", "POST", f"{BASE}/programs/{program['id']}/activate")
    assert status == 200, program
    # When a customer enrols
    member = make_member(stack, program["id"], make_customer(stack))
    # Then it holds one card, of the ACTIVE definition, and only that card is stored
    assert [c["card"]["card_definition_id"] for c in member["cards"]] == [ids_["cdef"]]
    found = members.get_member_with_cards(stack.db(), member["id"])
    assert found is not None and [c["card_definition_id"] for c in found[1]] == [ids_["cdef"]]
    # and once the draft definition is activated, the next member gets both cards
    db = stack.db()
    db.update(db.keys.component("CDEF", draft["id"]), "SET #s = :a, #d.#s = :a", names={"#s": "status", "#d": "data"}, values={"a": "ACTIVE"})
    second = make_member(stack, program["id"], make_customer(stack, "bob"))
    assert sorted(c["card"]["card_definition_id"] for c in second["cards"]) == sorted([ids_["cdef"], draft["id"]])


# ---------------------------------------------------------------------------------------------- update
def test_update_merges_metadata_and_records_the_activity(stack: Stack, program: dict[str, Any]) -> None:
    member = enrol(stack, program, "a", metadata={"keep": 1, "drop": 2})
    path = f"{members_path(program)}/{member['id']}"
    # When metadata is merged (a key given null is removed)
    status, updated = stack.call("update_program_member", "PUT", path, {"metadata": {"tier": "gold", "drop": None}})
    # Then the member (without cards) carries the merge, updated_at is set, and the stored member agrees
    assert status == 200, updated
    assert updated["metadata"] == {"keep": 1, "tier": "gold"} and updated["updated_at"] and "cards" not in updated
    item = member_item(stack, member["id"])
    assert item is not None and item["data"]["metadata"] == {"keep": 1, "tier": "gold"} and item["version"] == 1
    assert activity_types(stack, activity_kinds.MEMBER, member["id"]) == ["vl.member.created", "vl.member.updated"]
    # When metadata is null, it is cleared
    status, cleared = stack.call("update_program_member", "PUT", path, {"metadata": None})
    assert (status, cleared["metadata"], cleared["status"]) == (200, {}, "ACTIVE")


def test_update_names_the_program_or_the_member_that_is_missing(stack: Stack, program: dict[str, Any]) -> None:
    member = enrol(stack, program, "a")
    status, body = stack.call("update_program_member", "PUT", f"{BASE}/programs/lprg_00000000000000000a/members/{member['id']}",
                              {"metadata": {}})
    assert (status, body["resource_type"]) == (404, "program")
    status, body = stack.call("update_program_member", "PUT", f"{members_path(program)}/lmbr_00000000000000000a", {"metadata": {}})
    assert (status, body["resource_type"], body["resource_id"]) == (404, "member", "lmbr_00000000000000000a")


# ---------------------------------------------------------------------------------------------- activate / deactivate
def test_deactivated_members_neither_earn_nor_spend_until_activated(stack: Stack, program: dict[str, Any]) -> None:
    member = enrol(stack, program, "a")
    path = f"{members_path(program)}/{member['id']}"
    card = member["cards"][0]["card"]["id"]
    credit(stack, program["id"], member["id"], card, 500)
    stack.drain()
    # When the member is deactivated
    status, body = stack.call("deactivate_program_member", "POST", f"{path}/deactivate")
    assert (status, body["status"], "cards" in body) == (200, "INACTIVE", False)
    assert member_item(stack, member["id"])["status"] == "INACTIVE"  # type: ignore[index]
    # Then its points and purchases answer 423 non_active_member, and deactivating again is an invalid transition
    status, body = stack.call("adjust_card_points", "POST", f"{path}/cards/{card}/points", {"points": 5})
    assert (status, body["key"]) == (423, "non_active_member")
    status, body = stack.call("purchase_member_reward", "POST", f"{path}/rewards/purchases", {"reward_id": program["components"]["reward"]})
    assert (status, body["key"]) == (423, "non_active_member")
    status, body = stack.call("deactivate_program_member", "POST", f"{path}/deactivate")
    assert (status, body["key"]) == (400, "invalid_state_transition")
    # When it is activated again, it can spend
    status, body = stack.call("activate_program_member", "POST", f"{path}/activate")
    assert (status, body["status"]) == (200, "ACTIVE")
    status, body = stack.call("activate_program_member", "POST", f"{path}/activate")
    assert (status, body["key"]) == (400, "invalid_state_transition")
    status, body = stack.call("purchase_member_reward", "POST", f"{path}/rewards/purchases", {"reward_id": program["components"]["reward"]})
    assert status == 202, body
    assert activity_types(stack, activity_kinds.MEMBER, member["id"]) == [
        "vl.member.created", "vl.member.deactivated", "vl.member.activated"]


def test_a_change_that_lost_a_race_is_409_and_writes_nothing(stack: Stack, program: dict[str, Any]) -> None:
    # Given a member read at version 0, then changed by another request
    member = enrol(stack, program, "a")
    db = stack.db()
    found = members.get_member_for_change(db, member["id"])
    assert found is not None
    stale, _, version = found
    status, _ = stack.call("update_program_member", "PUT", f"{members_path(program)}/{member['id']}", {"metadata": {"x": 1}})
    assert status == 200
    # When a change conditioned on the old version is written, it is refused under the label `member`
    tx = db.transaction()
    members.add_member_change(tx, db, {**stale, "status": "INACTIVE"}, version)
    from loyalty.db.transact import TransactionConflict

    with pytest.raises(TransactionConflict) as refused:
        tx.commit()
    assert refused.value.failed("member")
    assert member_item(stack, member["id"])["status"] == "ACTIVE"  # type: ignore[index]


# ---------------------------------------------------------------------------------------------- delete
def test_delete_soft_deletes_the_member_and_frees_the_customer(stack: Stack, program: dict[str, Any]) -> None:
    member = enrol(stack, program, "a")
    stack.drain()  # the card gets its code (and its code claim)
    path = f"{members_path(program)}/{member['id']}"
    db = stack.db()
    card = members.get_member_with_cards(db, member["id"])[1][0]  # type: ignore[index]
    assert card.get("code") and members.get_card_by_code(db, str(card["code"])) is not None
    # When it is deleted
    status, body = stack.call("delete_program_member", "DELETE", path)
    # Then the answer is the member, DELETED, without cards
    assert (status, body["status"], "cards" in body) == (200, "DELETED", False)
    # and the member item is DELETED and out of the list; its card, the card's code claim and the membership claim are gone
    item = member_item(stack, member["id"])
    assert item is not None and item["status"] == "DELETED" and "GSI1PK" not in item
    assert members.get_card(db, member["id"], card["id"]) is None
    assert members.get_card_by_code(db, str(card["code"])) is None
    assert members.get_membership(db, program["id"], member["customer_id"]) is None
    assert activity_types(stack, activity_kinds.MEMBER, member["id"])[-1] == "vl.member.deleted"
    # and GET, a second DELETE and the list no longer see it
    assert stack.call("get_program_member", "GET", path)[0] == 404
    assert stack.call("delete_program_member", "DELETE", path)[0] == 404
    assert stack.call("list_program_members", "GET", members_path(program))[1]["data"] == []
    # and the customer may enrol again, as a new member
    again = make_member(stack, program["id"], member["customer_id"])
    assert again["id"] != member["id"]
    # while the deleted member's history is still listed
    status, history = stack.call("list_program_member_activities", "GET", f"{path}/activities")
    assert status == 200 and history["data"][0]["type"] == "vl.member.deleted"


def test_a_member_with_a_purchase_in_flight_is_deleted_only_once_it_is_settled(stack: Stack, program: dict[str, Any]) -> None:
    # Given a member whose reward purchase the worker has not completed yet (its points are locked)
    member = enrol(stack, program, "a")
    path = f"{members_path(program)}/{member['id']}"
    credit(stack, program["id"], member["id"], member["cards"][0]["card"]["id"], 500)
    stack.drain()
    status, _ = stack.call("purchase_member_reward", "POST", f"{path}/rewards/purchases", {"reward_id": program["components"]["reward"]})
    assert status == 202
    # When it is deleted, then it is refused with 423 and nothing is written
    before = stack.items()
    status, body = stack.call("delete_program_member", "DELETE", path)
    assert (status, body["key"], body["resource_id"]) == (423, "resource_locked", member["id"])
    assert stack.items() == before
    # and once the purchase is settled, the delete goes through
    stack.drain()
    assert stack.call("delete_program_member", "DELETE", path)[0] == 200


# ---------------------------------------------------------------------------------------------- memberships
def test_customer_memberships_by_each_identification_type(stack: Stack, program: dict[str, Any]) -> None:
    # Given a customer in two programs (one member later deleted) and in a v1 campaign
    member = enrol(stack, program, "alice")
    second_program = make_program(stack, program["components"])
    other = make_member(stack, second_program["id"], member["customer_id"])
    third_program = make_program(stack, program["components"])
    gone = make_member(stack, third_program["id"], member["customer_id"])
    stack.call("delete_program_member", "DELETE", f"{members_path(third_program)}/{gone['id']}")
    status, camp = stack.call("create_loyalty_program_v1", "POST", "/v1/loyalties", {
        "name": "v1", "type": "AUTO_UPDATE", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}})
    assert stack.call("add_member_v1", "POST", f"/v1/loyalties/{camp['id']}/members", {"customer": member["customer_id"]})[0] == 200
    path = "/v2/loyalties/memberships"
    for ref, kind in ((member["customer_id"], None), ("alice", "customer_source_id"), (member["id"], "member_id")):
        # When the memberships are read
        status, body = stack.call("get_customer_memberships", "GET", f"{path}/{ref}", query={"identification_type": kind} if kind else None)
        # Then both live program memberships are there (not the deleted one, not the v1 card), without tier progress
        assert status == 200, body
        assert body["object"] == "memberships_result"
        assert body["customer"] == {"id": member["customer_id"], "source_id": "alice", "object": "customer"}
        assert sorted(m["member"]["id"] for m in body["memberships"]) == sorted([member["id"], other["id"]])
        first = next(m for m in body["memberships"] if m["member"]["id"] == member["id"])
        assert first["program"] == {"id": program["id"], "name": "VIP", "status": "ACTIVE", "metadata": {}, "object": "program"}
        assert [c["card"]["id"] for c in first["cards"]] == [member["cards"][0]["card"]["id"]]
        assert all("tier_progress" not in c for m in body["memberships"] for c in m["cards"])


def test_memberships_of_nobody(stack: Stack, program: dict[str, Any]) -> None:
    customer = make_customer(stack, "lonely")
    status, body = stack.call("get_customer_memberships", "GET", f"/v2/loyalties/memberships/{customer}")
    assert (status, body["memberships"]) == (200, [])
    for ref, kind, resource in (("cust_nobody0", None, "customer"), ("nobody", "customer_source_id", "customer"),
                                ("lmbr_00000000000000000a", "member_id", "member"), ("lprg_0a", "member_id", "member")):
        status, body = stack.call("get_customer_memberships", "GET", f"/v2/loyalties/memberships/{ref}",
                                  query={"identification_type": kind} if kind else None)
        assert (status, body["resource_type"]) == (404, resource), body
    status, body = stack.call("get_customer_memberships", "GET", f"/v2/loyalties/memberships/{customer}", query={"identification_type": "email"})
    assert (status, body["key"]) == (400, "invalid_query_params")


def test_program_membership_carries_tier_progress_on_tracked_cards(stack: Stack) -> None:
    # Given a program with two card definitions, one tracked by its tier structure
    ids_ = make_components(stack)
    status, extra = stack.call("create_card_definition", "POST", f"{BASE}/card-definitions",
                               {"name": "Second", "type": "INDIVIDUAL", "status": "ACTIVE"})
    structure = {"id": ids.TIER_STRUCTURE.new(), "name": "Tiers", "type": "POINT_BALANCE", "status": "ACTIVE",
                 "point_balance": {"card_definition_id": ids_["cdef"]}, "created_at": now_iso(), "object": "tier_structure"}
    components.create_component(stack.db(), "TS", structure)
    status, program = stack.call("create_program", "POST", f"{BASE}/programs", {
        "name": "Tiered", "status": "ACTIVE", "card_definitions": [{"id": ids_["cdef"]}, {"id": extra["id"]}],
        "earning_rules": [{"id": ids_["rule"]}], "tier_structures": [{"id": structure["id"]}]})
    assert status == 200, program
    member = make_member(stack, program["id"], make_customer(stack, "alice"))
    # When its membership is read by customer id, source id and member id
    for ref, kind in ((member["customer_id"], None), ("alice", "customer_source_id"), (member["id"], "member_id")):
        status, body = stack.call("get_program_membership", "GET", f"{BASE}/programs/{program['id']}/memberships/{ref}",
                                  query={"identification_type": kind} if kind else None)
        assert status == 200, body
        # Then the tracked card has tier_progress (no tier computed yet), the other card none
        assert body["object"] == "membership" and body["member"]["id"] == member["id"] and body["program"]["id"] == program["id"]
        progress = {c["card"]["card_definition_id"]: c.get("tier_progress") for c in body["cards"]}
        assert progress == {ids_["cdef"]: {"current": None, "tier_structure": {"id": structure["id"], "object": "tier_structure"},
                                           "deferred": [], "risks": [], "opportunities": [], "object": "member_tier_progress"},
                            extra["id"]: None}


def test_program_membership_404s(stack: Stack, program: dict[str, Any]) -> None:
    member = enrol(stack, program, "alice")
    other_program = make_program(stack, program["components"])
    path = f"{BASE}/programs/{program['id']}/memberships"
    cases = [(f"{BASE}/programs/lprg_00000000000000000a/memberships/{member['customer_id']}", None, "program", "lprg_00000000000000000a"),
             (f"{BASE}/programs/{other_program['id']}/memberships/{member['customer_id']}", None, "member", member["customer_id"]),
             (f"{BASE}/programs/{other_program['id']}/memberships/{member['id']}", "member_id", "member", member["id"]),
             (f"{path}/cust_nobody0", None, "member", "cust_nobody0"), (f"{path}/nobody", "customer_source_id", "member", "nobody"),
             (f"{path}/{member['customer_id']}", "member_id", "member", member["customer_id"])]
    for url, kind, resource, resource_id in cases:
        status, body = stack.call("get_program_membership", "GET", url, query={"identification_type": kind} if kind else None)
        assert (status, body["resource_type"], body["resource_id"]) == (404, resource, resource_id), (url, body)


def code_of(stack: Stack, program: dict[str, Any], member_id: str) -> str:
    """The generated code of a member's first card (the worker has run)."""
    status, member = stack.call("get_program_member", "GET", f"{members_path(program)}/{member_id}")
    assert status == 200 and member["cards"][0]["card"]["code"], member
    return str(member["cards"][0]["card"]["code"])


def table_reads(stack: Stack, name: str, path: str, kind: str) -> tuple[tuple[int, Any], list[tuple[str, str]]]:
    """One memberships request and its table calls (operation, key or key values; the API-key lookup left out)."""
    recorder = CallRecorder().attach(clients.dynamodb(), principal="test")
    try:
        with recorder.record() as tally:
            answer = stack.call(name, "GET", path, query={"identification_type": kind})
    finally:
        recorder.detach()
    return answer, [(c.operation, str(c.params.get("Key") or c.params.get("ExpressionAttributeValues") or {})) for c in tally.calls
                    if c.category != "auth"]


def test_memberships_by_card_code_answer_as_by_member_id(stack: Stack, program: dict[str, Any]) -> None:
    # Given a member of two programs whose cards have their codes, and a v1 card of the same customer
    member = enrol(stack, program, "alice")
    second_program = make_program(stack, program["components"])
    other = make_member(stack, second_program["id"], member["customer_id"])
    _, camp = stack.call("create_loyalty_program_v1", "POST", "/v1/loyalties", {
        "name": "v1", "type": "AUTO_UPDATE", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}})
    assert stack.call("add_member_v1", "POST", f"/v1/loyalties/{camp['id']}/members", {"customer": member["customer_id"]})[0] == 200
    stack.drain()
    code, other_code = code_of(stack, program, member["id"]), code_of(stack, second_program, other["id"])
    for name, path in (("get_customer_memberships", "/v2/loyalties/memberships"),
                       ("get_program_membership", f"{BASE}/programs/{program['id']}/memberships")):
        # When the memberships are read by the card's code (as given, and percent-encoded) and by the member's id
        by_member, member_reads = table_reads(stack, name, f"{path}/{member['id']}", "member_id")
        by_code, code_reads = table_reads(stack, name, f"{path}/{code}", "card_code")
        encoded = stack.call(name, "GET", f"{path}/{''.join(f'%{b:02X}' for b in code.encode())}", query={"identification_type": "card_code"})
        # Then the answers are the same body, and the code cost one GetItem of its claim on top of what the member id costs
        assert by_member[0] == 200, by_member
        assert by_code == by_member == encoded
        claim = [r for r in code_reads if r[0] == "GetItem" and f"#CODE#{code}" in r[1]]
        assert len(claim) == 1 and [r for r in code_reads if r not in claim] == member_reads, (code_reads, member_reads)
    # and the code of the member's card in the other program names the same customer's memberships
    assert stack.call("get_customer_memberships", "GET", f"/v2/loyalties/memberships/{other_code}",
                      query={"identification_type": "card_code"}) == stack.call(
        "get_customer_memberships", "GET", f"/v2/loyalties/memberships/{member['id']}", query={"identification_type": "member_id"})


def test_memberships_by_card_code_404s(stack: Stack, program: dict[str, Any]) -> None:
    # Given a member with a coded card, a v1 card of the same customer, and a member of another program
    member = enrol(stack, program, "alice")
    status, camp = stack.call("create_loyalty_program_v1", "POST", "/v1/loyalties", {
        "name": "v1", "type": "AUTO_UPDATE", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}})
    status, v1 = stack.call("add_member_v1", "POST", f"/v1/loyalties/{camp['id']}/members", {"customer": member["customer_id"]})
    assert status == 200 and v1["code"], v1
    second_program = make_program(stack, program["components"])
    outsider = enrol(stack, second_program, "bob")
    gone = enrol(stack, program, "carol")
    stack.drain()
    code, outsider_code, gone_code = (code_of(stack, program, member["id"]), code_of(stack, second_program, outsider["id"]),
                                      code_of(stack, program, gone["id"]))
    assert stack.call("delete_program_member", "DELETE", f"{members_path(program)}/{gone['id']}")[0] == 200
    in_program = f"{BASE}/programs/{program['id']}/memberships"
    cases = [("get_customer_memberships", f"/v2/loyalties/memberships/{ref}", ref) for ref in ("MW-nosuch00", v1["code"], gone_code)]
    cases += [("get_program_membership", f"{in_program}/{ref}", ref) for ref in ("MW-nosuch00", v1["code"], gone_code, outsider_code)]
    cases += [("get_program_membership", f"{BASE}/programs/{second_program['id']}/memberships/{code}", code)]  # not its program
    for name, path, ref in cases:
        # When the memberships are read by a code that is unknown, a v1 card's, a deleted member's or another program's
        status, body = stack.call(name, "GET", path, query={"identification_type": "card_code"})
        # Then 404 `member` naming the code, as for an unknown member id
        assert (status, body["key"], body["resource_type"], body["resource_id"]) == (404, "not_found", "member", ref), (path, body)
        assert set(body) >= {"code", "key", "message", "details", "request_id"}
    # and an unknown program is 404 `program` before the code is looked at
    status, body = stack.call("get_program_membership", "GET", f"{BASE}/programs/lprg_00000000000000000a/memberships/{code}",
                              query={"identification_type": "card_code"})
    assert (status, body["resource_type"], body["resource_id"]) == (404, "program", "lprg_00000000000000000a")


# ---------------------------------------------------------------------------------------------- activities
def test_member_and_card_activities(stack: Stack, program: dict[str, Any]) -> None:
    member = enrol(stack, program, "alice")
    stack.drain()  # the card's code is generated
    path = f"{members_path(program)}/{member['id']}"
    card = member["cards"][0]["card"]["id"]
    stack.call("update_program_member", "PUT", path, {"metadata": {"a": 1}})
    # When the member's activities are listed, newest first
    status, body = stack.call("list_program_member_activities", "GET", f"{path}/activities")
    assert status == 200, body
    assert [a["type"] for a in body["data"]] == ["vl.member.updated", "vl.member.created"]
    assert all(a["member_id"] == member["id"] and a["id"].startswith("lambr_") for a in body["data"])
    status, body = stack.call("list_program_member_activities", "GET", f"{path}/activities",
                              query={"filters[type][conditions][$is]": "vl.member.created"})
    assert [a["type"] for a in body["data"]] == ["vl.member.created"]
    # and the card's
    status, body = stack.call("list_card_activities", "GET", f"{path}/cards/{card}/activities", query={"order": "created_at"})
    assert status == 200, body
    assert [a["type"] for a in body["data"]] == ["vl.card.created", "vl.card.code_generation.succeeded"]
    assert all(a["card_id"] == card and a["id"].startswith("lacrd_") for a in body["data"])
    # Then another program's path, an unknown member or card, or another member's card are 404
    other = make_program(stack, program["components"])
    stranger = enrol(stack, program, "bob")
    for name, url, resource in (
            ("list_program_member_activities", f"{members_path(other)}/{member['id']}/activities", "member"),
            ("list_program_member_activities", f"{members_path(program)}/lmbr_00000000000000000a/activities", "member"),
            ("list_card_activities", f"{members_path(other)}/{member['id']}/cards/{card}/activities", "card"),
            ("list_card_activities", f"{path}/cards/lcrd_00000000000000000a/activities", "card"),
            ("list_card_activities", f"{members_path(program)}/{stranger['id']}/cards/{card}/activities", "card")):
        status, body = stack.call(name, "GET", url)
        assert (status, body["resource_type"]) == (404, resource), (url, body)
    status, body = stack.call("list_card_activities", "GET", f"{path}/cards/{card}/activities",
                              query={"filters[type][conditions][$is]": "vl.member.created"})
    assert (status, body["key"]) == (400, "invalid_query_params")
