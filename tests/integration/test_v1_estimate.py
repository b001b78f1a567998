"""v1 points estimation (POST /v1/loyalties/{campaignId}/qualifications) on moto: the estimate of an order, inline, stored or
both, equals what the same order earns on the customer's card once PAID (FIXED and PROPORTIONAL rules), nothing is
written, and the spec's refusals (inactive campaign, a non-member without auto-join, unknown campaign/customer/order)."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.members import store as members
from tests import support
from tests.integration.conftest import Stack, error_of
from tests.integration.test_v1_loyalty import add_member, make_campaign

FIXED = {"event": "order.paid", "loyalty": {"type": "FIXED", "points": 5}}
PROPORTIONAL = {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT",
                                                   "order": {"amount": {"every": 100, "points": 1}}}}
ITEMS = {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_ITEMS_QUANTITY",
                                            "order_items": {"quantity": {"every": 1, "points": 3, "applicable_to": [
                                                {"object": "product", "id": "prod_0a1b"}]}}}}


def estimate_path(campaign_id: str) -> str:
    return f"/v1/loyalties/{campaign_id}/qualifications"


def estimate(stack: Stack, campaign_id: str, body: Any, **kw: Any) -> tuple[int, Any]:
    return stack.call("estimate_points_v1", "POST", estimate_path(campaign_id), body, **kw)


def setup(stack: Stack, rules: list[dict[str, Any]], source_id: str = "est-1", **extra: Any) -> dict[str, Any]:
    """A campaign with these earning rules and one member (its customer by source id)."""
    campaign = make_campaign(stack, name=f"Estimate {source_id}", **extra)
    status, made = stack.call("create_earning_rule_v1", "POST", f"/v1/loyalties/{campaign['id']}/earning-rules", rules)
    assert status == 200, made
    status, card = add_member(stack, campaign["id"], {"customer": {"source_id": source_id}})
    assert status == 200, card
    stack.drain()
    return {"campaign": campaign, "code": card["code"], "customer": card["holder_id"], "source_id": source_id}


def points(stack: Stack, world: dict[str, Any]) -> int:
    status, card = stack.call("get_member_v1", "GET", f"/v1/loyalties/{world['campaign']['id']}/members/{world['code']}")
    assert status == 200, card
    return int(card["loyalty_card"]["points"])


def order(amount: int, quantity: int = 2) -> dict[str, Any]:
    return {"amount": amount, "items": [{"product_id": "prod_0a1b", "quantity": quantity, "price": amount // quantity}],
            "metadata": {"channel": "web"}}


def read_only_estimate(stack: Stack, world: dict[str, Any], body: dict[str, Any], **kw: Any) -> int:
    """The estimate answered (200, the spec's shape) by a request that writes nothing."""
    before = stack.items()
    status, resp = estimate(stack, world["campaign"]["id"], body, **kw)
    assert status == 200, resp
    assert resp == {"campaign": {"id": world["campaign"]["id"], "name": world["campaign"]["name"], "object": "campaign"},
                    "points_estimation": resp["points_estimation"]}
    assert stack.items() == before, "an estimate writes nothing"
    return int(resp["points_estimation"])


@pytest.mark.parametrize(("rules", "expected"), [([FIXED], 5), ([PROPORTIONAL], 123), ([ITEMS], 6), ([FIXED, PROPORTIONAL, ITEMS], 134)],
                         ids=["fixed", "proportional", "items", "all"])
def test_an_inline_order_s_estimate_is_what_it_earns_once_paid(stack: Stack, rules: list[dict[str, Any]], expected: int) -> None:
    world = setup(stack, rules)
    body = order(12344)
    got = read_only_estimate(stack, world, {"customer": {"source_id": world["source_id"]}, "order": body})
    assert got == expected
    status, made = stack.call("create_order", "POST", "/v1/orders", {**body, "status": "PAID", "customer": {"source_id": world["source_id"]}})
    assert status == 200, made
    stack.drain()
    assert points(stack, world) == got


def test_a_stored_order_is_estimated_with_the_inline_fields_over_it_and_earns_that_once_paid(stack: Stack) -> None:
    world = setup(stack, [FIXED, PROPORTIONAL])
    status, made = stack.call("create_order", "POST", "/v1/orders", {**order(5000), "source_id": "est-order", "status": "CREATED",
                                                                     "customer": {"id": world["customer"]}})
    assert status == 200, made
    stack.drain()
    assert points(stack, world) == 0  # a CREATED order earns nothing
    by_source = read_only_estimate(stack, world, {"customer": {"id": world["customer"]}, "order": {"source_id": "est-order"}})
    by_id = read_only_estimate(stack, world, {"customer": {"source_id": world["source_id"]}, "order": {"id": made["id"]}})
    assert by_source == by_id == 5 + 50
    # the spec's example: a stored order by source id with metadata inline; the inline amount takes precedence
    assert read_only_estimate(stack, world, {"customer": {"source_id": world["source_id"], "metadata": {"reason": "qualify"}},
                                             "order": {"source_id": "est-order", "amount": 7000, "metadata": {"a": 1}}}) == 5 + 70
    status, _ = stack.call("update_order", "PUT", f"/v1/orders/{made['id']}", {"status": "PAID"})
    assert status == 200
    stack.drain()
    assert points(stack, world) == by_source
    # a PAID order is estimated too (spec: "also returns point estimation for created transactions")
    assert read_only_estimate(stack, world, {"customer": {"id": world["customer"]}, "order": {"id": made["id"]}}) == by_source


def test_an_idempotency_key_replays_the_estimate_and_writes_only_its_record(stack: Stack) -> None:
    world = setup(stack, [FIXED])
    headers = {**stack.headers, "Idempotency-Key": "estimate-1"}
    body = {"customer": {"source_id": world["source_id"]}, "order": order(1000)}
    before = stack.items()
    first = estimate(stack, world["campaign"]["id"], body, headers=headers)
    assert first[0] == 200 and first[1]["points_estimation"] == 5
    written = [i for i in stack.items() if i not in before]
    assert written and all(i["PK"]["S"].endswith("#IDEM") for i in written), written
    assert estimate(stack, world["campaign"]["id"], body, headers=headers) == first


def test_a_non_member_is_400_without_auto_join_and_estimated_0_with_it(stack: Stack) -> None:
    world = setup(stack, [FIXED])
    status, _ = stack.call("create_customer", "POST", "/v1/customers", {"source_id": "outsider"})
    assert status == 200
    body = {"customer": {"source_id": "outsider"}, "order": order(1000)}
    assert read_only_estimate(stack, world, body) == 0  # auto_join defaults to true; this server enrols nobody on an order
    closed = setup(stack, [FIXED], source_id="est-closed", auto_join=False)
    resp = error_of(stack, 400, "campaign_not_allow_auto_join", "estimate_points_v1", "POST", estimate_path(closed["campaign"]["id"]), body)
    assert resp["message"] == f"Loyalty campaign '{closed['campaign']['id']}' does not allow auto-join for non-members"


def test_a_member_that_is_not_active_is_400_loyalty_card_not_active(stack: Stack) -> None:
    world = setup(stack, [FIXED])
    db = stack.db()
    claim = members.get_membership(db, world["campaign"]["id"], world["customer"])
    assert claim is not None
    stack.ddb.update_item(TableName=support.TABLE, Key=db.keys.member(claim["member_id"]).ddb(), UpdateExpression="SET #s = :s",
                          ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": {"S": "INACTIVE"}})
    resp = error_of(stack, 400, "loyalty_card_not_active", "estimate_points_v1", "POST", estimate_path(world["campaign"]["id"]),
                    {"customer": {"id": world["customer"]}, "order": order(1000)})
    assert resp["message"] == f"Customer's loyalty card '{world['code']}' is not active"


def test_a_campaign_not_started_is_400_campaign_not_active(stack: Stack) -> None:
    world = setup(stack, [FIXED])
    later = make_campaign(stack, name="Later", start_date="2099-01-01T00:00:00Z")
    error_of(stack, 400, "campaign_not_active", "estimate_points_v1", "POST", estimate_path(later["id"]),
             {"customer": {"source_id": world["source_id"]}, "order": order(1000)})


def test_unknown_campaign_customer_and_order_are_404_naming_them(stack: Stack) -> None:
    world = setup(stack, [FIXED])
    campaign = world["campaign"]["id"]
    body = {"customer": {"source_id": world["source_id"]}, "order": order(1000)}
    resp = error_of(stack, 404, "not_found", "estimate_points_v1", "POST", estimate_path("camp_0000000000000000000000"), body)
    assert resp["resource_type"] == "campaign"
    for customer in ({"source_id": "nobody"}, {"id": "cust_0000000000000000000000"}):
        resp = error_of(stack, 404, "not_found", "estimate_points_v1", "POST", estimate_path(campaign), {**body, "customer": customer})
        assert resp["resource_type"] == "customer"
    for named in ({"source_id": "no-such-order"}, {"id": "ord_0000000000000000000000"}):
        resp = error_of(stack, 404, "not_found", "estimate_points_v1", "POST", estimate_path(campaign), {**body, "order": named})
        assert resp["resource_type"] == "order"
    # an unknown order given with inline fields is estimated from them
    assert read_only_estimate(stack, world, {**body, "order": {"source_id": "no-such-order", "amount": 10}}) == 5
    # by name, as every v1 campaign path
    status, resp = estimate(stack, world["campaign"]["name"], body)
    assert status == 200 and resp["campaign"]["id"] == campaign
