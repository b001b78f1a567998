"""Bad input on Examine earning rules: 400 `invalid_payload` with Voucherify's body for every shape the spec refuses, 404
`not_found` for a customer or member that does not exist, 401 without credentials; and nothing written, ever."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_v2_bad_input import UNKNOWN, build_world, error_of
from tests.integration.test_v2_journey import BASE

PATH = f"{BASE}/examine/earning-rules"
NAME = "examine_earning_rules"


@pytest.fixture(scope="module")
def world(module_stack: Stack) -> dict[str, Any]:
    """build_world (an ACTIVE program with a member), the member's customer, and a deleted member."""
    w = build_world(module_stack)
    status, member = module_stack.call("get_program_member", "GET", f"{BASE}/programs/{w['program']}/members/{w['member']}")
    assert status == 200, member
    status, customer = module_stack.call("create_customer", "POST", "/v1/customers", {"source_id": "gone-1"})
    status, gone = module_stack.call("create_program_member", "POST", f"{BASE}/programs/{w['program']}/members", {"customer_id": customer["id"]})
    assert status == 200, gone
    module_stack.drain()
    assert module_stack.call("delete_program_member", "DELETE", f"{BASE}/programs/{w['program']}/members/{gone['id']}")[0] == 200
    return {**w, "customer": member["customer_id"], "deleted": gone["id"]}


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


def paid(who: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"trigger": {"type": "SPECIFIC", "specific": {"event": "customer.order.paid"}}, "customer_identification": who,
            "customer_order_paid": {"order": {"amount": 100}}, **extra}


def member(w: dict[str, Any]) -> dict[str, Any]:
    return {"type": "member_id", "member_id": w["member"]}


def customer(w: dict[str, Any]) -> dict[str, Any]:
    return {"type": "customer_id", "customer_id": w["customer"]}


def with_order(order: dict[str, Any]) -> Any:
    return lambda w: {**paid(member(w)), "customer_order_paid": {"order": order}}


def with_event(context: Any) -> Any:
    return lambda w: {"trigger": {"type": "SPECIFIC", "specific": {"event": "customer.custom_event"}}, "customer_identification": member(w),
                      "customer_custom_event": context}


