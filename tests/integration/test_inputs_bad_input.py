"""Bad input every route reads the same way, before its handler runs: the body's media type (any spelling of JSON is read
as JSON, anything else is 415 `unsupported_media_type`), number literals Python cannot read or represent, and lone UTF-16
surrogates. Run over every POST and PUT route of template.yaml, in-process: a 4xx with Voucherify's error body, and nothing
written."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from local.template import load_template
from tests import support
from tests.integration.conftest import Stack
from tests.integration.test_v2_journey import BASE

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
OPERATIONS = json.loads((ROOT / "openapi.json").read_text())["paths"]
# Every POST and PUT route: (function folder, method, path template, whether the operation takes a body)
# (the CSV import reads multipart/form-data, not JSON: its own test below)
MULTIPART = {"import_customers_using_csv"}
ROUTES = [(TEMPLATE.functions[r.function].code_uri.name, r.method, r.path,
           "requestBody" in OPERATIONS.get(r.path, {}).get(r.method.lower(), {}))
          for r in TEMPLATE.routes if r.method in ("POST", "PUT") and TEMPLATE.functions[r.function].code_uri.name not in MULTIPART]
ARRAY_BODIES = {"batch_create_program_members", "create_reward_assignment_1"}
# Well-formed ids of nothing, for the path parameters (a v1 member is a card code)
UNKNOWN = {"programId": "lprg_00000000000000000a", "memberId": "lmbr_00000000000000000a", "cardId": "lcrd_00000000000000000a",
           "rewardId": "lrew_00000000000000000a", "cardDefinitionId": "lcdef_00000000000000000a",
           "earningRuleId": "lern_00000000000000000a", "tierStructureId": "lts_00000000000000000a", "tierId": "lt_00000000000000000a",
           "benefitId": "lben_00000000000000000a", "campaignId": "camp_000000000000000000000a",
           "orderId": "ord_00000000000000000a",
           "bucketId": "lcppb_00000000000000000a", "pendingPointsId": "lopp_00000000000000000a",
           "rewardTransactionId": "lrtx_00000000000000000a", "assignmentId": "rewa_0000000000000000000000a",
           "customerId": "cust_0000000000000000000000a", "webhookId": "wh_00000000000000000a"}
IDS = [f"{m} {p}" for _, m, p, _ in ROUTES]

JSON_SPELLINGS = ["APPLICATION/JSON", "Application/Json; Charset=UTF-8", "application/json;charset=utf-8", "text/json", "TEXT/JSON",
                  "application/vnd.api+json", "application/merge-patch+json; charset=utf-8",
                  "application/x-www-form-urlencoded",  # what `curl -d` says when it is not told otherwise
                  None, ""]
NOT_JSON = ["text/plain", "Text/Plain; charset=UTF-8", "application/xml", "text/html", "multipart/form-data; boundary=x",
            "application/octet-stream", "image/png", "application/jsonx"]


@pytest.mark.parametrize("content_type", [c for c in JSON_SPELLINGS if c] + ["text/plain", "application/octet-stream"])
def test_the_csv_import_refuses_any_body_but_multipart_with_415(stack: Stack, content_type: str) -> None:
    status, body = answer(stack, "import_customers_using_csv",
                          event(stack, "POST", "/v1/customers/importCSV", '{"source_id": "a"}', content_type))
    assert (status, body["key"]) == (415, "unsupported_media_type"), body


def test_every_post_and_put_route_is_here() -> None:
    assert len(ROUTES) >= 40 and all(name for name, *_ in ROUTES)
    assert {name for name, *_ in ROUTES} >= {"create_program", "update_program", "add_member_v1", "create_customer",
                                              "batch_create_program_members", "activate_program"}


def path_of(template: str) -> str:
    for name, value in UNKNOWN.items():
        template = template.replace("{" + name + "}", value)
    assert "{" not in template, template
    return template


def event(stack: Stack, method: str, path: str, raw: str | None, content_type: str | None, header: str = "content-type",
          *, base64_body: bool = False) -> dict[str, Any]:
    """A v2.0 event with exactly this Content-Type header (or none), under this header name."""
    evt = support.http_event(method, path, headers=stack.headers, raw_body=raw)
    evt["headers"].pop("content-type")
    if content_type is not None:
        evt["headers"][header] = content_type
    if base64_body and raw is not None:
        evt["body"], evt["isBase64Encoded"] = base64.b64encode(raw.encode()).decode(), True
    return evt


def answer(stack: Stack, name: str, evt: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The status and error body of a refused request, which must not have written anything."""
    before = stack.items()
    resp = support.invoke(name, evt)
    body = json.loads(resp["body"])
    assert set(body) >= {"code", "key", "message", "details", "request_id"} and body["code"] == resp["statusCode"], body
    assert 400 <= resp["statusCode"] < 500, body
    assert stack.items() == before, "a refused request must not write anything"
    assert not any(text in body["details"] for text in ("Error", "Traceback", "Value error", "codec", "sys.")), body
    return resp["statusCode"], body


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    """Every test of this module proves that nothing changes: they share one stack."""
    return module_stack


