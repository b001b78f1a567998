"""Idempotency keys on moto (issue 9, DESIGN §3b): a POST sent again with the same `Idempotency-Key` and the same request
replays the first answer (status and body) with one effect; the same key with another request is refused (409
`idempotency_key_reused`) and writes nothing; a key is the project's own; a malformed key is a 400; answers that say
"try again" (5xx, 429, Retry-After) are not kept; a request whose key is still in progress answers 409; the record
expires by the table's TTL 24 hours after the first request. Without the header nothing changes."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from loyalty.api.app import stored
from tests import support
from tests.integration.conftest import Stack, error_of
from tests.integration.test_v1_loyalty import make_campaign
from tests.integration.test_v1_loyalty import make_customer as make_v1_customer
from tests.integration.test_v2_journey import BASE, card_of, credit, make_components, make_customer, make_member, make_program


def send(stack: Stack, name: str, method: str, path: str, body: Any, key: str | None, headers: dict[str, str] | None = None
         ) -> tuple[int, Any, dict[str, str]]:
    """(status, body, headers) of one call with an Idempotency-Key (None: without the header)."""
    extra = {} if key is None else {"Idempotency-Key": key}
    event = support.http_event(method, path, body, {**(headers or stack.headers), **extra})
    resp = support.invoke(name, event)
    return resp["statusCode"], json.loads(resp["body"]) if resp.get("body") else None, dict(resp.get("headers") or {})


def items(stack: Stack, sk_prefix: str) -> list[dict[str, Any]]:
    return [i for i in stack.items() if i["SK"]["S"].startswith(sk_prefix)]


def idem_records(stack: Stack) -> list[dict[str, Any]]:
    return [i for i in stack.items() if i["PK"]["S"].endswith("#IDEM")]


def program_body(ids: dict[str, str], name: str = "VIP") -> dict[str, Any]:
    return {"name": name, "status": "ACTIVE", "card_definitions": [{"id": ids["cdef"]}], "earning_rules": [{"id": ids["rule"]}],
            "rewards": [{"id": ids["reward"]}]}


def purchase_world(stack: Stack, points: int = 1000) -> dict[str, str]:
    ids = make_components(stack, cost=100)
    program = make_program(stack, ids)["id"]
    member = make_member(stack, program, make_customer(stack))["id"]
    card = card_of(stack, program, member)["id"]
    if points:
        credit(stack, program, member, card, points)
    stack.drain()
    return {**ids, "program": program, "member": member, "card": card,
            "purchase": f"{BASE}/programs/{program}/members/{member}/rewards/purchases"}


# ---------------------------------------------------------------------------------------------------- replays
def test_create_program_replayed_with_the_same_key_answers_the_first_answer_and_creates_one_program(stack: Stack) -> None:
    # Given components, and a create-program request sent with a key
    ids = make_components(stack)
    first = send(stack, "create_program", "POST", f"{BASE}/programs", program_body(ids), "prog-1")
    assert first[0] == 200, first
    # When it is sent again with the same key and body
    again = send(stack, "create_program", "POST", f"{BASE}/programs", program_body(ids), "prog-1")
    # Then the same status and body come back, marked as a replay, and there is one program
    assert (again[0], again[1]) == (first[0], first[1])
    assert again[2].get("Idempotent-Replayed") == "true" and "Idempotent-Replayed" not in first[2]
    assert len(items(stack, "PROGRAM")) == 1


def test_the_same_purchase_sent_twice_with_one_key_is_charged_once(stack: Stack) -> None:
    w = purchase_world(stack)
    first = send(stack, "purchase_member_reward", "POST", w["purchase"], {"reward_id": w["reward"]}, "buy-1")
    again = send(stack, "purchase_member_reward", "POST", w["purchase"], {"reward_id": w["reward"]}, "buy-1")
    assert first[0] == 202 and (again[0], again[1]) == (first[0], first[1])
    assert len(items(stack, "RTX#")) == 1
    stack.drain()
    assert card_of(stack, w["program"], w["member"])["balance"]["points"] == 900


def test_add_member_v1_replayed_with_the_same_key_adds_one_card(stack: Stack) -> None:
    campaign = make_campaign(stack)
    customer = make_v1_customer(stack, "bob-1")
    path, body = f"/v1/loyalties/{campaign['id']}/members", {"customer": customer["id"]}
    first = send(stack, "add_member_v1", "POST", path, body, "v1-add")
    again = send(stack, "add_member_v1", "POST", path, body, "v1-add")
    assert first[0] == 200 and (again[0], again[1]) == (first[0], first[1])
    assert len(items(stack, "CARD#")) == 1


def test_key_order_and_spacing_of_the_body_do_not_make_another_request(stack: Stack) -> None:
    ids = make_components(stack)
    body = program_body(ids)
    first = send(stack, "create_program", "POST", f"{BASE}/programs", body, "k")
    reordered = dict(reversed(list(body.items())))
    assert send(stack, "create_program", "POST", f"{BASE}/programs", reordered, "k")[:2] == first[:2]


# ---------------------------------------------------------------------------------------------------- refusals
def test_the_same_key_with_another_body_is_refused_and_writes_nothing(stack: Stack) -> None:
    ids = make_components(stack)
    assert send(stack, "create_program", "POST", f"{BASE}/programs", program_body(ids, "VIP"), "k1")[0] == 200
    got = error_of(stack, 409, "idempotency_key_reused", "create_program", "POST", f"{BASE}/programs", program_body(ids, "Gold"),
                   headers={**stack.headers, "Idempotency-Key": "k1"})
    assert "Idempotency-Key" in got["details"]
    assert len(items(stack, "PROGRAM")) == 1


def test_the_same_key_on_another_route_is_refused(stack: Stack) -> None:
    ids = make_components(stack)
    assert send(stack, "create_program", "POST", f"{BASE}/programs", program_body(ids), "shared")[0] == 200
    error_of(stack, 409, "idempotency_key_reused", "create_customer", "POST", "/v1/customers", {"source_id": "x"},
             headers={**stack.headers, "Idempotency-Key": "shared"})


def test_the_same_purchase_key_with_another_reward_buys_nothing(stack: Stack) -> None:
    w = purchase_world(stack)
    assert send(stack, "purchase_member_reward", "POST", w["purchase"], {"reward_id": w["reward"]}, "buy")[0] == 202
    error_of(stack, 409, "idempotency_key_reused", "purchase_member_reward", "POST", w["purchase"],
             {"reward_id": w["reward"], "mode": "DRY_RUN"}, headers={**stack.headers, "Idempotency-Key": "buy"})
    assert len(items(stack, "RTX#")) == 1


@pytest.mark.parametrize(("why", "key"), [
    ("empty", ""),
    ("too long", "k" * 256),
    ("not ASCII", "clé"),
    ("a control character", "a\tb"),
])
def test_a_malformed_key_is_refused_with_400_and_writes_nothing(stack: Stack, why: str, key: str) -> None:
    ids = make_components(stack)
    got = error_of(stack, 400, "invalid_idempotency_key", "create_program", "POST", f"{BASE}/programs", program_body(ids),
                   headers={**stack.headers, "Idempotency-Key": key})
    assert "255" in got["details"], why


@pytest.mark.parametrize(("why", "raw"), [("nested too deeply", "[" * 5000 + "]" * 5000), ("not JSON", "{"),
                                        ("a number too long to read", "{\"name\": " + "9" * 5000 + "}")])
def test_a_body_the_api_refuses_is_refused_with_a_key_too_and_the_refusal_is_kept(stack: Stack, why: str, raw: str) -> None:
    headers = {**stack.headers, "Idempotency-Key": f"bad-{why}"}
    first = stack.call("create_customer", "POST", "/v1/customers", raw_body='{"source_id": ' + raw + "}", headers=headers)
    again = stack.call("create_customer", "POST", "/v1/customers", raw_body='{"source_id": ' + raw + "}", headers=headers)
    assert first[0] == 400 and again == first, why


def test_the_longest_key_and_any_case_of_the_header_name_are_accepted(stack: Stack) -> None:
    ids = make_components(stack)
    key = "~" + "K" * 253 + " "
    event = support.http_event("POST", f"{BASE}/programs", program_body(ids), stack.headers)
    event["headers"]["IDEMPOTENCY-KEY"] = key
    first = support.invoke("create_program", event)
    again = support.invoke("create_program", {**event, "requestContext": {**event["requestContext"], "requestId": "other"}})
    assert first["statusCode"] == 200 and again["body"] == first["body"]
    assert len(items(stack, "PROGRAM")) == 1


def test_a_request_whose_key_is_still_in_progress_answers_409(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a create-program request that, while it runs, sees the same request arrive with the same key
    ids = make_components(stack)
    app = support.function("create_program").app
    resolve, seen = app.resolve, {}

    def resolve_while_repeated(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen["inner"] = send(stack, "create_program", "POST", f"{BASE}/programs", program_body(ids), "slow")
        return resolve(event, context)

    monkeypatch.setattr(app, "resolve", resolve_while_repeated)
    outer = send(stack, "create_program", "POST", f"{BASE}/programs", program_body(ids), "slow")
    # Then the repeat answered 409 in progress (with Retry-After), and the first one created the program
    status, body, headers = seen["inner"]
    assert (status, body["key"]) == (409, "idempotency_request_in_progress") and headers.get("Retry-After") == "1"
    assert outer[0] == 200 and len(items(stack, "PROGRAM")) == 1


# ---------------------------------------------------------------------------------------------------- what is kept
def test_a_4xx_answer_is_kept_and_replayed_even_once_the_request_could_succeed(stack: Stack) -> None:
    # Given a purchase refused for lack of points
    w = purchase_world(stack, points=0)
    first = send(stack, "purchase_member_reward", "POST", w["purchase"], {"reward_id": w["reward"]}, "poor")
    assert (first[0], first[1]["key"]) == (423, "insufficient_card_balance")
    # When the card gets the points and the client retries with the same key
    credit(stack, w["program"], w["member"], w["card"], 500)
    stack.drain()
    again = send(stack, "purchase_member_reward", "POST", w["purchase"], {"reward_id": w["reward"]}, "poor")
    # Then the refusal is replayed (the key's outcome is fixed) and nothing is bought; a new key buys
    assert (again[0], again[1]) == (first[0], first[1]) and again[2].get("Idempotent-Replayed") == "true"
    assert items(stack, "RTX#") == []
    assert send(stack, "purchase_member_reward", "POST", w["purchase"], {"reward_id": w["reward"]}, "poor-2")[0] == 202


def test_a_5xx_answer_is_not_kept_so_a_retry_with_the_key_runs_again(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = make_components(stack)
    app = support.function("create_program").app
    resolve, calls = app.resolve, []

    def unavailable_once(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.append(1)
        if len(calls) == 1:
            return {"statusCode": 503, "headers": {"Retry-After": "1"}, "body": json.dumps({"code": 503}), "isBase64Encoded": False}
        return resolve(event, context)

    monkeypatch.setattr(app, "resolve", unavailable_once)
    assert send(stack, "create_program", "POST", f"{BASE}/programs", program_body(ids), "retry")[0] == 503
    assert idem_records(stack) == []  # the key was released
    again = send(stack, "create_program", "POST", f"{BASE}/programs", program_body(ids), "retry")
    assert again[0] == 200 and "Idempotent-Replayed" not in again[2] and len(calls) == 2
    assert len(items(stack, "PROGRAM")) == 1


@pytest.mark.parametrize(("status", "headers", "kept"), [
    (200, {}, True), (202, {}, True), (204, {}, True), (400, {}, True), (404, {}, True), (409, {}, True), (422, {}, True),
    (423, {}, True), (429, {"Retry-After": "1"}, False), (409, {"Retry-After": "1"}, False), (500, {}, False), (503, {}, False),
])
def test_which_answers_are_kept(status: int, headers: dict[str, str], kept: bool) -> None:
    assert stored({"statusCode": status, "headers": headers}) is kept


def test_the_record_is_the_project_s_own_and_expires_24_hours_after_the_first_request(stack: Stack) -> None:
    ids = make_components(stack)
    assert send(stack, "create_program", "POST", f"{BASE}/programs", program_body(ids), "ttl")[0] == 200
    [record] = idem_records(stack)
    assert record["PK"]["S"] == "acme#IDEM" and record["SK"]["S"].startswith("IDEM#") and "ttl" not in record["SK"]["S"]
    assert record["status"]["S"] == "COMPLETED"
    assert abs(int(record["expires_at"]["N"]) - (time.time() + 24 * 3600)) < 120


# ---------------------------------------------------------------------------------------------------- scope
def test_the_same_key_in_two_projects_is_two_keys(stack: Stack) -> None:
    acme = make_components(stack)
    status, cdef = stack.call("create_card_definition", "POST", f"{BASE}/card-definitions",
                              {"name": "W", "type": "INDIVIDUAL", "status": "ACTIVE"}, headers=stack.other_headers)
    assert status == 200, cdef
    status, rule = stack.call("create_earning_rule", "POST", f"{BASE}/earning-rules", {
        "name": "Order paid", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 1, "card_definition_id": cdef["id"]}}]}]},
        headers=stack.other_headers)
    assert status == 200, rule
    globex = {"cdef": cdef["id"], "rule": rule["id"]}
    def body(ids: dict[str, str]) -> dict[str, Any]:
        return {k: v for k, v in program_body({**ids, "reward": ""}).items() if k != "rewards"}

    a = send(stack, "create_program", "POST", f"{BASE}/programs", body(acme), "same")
    g = send(stack, "create_program", "POST", f"{BASE}/programs", body(globex), "same", headers=stack.other_headers)
    assert a[0] == g[0] == 200 and a[1]["id"] != g[1]["id"] and "Idempotent-Replayed" not in g[2]
    assert sorted(i["PK"]["S"] for i in idem_records(stack)) == ["acme#IDEM", "globex#IDEM"]


def test_without_the_header_nothing_changes(stack: Stack) -> None:
    ids = make_components(stack)
    first = send(stack, "create_program", "POST", f"{BASE}/programs", program_body(ids), None)
    second = send(stack, "create_program", "POST", f"{BASE}/programs", program_body(ids), None)
    assert first[0] == second[0] == 200 and first[1]["id"] != second[1]["id"]
    assert idem_records(stack) == [] and "Idempotent-Replayed" not in second[2]


def test_a_get_ignores_the_header(stack: Stack) -> None:
    ids = make_components(stack)
    program = make_program(stack, ids)["id"]
    for key in ("k", ""):
        status, _, _ = send(stack, "get_program", "GET", f"{BASE}/programs/{program}", None, key)
        assert status == 200
    assert idem_records(stack) == []