BAD_BODIES: list[tuple[str, Any, str]] = [
    # the trigger
    ("no trigger", lambda w: {"customer_identification": member(w)}, "Payload must have required property 'trigger'"),
    ("trigger type", lambda w: {**paid(member(w)), "trigger": {"type": "SOME"}},
     "Property 'trigger.type' must be equal to one of the allowed values [ ALL, SPECIFIC ]"),
    ("trigger type case", lambda w: {**paid(member(w)), "trigger": {"type": "all"}}, "allowed values [ ALL, SPECIFIC ]"),
    ("specific with ALL", lambda w: {**paid(member(w)), "trigger": {"type": "ALL", "specific": {"event": "customer.order.paid"}}},
     "Property 'trigger.specific' is not allowed when type is ALL"),
    ("SPECIFIC without specific", lambda w: {**paid(member(w)), "trigger": {"type": "SPECIFIC"}},
     "Property 'trigger.specific' is required when type is SPECIFIC"),
    ("unknown event", lambda w: {**paid(member(w)), "trigger": {"type": "SPECIFIC", "specific": {"event": "customer.order.created"}}},
     "Property 'trigger.specific.event' must be equal to one of the allowed values [ customer.order.paid, customer.segment.entered, "
     "customer.custom_event ]"),
    ("trigger extra", lambda w: {**paid(member(w)), "trigger": {"type": "ALL", "x": 1}}, "Payload must NOT have additional property 'trigger.x'"),
    # exactly the SPECIFIC event's context
    ("missing context", lambda w: {"trigger": {"type": "SPECIFIC", "specific": {"event": "customer.order.paid"}},
                                   "customer_identification": member(w)},
     "Property 'customer_order_paid' is required when trigger.specific.event is customer.order.paid"),
    ("other context", lambda w: paid(member(w), customer_segment_entered={}),
     "Property 'customer_segment_entered' is not allowed when trigger.specific.event is customer.order.paid"),
    ("null context", lambda w: {**paid(member(w)), "customer_order_paid": None}, "Property 'customer_order_paid' must not be null"),
    # who
    ("no identification", lambda w: {"trigger": {"type": "ALL"}}, "Payload must have required property 'customer_identification'"),
    ("identification type", lambda w: paid({"type": "email", "customer_id": w["customer"]}),
     "Property 'customer_identification.type' must be equal to one of the allowed values [ customer_id, customer_source_id, member_id ]"),
    ("customer id shape", lambda w: paid({"type": "customer_id", "customer_id": "alice"}), "Property 'customer_identification.customer_id'"),
    ("customer id missing", lambda w: paid({"type": "customer_id", "member_id": w["member"]}),
     "Property 'customer_identification.customer_id' is required when type is customer_id"),
    ("two identifiers", lambda w: paid({"type": "customer_id", "customer_id": w["customer"], "member_id": w["member"]}),
     "Property 'customer_identification.member_id' is not allowed when type is customer_id"),
    ("member id shape", lambda w: paid({"type": "member_id", "member_id": "lmbr_XYZ"}), "Property 'customer_identification.member_id'"),
    ("empty source id", lambda w: paid({"type": "customer_source_id", "customer_source_id": ""}),
     "Property 'customer_identification.customer_source_id' must not be empty"),
    ("boolean source id", lambda w: paid({"type": "customer_source_id", "customer_source_id": True}),
     "Property 'customer_identification.customer_source_id' must be a string or a number"),
    ("member override by customer", lambda w: paid(customer(w), customer_order_paid={"member": {"metadata": {"a": 1}}}),
     "Property 'customer_order_paid.member' is allowed only when customer_identification.type is member_id"),
    ("member override in an event", lambda w: {**with_event({"type": "ALL", "all": {"member": {"metadata": {}}}})(w),
                                               "customer_identification": customer(w)},
     "Property 'customer_custom_event.all.member' is allowed only when customer_identification.type is member_id"),
    # the order
    ("negative amount", with_order({"amount": -1}), "Property 'customer_order_paid.order.amount' must be an integer of at least 0"),
    ("fractional amount", with_order({"amount": 10.5}), "Property 'customer_order_paid.order.amount' must be an integer"),
    ("integral float amount", with_order({"amount": 100.0}), "Property 'customer_order_paid.order.amount' must be an integer"),
    ("text amount", with_order({"amount": "12a"}), "Property 'customer_order_paid.order.amount' must be an integer"),
    ("negative text amount", with_order({"discount_amount": "-5"}), "Property 'customer_order_paid.order.discount_amount' must be an integer"),
    ("boolean amount", with_order({"initial_amount": True}), "Property 'customer_order_paid.order.initial_amount' must be an integer"),
    ("huge amount", with_order({"amount": 2**53}), "at most 9007199254740991"),
    ("zero quantity", with_order({"items": [{"quantity": 0}]}),
     "Property 'customer_order_paid.order.items.0.quantity' must be an integer of at least 1"),
    ("related object", with_order({"items": [{"related_object": "voucher"}]}),
     "Property 'customer_order_paid.order.items.0.related_object' must be equal to one of the allowed values [ product, sku ]"),
    ("item extra", with_order({"items": [{"name": "mug"}]}), "Payload must NOT have additional property 'customer_order_paid.order.items.0.name'"),
    ("501 items", with_order({"items": [{"quantity": 1}] * 501}), "Property 'customer_order_paid.order.items' "),
    ("items object", with_order({"items": {"quantity": 1}}), "Property 'customer_order_paid.order.items'"),
    ("metadata list", with_order({"metadata": [1]}), "Property 'customer_order_paid.order.metadata'"),
    ("order extra", with_order({"total_amount": 5}), "Payload must NOT have additional property 'customer_order_paid.order.total_amount'"),
    ("null customer", lambda w: paid(member(w), customer_order_paid={"customer": None}),
     "Property 'customer_order_paid.customer' must not be null"),
    # the custom event
    ("event type", with_event({"type": "ONE", "all": {}}),
     "Property 'customer_custom_event.type' must be equal to one of the allowed values [ ALL, SPECIFIC ]"),
    ("ALL without all", with_event({"type": "ALL"}), "Property 'customer_custom_event.all' is required when type is ALL"),
    ("SPECIFIC with all", with_event({"type": "SPECIFIC", "all": {}, "specific": {"custom_event": {"schema_id": "ms_0a"}}}),
     "Property 'customer_custom_event.all' is not allowed when type is SPECIFIC"),
    ("no custom_event", with_event({"type": "SPECIFIC", "specific": {}}),
     "Payload.customer_custom_event.specific must have required property 'custom_event'"),
    ("no schema id", with_event({"type": "SPECIFIC", "specific": {"custom_event": {"metadata": {}}}}),
     "Payload.customer_custom_event.specific.custom_event must have required property 'schema_id'"),
    ("schema id shape", with_event({"type": "SPECIFIC", "specific": {"custom_event": {"schema_id": "review"}}}),
     "Property 'customer_custom_event.specific.custom_event.schema_id'"),
    # the body
    ("unknown property", lambda w: paid(member(w), order={"amount": 1}), "Payload must NOT have additional property 'order'"),
]