@pytest.mark.parametrize("content_type", JSON_SPELLINGS)
@pytest.mark.parametrize(("name", "method", "path", "has_body"), ROUTES, ids=IDS)
def test_any_spelling_of_json_is_read_as_json(stack: Stack, name: str, method: str, path: str, has_body: bool,
                                              content_type: str | None) -> None:
    # an unknown property: read as JSON, the body is refused for it (not a 500, not a 415); a route without a body ignores
    # it and finds no such resource
    status, body = answer(stack, name, event(stack, method, path_of(path), '{"unexpected_property": 1}', content_type))
    assert (status, body["key"]) == ((400, "invalid_payload") if has_body else (404, "not_found")), body


@pytest.mark.parametrize("header", ["content-type", "Content-Type", "CONTENT-TYPE"])
@pytest.mark.parametrize(("name", "method", "path", "has_body"), ROUTES, ids=IDS)
def test_the_header_name_is_case_insensitive(stack: Stack, name: str, method: str, path: str, has_body: bool, header: str) -> None:
    for content_type, expected in (("APPLICATION/JSON", (400, "invalid_payload") if has_body else (404, "not_found")),
                                   ("TEXT/PLAIN", (415, "unsupported_media_type"))):
        status, body = answer(stack, name, event(stack, method, path_of(path), '{"unexpected_property": 1}', content_type, header))
        assert (status, body["key"]) == expected, (content_type, body)


