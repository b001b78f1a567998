"""Bad input on POST /v1/events and the metadata-schema reads: malformed or mistyped bodies, unknown fields, customers
named the wrong way or not at all, unknown customers and card codes answer the documented 4xx with Voucherify's error body,
and write and send nothing (no event, no customer, no job)."""

from __future__ import annotations

from typing import Any

import pytest

from bench.calls import CallRecorder
from loyalty.db import clients
from loyalty.schemas.service import create_event_schema
from tests.integration.conftest import Stack

NAME = "review_written"


@pytest.fixture(scope="module")
def world(module_stack: Stack) -> dict[str, Any]:
    """Given a schema for `review_written` and a customer holding source id `alice-1`."""
    create_event_schema(module_stack.db(), NAME, {"rating": "number"})
    status, alice = module_stack.call("create_customer", "POST", "/v1/customers", {"source_id": "alice-1", "name": "Alice"})
    assert status == 200, alice
    return {"customer": alice["id"], "items": module_stack.items()}


def refused(stack: Stack, status: int, key: str, name: str, method: str, path: str, body: Any = None, **kw: Any) -> dict[str, Any]:
    """`status`/`key` with Voucherify's error body, and no write and no send (the handlers' own clients are watched)."""
    recorder = CallRecorder().attach(clients.dynamodb(), clients.sqs())
    try:
        with recorder.record() as tally:
            got, resp = stack.call(name, method, path, body, **kw)
    finally:
        recorder.detach()
    assert (got, resp.get("key")) == (status, key), resp
    assert set(resp) >= {"code", "key", "message", "details", "request_id"} and resp["code"] == status, resp
    assert tally.count("writes") == tally.count("transactions") == tally.count("sends") == 0, tally.describe()
    return resp


def _event(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"event": NAME, "customer": {"source_id": "alice-1"}, "metadata": {"rating": 5}}
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


BAD_BODIES: list[tuple[Any, str]] = [
    (_event(event=None), "Payload must have required property 'event'"),
    (_event(customer=None), "Payload must have required property 'customer'"),
    (_event(event=""), "Property 'event'"),
    (_event(event="x" * 301), "Property 'event'"),
    (_event(event=5), "Property 'event'"),
    (_event(customer="alice-1"), "Property 'customer' must be object"),
    (_event(customer={}), "'customer' must have property 'id' or 'source_id'"),
    (_event(customer={"name": "Alice"}), "'customer' must have property 'id' or 'source_id'"),
    (_event(customer={"source_id": ""}), "Property 'customer.source_id'"),
    (_event(customer={"source_id": "alice-1", "email": 5}), "Property 'customer.email'"),
    (_event(customer={"source_id": "alice-1", "birthdate": "01/02/2000"}), "Property 'customer.birthdate'"),
    (_event(customer={"source_id": "alice-1", "nickname": "A"}), "Payload must NOT have additional property 'customer.nickname'"),
    (_event(loyalty={}), "Payload.loyalty must have required property 'code'"),
    (_event(loyalty={"code": 5}), "Property 'loyalty.code'"),
    (_event(loyalty={"code": "L-1", "points": 3}), "Payload must NOT have additional property 'loyalty.points'"),
    (_event(referral={"referrer_id": "cust_0a"}), "Payload.referral must have required property 'code'"),
    (_event(metadata="5 stars"), "Property 'metadata' must be object"),
    (_event(metadata={"a": {"": 1}}), "Property 'metadata.a'"),
    (_event(type="review_written"), "Payload must NOT have additional property 'type'"),
    ([_event()], "must be"),
    ("review_written", "must be"),
]


@pytest.mark.parametrize(("body", "details"), BAD_BODIES, ids=[d[:40] for _, d in BAD_BODIES])
def test_a_bad_event_body_is_400_and_stores_nothing(module_stack: Stack, world: dict[str, Any], body: Any, details: str) -> None:
    resp = refused(module_stack, 400, "invalid_payload", "track_custom_event", "POST", "/v1/events", body)
    assert details in resp["details"], resp


def test_malformed_json_is_400(module_stack: Stack, world: dict[str, Any]) -> None:
    for raw in ('{"event": "x", ', "", "null", '{"event": NaN, "customer": {"source_id": "a"}}'):
        refused(module_stack, 400, "invalid_payload", "track_custom_event", "POST", "/v1/events", raw_body=raw)


@pytest.mark.parametrize("ref", ["cust_0000000000000000000000", "registered_10055", "CUST_ABC", "cust_ab#cd"])
def test_an_unknown_customer_id_is_404_customer(module_stack: Stack, world: dict[str, Any], ref: str) -> None:
    resp = refused(module_stack, 404, "not_found", "track_custom_event", "POST", "/v1/events", _event(customer={"id": ref}))
    assert (resp["resource_type"], resp["resource_id"]) == ("customer", ref)


@pytest.mark.parametrize("code", ["NOPE", "", "x" * 255])
def test_an_unknown_loyalty_code_is_404_voucher_even_for_a_new_customer(module_stack: Stack, world: dict[str, Any], code: str) -> None:
    resp = refused(module_stack, 404, "not_found", "track_custom_event", "POST", "/v1/events",
                   _event(customer={"source_id": "new-customer"}, loyalty={"code": code}))
    assert (resp["resource_type"], resp["resource_id"]) == ("voucher", code)


@pytest.mark.parametrize("resource", ["earning_rules", "customer", "Review_Written", "review_written ", "%00", "x" * 301])
def test_an_unknown_metadata_schema_is_404(module_stack: Stack, world: dict[str, Any], resource: str) -> None:
    resp = refused(module_stack, 404, "not_found", "get_metadata_schema", "GET", f"/v1/metadata-schemas/{resource}")
    assert resp["resource_type"] == "metadata schema"


def test_the_metadata_schema_list_takes_no_bad_input(module_stack: Stack, world: dict[str, Any]) -> None:
    # the operation declares no parameters: a query string is ignored, as Voucherify ignores unknown ones
    status, listed = module_stack.call("list_metadata_schemas", "GET", "/v1/metadata-schemas", query={"limit": "x"})
    assert status == 200 and listed["total"] == 1, listed


def test_nothing_was_written(module_stack: Stack, world: dict[str, Any]) -> None:
    assert module_stack.items() == world["items"]
    assert module_stack.sqs.receive_message(QueueUrl=module_stack.queue_url).get("Messages", []) == []