@pytest.mark.parametrize(("case", "body", "details"), BAD_BODIES, ids=[c[0] for c in BAD_BODIES])
def test_bad_bodies_are_400_invalid_payload(stack: Stack, world: dict[str, Any], case: str, body: Any, details: str) -> None:
    resp = error_of(stack, 400, "invalid_payload", NAME, "POST", PATH, body(world))
    assert resp["message"] == "Invalid payload"
    assert details in resp["details"], resp["details"]


@pytest.mark.parametrize("raw", ["{bad json", "", "42", '"text"', "[]", "null", '{"trigger": {"type": "ALL"}, "customer_identification": '
                                 '{"type": "customer_id", "customer_id": "cust_a"}, "x": NaN}'])
def test_a_body_must_be_a_json_object(stack: Stack, world: dict[str, Any], raw: str) -> None:
    error_of(stack, 400, "invalid_payload", NAME, "POST", PATH, raw_body=raw)


@pytest.mark.parametrize(("who", "resource_type", "resource_id"), [
    ({"type": "customer_id", "customer_id": "cust_doesnotexist0"}, "customer", "cust_doesnotexist0"),
    ({"type": "customer_source_id", "customer_source_id": "nobody-1"}, "customer", "nobody-1"),
    ({"type": "customer_source_id", "customer_source_id": 404}, "customer", "404"),
    ({"type": "member_id", "member_id": UNKNOWN["member"]}, "member", UNKNOWN["member"]),
    ({"type": "member_id", "member_id": "deleted"}, "member", "deleted"),
])
def test_an_unknown_customer_or_member_is_404(stack: Stack, world: dict[str, Any], who: dict[str, Any], resource_type: str,
                                              resource_id: str) -> None:
    if who.get("member_id") == "deleted":
        who = {**who, "member_id": world["deleted"]}
        resource_id = world["deleted"]
    resp = error_of(stack, 404, "not_found", NAME, "POST", PATH, paid(who))
    assert (resp["resource_type"], resp["resource_id"]) == (resource_type, resource_id)
    assert resp["details"] == f"Cannot find {resource_type} with id {resource_id}"


@pytest.mark.parametrize("headers", [{}, {"X-App-Id": "acme.000000000000", "X-App-Token": "acme.000000000000.nope"},
                                     {"Authorization": "Bearer nope"}])
def test_missing_or_wrong_credentials_are_401(stack: Stack, world: dict[str, Any], headers: dict[str, str]) -> None:
    error_of(stack, 401, "unauthorized", NAME, "POST", PATH, paid(member(world)), headers=headers)


def test_every_valid_shape_of_the_spec_examples_is_accepted(stack: Stack, world: dict[str, Any]) -> None:
    """The four request examples of the spec (with this world's member), as given."""
    spec_member = "lmbr_128f962dbc8c4ba5dc"
    examples = [
        {"trigger": {"type": "ALL"}, "customer_identification": {"type": "member_id", "member_id": spec_member},
         "customer_order_paid": {"customer": {"metadata": {"tier": "gold"}}, "member": {"metadata": {"channel": "mobile"}},
                                 "order": {"amount": 10000, "metadata": {"source": "pos"}}},
         "customer_segment_entered": {"customer": {"metadata": {"is_premium": "true", "loyalty_score": 10}}},
         "customer_custom_event": {"type": "ALL", "all": {"customer": {"metadata": {"plan": "pro"}},
                                                          "custom_event": {"metadata": {"source": "mobile", "score": 40}}}}},
        {"trigger": {"type": "SPECIFIC", "specific": {"event": "customer.order.paid"}},
         "customer_identification": {"type": "member_id", "member_id": spec_member},
         "customer_order_paid": {"customer": {"metadata": {"tier": "gold"}}, "member": {"metadata": {"channel": "mobile"}},
                                 "order": {"amount": 10000, "initial_amount": 10000, "items": [
                                     {"quantity": 1, "price": 10000, "product": {"id": "prod_0ba86913fb8b47f7cb"},
                                      "metadata": {"category": "electronics"}}], "metadata": {"source": "pos"}}}},
        {"trigger": {"type": "SPECIFIC", "specific": {"event": "customer.segment.entered"}},
         "customer_identification": {"type": "member_id", "member_id": spec_member},
         "customer_segment_entered": {"customer": {"metadata": {"is_premium": "true", "loyalty_score": 10}},
                                      "member": {"metadata": {"channel": "mobile"}}}},
        {"trigger": {"type": "SPECIFIC", "specific": {"event": "customer.custom_event"}},
         "customer_identification": {"type": "member_id", "member_id": spec_member},
         "customer_custom_event": {"type": "SPECIFIC", "specific": {
             "customer": {"metadata": {"plan": "pro"}}, "member": {"metadata": {"channel": "mobile"}},
             "custom_event": {"schema_id": "ms_68d7e3b1c2a04f19bd", "metadata": {"source": "mobile", "score": 40}}}}},
    ]
    for example in examples:
        example["customer_identification"]["member_id"] = world["member"]
        before = stack.items()
        status, got = stack.call(NAME, "POST", PATH, example)
        assert status == 200, got
        assert got["memberships"][0]["member"]["id"] == world["member"]
        assert stack.items() == before