@pytest.mark.parametrize("content_type", NOT_JSON)
@pytest.mark.parametrize(("name", "method", "path", "has_body"), ROUTES, ids=IDS)
def test_a_body_declared_as_something_else_is_415(stack: Stack, name: str, method: str, path: str, has_body: bool,
                                                  content_type: str) -> None:
    raw = '[{"customer_id": "cust_a"}]' if name in ARRAY_BODIES else '{"name": "p"}'
    status, body = answer(stack, name, event(stack, method, path_of(path), raw, content_type,
                                             base64_body=content_type in ("application/octet-stream", "image/png")))
    assert (status, body["key"], body["message"]) == (415, "unsupported_media_type", "Unsupported Media Type"), body
    assert content_type.split(";")[0].lower() in body["details"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", None])
@pytest.mark.parametrize(("name", "method", "path", "has_body"), ROUTES, ids=IDS)
def test_no_body_needs_no_media_type(stack: Stack, name: str, method: str, path: str, has_body: bool, content_type: str | None) -> None:
    # a stray Content-Type on a request without a body describes nothing: the request is answered as with none
    status, body = answer(stack, name, event(stack, method, path_of(path), None, content_type))
    assert status in (400, 404) and body["key"] in ("invalid_payload", "not_found"), body


NUMBERS = {
    "integer of 5000 digits": "1" + "0" * 4999,
    "integer of 4301 digits": "-" + "9" * 4301,
    "float of 5000 digits": "0." + "0" * 4998 + "1",
    "1e999999": "1e999999",
    "-1e400": "-1e400",
    "NaN": "NaN",
    "Infinity": "Infinity",
    "-Infinity": "-Infinity",
}


@pytest.mark.parametrize("number", NUMBERS.values(), ids=NUMBERS.keys())
@pytest.mark.parametrize(("name", "method", "path", "has_body"), ROUTES, ids=IDS)
def test_numbers_python_cannot_read_or_represent_are_400(stack: Stack, name: str, method: str, path: str, has_body: bool,
                                                         number: str) -> None:
    for raw in (f'{{"points": {number}, "name": "p", "metadata": {{"n": {number}}}}}', f'{{"a": [{{"b": {number}}}]}}'):
        raw = f"[{raw}]" if name in ARRAY_BODIES else raw
        status, body = answer(stack, name, event(stack, method, path_of(path), raw, "application/json"))
        assert (status, body["key"]) == ((400, "invalid_payload") if has_body else (404, "not_found")), body
        if has_body:
            assert body["details"].startswith("Payload must"), body


# Bodies every part of which is valid but for one lone surrogate (a `\ud800` escape, written by json.dumps' default ASCII
# escaping): each would be stored, and then neither encoded for DynamoDB nor answered.
SURROGATES = [
    ("create_program", "POST", f"{BASE}/programs", {"name": "\ud800"}, "Property 'name'"),
    ("create_program", "POST", f"{BASE}/programs", {"name": "p", "metadata": {"\udfff": 1}}, "Property 'metadata'"),
    ("create_program", "POST", f"{BASE}/programs", {"name": "p", "metadata": {"a": ["ok", "x\ud83d"]}}, "Property 'metadata.a.1'"),
    ("create_card_definition", "POST", f"{BASE}/card-definitions", {"name": "W\udc00", "type": "INDIVIDUAL"}, "Property 'name'"),
    ("create_customer", "POST", "/v1/customers", {"source_id": "\ud800", "name": "c"}, "Property 'source_id'"),
    ("create_customer", "POST", "/v1/customers", {"source_id": "s", "address": {"city": "\udbff"}}, "Property 'address.city'"),
    ("create_loyalty_program_v1", "POST", "/v1/loyalties", {"name": "\ud800", "voucher": {"type": "LOYALTY_CARD"}}, "Property 'name'"),
    ("update_program", "PUT", f"{BASE}/programs/{UNKNOWN['programId']}", {"name": "\ud800"}, "Property 'name'"),
    ("batch_create_program_members", "POST", f"{BASE}/programs/{UNKNOWN['programId']}/members/batch",
     [{"customer_id": "cust_a", "metadata": {"k": "\ud800"}}], "Property '0.metadata.k'"),
]


@pytest.mark.parametrize(("name", "method", "path", "body", "where"), SURROGATES)
def test_lone_surrogates_anywhere_are_400(stack: Stack, name: str, method: str, path: str, body: Any, where: str) -> None:
    raw = json.dumps(body)
    assert "\\ud" in raw
    status, error = answer(stack, name, event(stack, method, path, raw, "application/json"))
    assert (status, error["key"]) == (400, "invalid_payload"), error
    assert error["details"].startswith(where) and "lone UTF-16 surrogate" in error["details"], error


def test_a_surrogate_pair_is_text(stack: Stack) -> None:
    # the escape of an emoji is two surrogates that make one character: not refused (nothing else is wrong here, so
    # the request is refused only for the unknown id)
    status, error = answer(stack, "update_program", event(stack, "PUT", f"{BASE}/programs/{UNKNOWN['programId']}",
                                                          json.dumps({"name": "\U0001F600"}), "application/json"))
    assert (status, error["key"]) == (404, "not_found"), error


def test_a_base64_body_that_is_not_utf8_is_400(stack: Stack) -> None:
    evt = event(stack, "POST", f"{BASE}/programs", None, "application/json")
    evt["body"], evt["isBase64Encoded"] = base64.b64encode(b'{"name": "\xff\xfe"}').decode(), True
    status, error = answer(stack, "create_program", evt)
    assert (status, error["key"], error["details"]) == (400, "invalid_payload", "Payload must be UTF-8 text"), error


@pytest.mark.parametrize("content_type", JSON_SPELLINGS)
@pytest.mark.parametrize("header", ["content-type", "Content-Type"])
def test_json_in_any_spelling_creates(module_stack: Stack, content_type: str | None, header: str) -> None:
    """The positive side: the body is read and the program created, as with `application/json`."""
    raw = json.dumps({"name": f"Spelled {content_type} {header}", "metadata": {"n": 9007199254740991, "f": 0.25, "e": "\U0001F600"}})
    resp = support.invoke("create_program", event(module_stack, "POST", f"{BASE}/programs", raw, content_type, header))
    assert resp["statusCode"] == 200, resp
    created = json.loads(resp["body"])
    status, got = module_stack.call("get_program", "GET", f"{BASE}/programs/{created['id']}")
    assert status == 200 and got["name"] == f"Spelled {content_type} {header}"
    assert got["metadata"] == {"n": 9007199254740991, "f": 0.25, "e": "\U0001F600"}


def nested_rules(levels: int) -> dict[str, Any]:
    """An earning's rules group holding a rule that holds a rules group ..., `levels` times."""
    group = {"logic": "1", "1": {"name": "order.amount", "conditions": {"$more_than": [1]}}}
    for _ in range(levels):
        group = {"logic": "1", "1": {"name": "order.amount", "conditions": {"$more_than": [1]}, "rules": group}}
    return group


@pytest.mark.parametrize(("name", "method", "path"), [("create_earning_rule", "POST", f"{BASE}/earning-rules"),
                                                       ("update_earning_rule", "PUT", f"{BASE}/earning-rules/lern_00000000000000000a")])
def test_a_body_nested_deeper_than_the_table_stores_is_400(stack: Stack, name: str, method: str, path: str) -> None:
    # rules within rules are valid at any depth, but DynamoDB refuses an attribute nested 32 levels deep (moto does not)
    body = {"name": "deep", "trigger": {"event": "customer.order.paid"}, "earnings": [{"rules": nested_rules(12), "effects": [
        {"type": "POINTS", "points": {"value": 10, "card_definition_id": "lcdef_00000000000000000a"}}]}]}
    if method == "PUT":
        body = {"earnings": body["earnings"]}
    status, error = answer(stack, name, event(stack, method, path, json.dumps(body), "application/json"))
    assert (status, error["key"]) == (400, "invalid_payload"), error
    assert error["details"].startswith("Property 'earnings.0") and error["details"].endswith("must not be nested more than 24 levels deep")


@pytest.mark.parametrize(("name", "method", "path"), [("get_program", "GET", f"{BASE}/programs/{UNKNOWN['programId']}"),
                                                       ("delete_program", "DELETE", f"{BASE}/programs/{UNKNOWN['programId']}")])
def test_a_body_no_method_reads_is_ignored_whatever_its_type(stack: Stack, name: str, method: str, path: str) -> None:
    status, error = answer(stack, name, event(stack, method, path, "some text", "text/plain"))
    assert (status, error["key"]) == (404, "not_found"), error


@pytest.mark.parametrize(("name", "path", "body", "details"), [
    ("create_program_member", f"{BASE}/programs/{UNKNOWN['programId']}/members",
     {"customer_id": "cust_a", "customer_identification": {"type": "customer_id", "customer_id": "cust_a"}},
     "Property 'body' exactly one of 'customer_id' and 'customer_identification' is required"),
    ("create_customer", "/v1/customers", {"source_id": "s", "birthdate": "1990-13-01"}, "Property 'birthdate' must be a date YYYY-MM-DD"),
    ("create_loyalty_program_v1", "/v1/loyalties", {"name": "c", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
                                                    "start_date": "2030-01-02T00:00:00Z", "expiration_date": "2030-01-01T00:00:00Z"},
     "Property 'body' 'expiration_date' must be after 'start_date'"),
])
def test_details_are_sentences_without_pydantic_wording(stack: Stack, name: str, path: str, body: Any, details: str) -> None:
    # a validator's ValueError reaches pydantic as "Value error, <message>": the details carry the message alone
    status, error = answer(stack, name, event(stack, "POST", path, json.dumps(body), "application/json"))
    assert (status, error["key"], error["details"]) == (400, "invalid_payload", details), error