# ---------------------------------------------------------------------------------------------- examine rewards
REWARDS_PATH = f"{BASE}/examine/rewards"
REWARDS_NAME = "examine_rewards"
BAD_REWARDS_BODIES: list[tuple[str, Any, str]] = [
    ("no identification", lambda w: {}, "Payload must have required property 'customer_identification'"),
    ("identification type", lambda w: {"customer_identification": {"type": "email", "customer_id": w["customer"]}},
     "Property 'customer_identification.type' must be equal to one of the allowed values [ customer_id, customer_source_id, member_id ]"),
    ("customer id missing", lambda w: {"customer_identification": {"type": "customer_id", "member_id": w["member"]}},
     "Property 'customer_identification.customer_id' is required when type is customer_id"),
    ("member id shape", lambda w: {"customer_identification": {"type": "member_id", "member_id": "lmbr_XYZ"}},
     "Property 'customer_identification.member_id'"),
    ("member override by customer", lambda w: {"customer_identification": customer(w), "member": {"metadata": {"a": 1}}},
     "Property 'member' is allowed only when customer_identification.type is member_id"),
    ("null customer", lambda w: {"customer_identification": member(w), "customer": None}, "Property 'customer' must not be null"),
    ("metadata list", lambda w: {"customer_identification": member(w), "customer": {"metadata": [1]}}, "Property 'customer.metadata'"),
    ("override extra", lambda w: {"customer_identification": member(w), "member": {"tier": "x"}},
     "Payload must NOT have additional property 'member.tier'"),
    ("trigger is not a property", lambda w: {"customer_identification": member(w), "trigger": {"type": "ALL"}},
     "Payload must NOT have additional property 'trigger'"),
]


@pytest.mark.parametrize(("case", "body", "details"), BAD_REWARDS_BODIES, ids=[c[0] for c in BAD_REWARDS_BODIES])
def test_bad_examine_rewards_bodies_are_400_invalid_payload(stack: Stack, world: dict[str, Any], case: str, body: Any, details: str) -> None:
    resp = error_of(stack, 400, "invalid_payload", REWARDS_NAME, "POST", REWARDS_PATH, body(world))
    assert details in resp["details"], resp["details"]


@pytest.mark.parametrize(("who", "resource_type", "resource_id"), [
    ({"type": "customer_id", "customer_id": "cust_doesnotexist0"}, "customer", "cust_doesnotexist0"),
    ({"type": "customer_source_id", "customer_source_id": 404}, "customer", "404"),
    ({"type": "member_id", "member_id": UNKNOWN["member"]}, "member", UNKNOWN["member"]),
    ({"type": "member_id", "member_id": "deleted"}, "member", "deleted"),
])
def test_examining_the_rewards_of_an_unknown_customer_or_member_is_404(stack: Stack, world: dict[str, Any], who: dict[str, Any],
                                                                      resource_type: str, resource_id: str) -> None:
    if who.get("member_id") == "deleted":
        who = {**who, "member_id": world["deleted"]}
        resource_id = world["deleted"]
    resp = error_of(stack, 404, "not_found", REWARDS_NAME, "POST", REWARDS_PATH, {"customer_identification": who})
    assert (resp["resource_type"], resp["resource_id"]) == (resource_type, resource_id)


@pytest.mark.parametrize("raw", ["{bad json", "", "[]", "null"])
def test_an_examine_rewards_body_must_be_a_json_object(stack: Stack, world: dict[str, Any], raw: str) -> None:
    error_of(stack, 400, "invalid_payload", REWARDS_NAME, "POST", REWARDS_PATH, raw_body=raw)


def test_examine_rewards_without_credentials_is_401(stack: Stack, world: dict[str, Any]) -> None:
    error_of(stack, 401, "unauthorized", REWARDS_NAME, "POST", REWARDS_PATH, {"customer_identification": member(world)}, headers={})
