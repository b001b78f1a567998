"""v1 loyalty campaign earning rules on moto: create (an array), list, get, update, delete, enable, disable — status, body
and the items written — plus the store read the earning worker uses (`engine_rules`) and the official SDK."""

from __future__ import annotations

import re
from typing import Any

import pytest
from voucherify.models import (
    LoyaltiesEarningRulesCreateRequestBodyItem,
    LoyaltiesEarningRulesCreateRequestBodyItemLoyalty,
    LoyaltiesEarningRulesCreateRequestBodyItemLoyaltyOrder,
    LoyaltiesEarningRulesCreateRequestBodyItemSource,
    LoyaltiesEarningRulesUpdateRequestBody,
)

from bench.calls import CallRecorder
from loyalty.db import clients
from loyalty.db.codec import from_item
from loyalty.db.table import Table
from loyalty.earning.engine import evaluate
from loyalty.earning.records import ORDER_PAID, Card, EarningContext, Membership, Order
from loyalty.v1 import earning
from loyalty.v1 import store as campaigns_store
from tests.integration.conftest import Stack
from tests.integration.test_v1_loyalty import assert_error, make_campaign
from tests.integration.test_v1_sdk import sdk

RULE_ID = re.compile(r"^ern_[a-f0-9]{24}$")
AUTOMATION_ID = re.compile(r"^auto_[a-f0-9]{24}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
REQUIRED = {"id", "object", "created_at", "updated_at", "automation_id", "metadata", "validation_rule_id", "active", "source",
            "event", "loyalty"}
PER_DOLLAR = {"event": "order.paid", "source": {"banner": "1 point per dollar"},
              "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT", "order": {"amount": {"every": 100, "points": 1}}}}
FIXED_5 = {"event": "order.paid", "loyalty": {"type": "FIXED", "points": 5}}


def rules_path(campaign: dict[str, Any] | str) -> str:
    return f"/v1/loyalties/{campaign if isinstance(campaign, str) else campaign['id']}/earning-rules"


def create(stack: Stack, campaign: dict[str, Any] | str, body: Any, **kw: Any) -> tuple[int, Any]:
    return stack.call("create_earning_rule_v1", "POST", rules_path(campaign), body, **kw)


def created(stack: Stack, campaign: dict[str, Any], *rules: dict[str, Any]) -> list[dict[str, Any]]:
    status, body = create(stack, campaign, list(rules))
    assert status == 200, body
    return list(body)


def stored_rules(stack: Stack, campaign_id: str) -> list[dict[str, Any]]:
    """The rule items in the campaign's partition, as written."""
    items = [from_item(i) for i in stack.items() if i["PK"]["S"] == f"acme#CAMP#{campaign_id}" and i["SK"]["S"] != "CAMPAIGN"]
    return sorted(items, key=lambda i: i["SK"])


def rule_count(stack: Stack, project: str = "acme") -> int | None:
    item = stack.db(project).get(stack.db(project).keys.campaign_earning_rules_count())
    return None if item is None else int(item["rules"])


# ---------------------------------------------------------------------------------------------- create
def test_create_takes_and_answers_an_array_in_request_order_and_writes_one_item_per_rule(stack: Stack) -> None:
    # Given a v1 loyalty campaign
    campaign = make_campaign(stack)
    # When three rules of different kinds are created in one request
    status, body = create(stack, campaign, [
        PER_DOLLAR,
        {"event": "customer.segment.entered", "segment": {"id": "seg_n3vVcU5t0m3rs4rEPr3C1oU5"}, "loyalty": {"type": "FIXED", "points": 100},
         "metadata": {"Type": "segment"}},
        {"event": "sign_up", "custom_event": {"schema_id": "ms_7JRYC8jXbezBV8AvGYGA0b5R"}, "active": False,
         "loyalty": {"type": "PROPORTIONAL", "calculation_type": "CUSTOM_EVENT_METADATA",
                     "custom_event": {"metadata": {"every": 2, "points": 1, "property": "friends"}}}},
    ])
    # Then the answer is the array of v1:EarningRule objects, in request order, with every required field
    assert status == 200 and isinstance(body, list) and len(body) == 3
    for rule in body:
        assert REQUIRED <= set(rule), rule
        assert RULE_ID.match(rule["id"]) and AUTOMATION_ID.match(rule["automation_id"]) and TIMESTAMP.match(rule["created_at"])
        assert (rule["object"], rule["updated_at"], rule["validation_rule_id"]) == ("earning_rule", None, None)
        assert rule["source"]["object_id"] == campaign["id"] and rule["source"]["object_type"] == "campaign"
    assert [r["event"] for r in body] == ["order.paid", "customer.segment.entered", "sign_up"]
    assert [r["id"] for r in body] == sorted(r["id"] for r in body)  # ids sort in creation (= request) order
    assert body[0]["source"] == {"banner": "1 point per dollar", "object_id": campaign["id"], "object_type": "campaign"}
    assert body[0]["loyalty"] == PER_DOLLAR["loyalty"] and body[0]["metadata"] == {} and body[0]["active"] is True
    assert body[1]["segment"] == {"id": "seg_n3vVcU5t0m3rs4rEPr3C1oU5"} and body[1]["metadata"] == {"Type": "segment"}
    assert "banner" not in body[1]["source"]
    assert body[2]["custom_event"] == {"schema_id": "ms_7JRYC8jXbezBV8AvGYGA0b5R"} and body[2]["active"] is False
    # And each rule is one item in the campaign's partition (with a version), and the project counts 3 rules
    items = stored_rules(stack, campaign["id"])
    assert [i["SK"] for i in items] == [f"ERN#{r['id']}" for r in body]
    assert [i["data"] for i in items] == body and {i["version"] for i in items} == {0}
    assert rule_count(stack) == 3


def test_every_documented_event_and_calculation_type_is_accepted(stack: Stack) -> None:
    campaign = make_campaign(stack)
    ratio = {"every": 1000, "points": 2}
    items = {"every": 1, "points": 1, "applicable_to": [{"object": "product", "id": "prod_0bae32322150fd0546"},
                                                        {"object": "sku", "id": "sku_0b7d7dfb090be5c619"}]}
    bodies = [
        {"event": "order.paid", "loyalty": {"type": "FIXED", "points": "5"}},  # the spec's example sends points as a string
        {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT", "order": {"amount": ratio}}},
        {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_TOTAL_AMOUNT", "order": {"total_amount": ratio}}},
        {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_METADATA",
                                            "order": {"metadata": {**ratio, "property": "visits"}}}},
        {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_ITEMS_QUANTITY", "order_items": {"quantity": items}}},
        {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_ITEMS_AMOUNT", "order_items": {
            "amount": {**ratio, "object": "products_collection", "id": "pc_75U0dHlr7u75BJodrW1AE3t6"}}}},
        {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_ITEMS_SUBTOTAL_AMOUNT",
                                            "order_items": {"subtotal_amount": items}}},
        {"event": "customer.segment.entered", "segment": {"id": "seg_1"}, "loyalty": {
            "type": "PROPORTIONAL", "calculation_type": "CUSTOMER_METADATA", "customer": {"metadata": {**ratio, "property": "ltv"}}}},
        {"event": "sign_up", "custom_event": {"schema_id": "ms_1"}, "loyalty": {
            "type": "PROPORTIONAL", "calculation_type": "CUSTOMER_METADATA", "customer": {"metadata": {**ratio, "property": "ltv"}}}},
        *({"event": f"customer.loyalty.tier.{change}", "loyalty_tier": {"id": tier}, "loyalty": {"type": "FIXED", "points": 1}}
          for change, tier in (("joined", "__ANY__"), ("left", "ltr_pudTGWasuIqxdiDM0go31OV1"), ("upgraded", "__ANY__"),
                               ("downgraded", "__ANY__"), ("prolonged", "__ANY__"))),
    ]
    answered = created(stack, campaign, *bodies)
    assert answered[0]["loyalty"] == {"type": "FIXED", "points": 5}
    # items: applicable_to kept, and its first item answered as object + id (and the other way round)
    assert answered[4]["loyalty"]["order_items"]["quantity"] == {**items, "object": "product", "id": "prod_0bae32322150fd0546"}
    assert answered[5]["loyalty"]["order_items"]["amount"]["applicable_to"] == [
        {"object": "products_collection", "id": "pc_75U0dHlr7u75BJodrW1AE3t6"}]
    assert [r["loyalty"].get("calculation_type") for r in answered[1:8]] == [
        "ORDER_AMOUNT", "ORDER_TOTAL_AMOUNT", "ORDER_METADATA", "ORDER_ITEMS_QUANTITY", "ORDER_ITEMS_AMOUNT",
        "ORDER_ITEMS_SUBTOTAL_AMOUNT", "CUSTOMER_METADATA"]


def test_windows_pending_points_and_expiration_rules_are_stored_and_answered(stack: Stack) -> None:
    campaign = make_campaign(stack)
    windows = {
        "start_date": "2022-11-02T13:00:00Z", "expiration_date": "2030-03-03T14:30:00.000Z",
        "validity_timeframe": {"duration": "PT1H", "interval": "P1D"}, "validity_day_of_week": [0, 1, 2, 3, 4, 5],
        "validity_hours": {"daily": [{"start_time": "12:00", "days_of_week": [1, 2], "expiration_time": "14:00"}]},
        "pending_points": {"period_value": 14},
        "expiration_rules": {"period_type": "MONTH", "period_value": 3, "rounding_type": "END_OF_QUARTER"},
    }
    [rule] = created(stack, campaign, {**FIXED_5, **windows})
    assert rule["start_date"] == "2022-11-02T13:00:00.000Z" and rule["expiration_date"] == "2030-03-03T14:30:00.000Z"
    assert rule["validity_timeframe"] == windows["validity_timeframe"]
    assert rule["validity_day_of_week"] == [0, 1, 2, 3, 4, 5] and rule["validity_hours"] == windows["validity_hours"]
    assert rule["pending_points"] == {"period_type": "DAY", "period_value": 14}
    assert rule["expiration_rules"] == windows["expiration_rules"]
    [fixed_day] = created(stack, campaign, {**FIXED_5, "expiration_rules": {"period_type": "FIXED_DAY_OF_YEAR", "fixed_month": 2, "fixed_day": 29}})
    assert fixed_day["expiration_rules"] == {"period_type": "FIXED_DAY_OF_YEAR", "fixed_month": 2, "fixed_day": 29}


def test_the_campaign_is_found_by_name_and_an_unknown_one_is_404_campaign(stack: Stack) -> None:
    campaign = make_campaign(stack, name="Summer Loyalty")
    [rule] = created(stack, "Summer%20Loyalty", FIXED_5)  # type: ignore[arg-type]
    assert rule["source"]["object_id"] == campaign["id"]
    status, body = create(stack, "Winter%20Loyalty", [FIXED_5])
    assert_error(status, body, 404, "not_found")
    assert (body["resource_type"], body["resource_id"]) == ("campaign", "Winter Loyalty")
    status, body = create(stack, "camp_doesnotexist0", [FIXED_5])
    assert (status, body["resource_type"], body["resource_id"]) == (404, "campaign", "camp_doesnotexist0")
    assert len(stored_rules(stack, campaign["id"])) == 1


def test_a_validation_rule_id_is_404_validation_rule_and_nothing_is_written(stack: Stack) -> None:
    campaign = make_campaign(stack)
    status, body = create(stack, campaign, [FIXED_5, {**FIXED_5, "validation_rule_id": "val_7SxpdhPeBngA"}])
    assert_error(status, body, 404, "not_found")
    assert (body["resource_type"], body["resource_id"]) == ("validation_rule", "val_7SxpdhPeBngA")
    status, body = create(stack, campaign, [{**FIXED_5, "validation_rule_id": None}])
    assert status == 200 and body[0]["validation_rule_id"] is None
    assert len(stored_rules(stack, campaign["id"])) == 1


def test_a_project_holds_at_most_100_rules_and_a_request_at_most_99(stack: Stack) -> None:
    # Given two campaigns holding 99 rules together
    a, b = make_campaign(stack, name="A"), make_campaign(stack, name="B")
    created(stack, a, *[FIXED_5] * 60)
    created(stack, b, *[FIXED_5] * 39)
    assert rule_count(stack) == 99
    # When a request would pass the project's 100 rules: refused whole, nothing written
    status, body = create(stack, a, [FIXED_5, FIXED_5])
    assert_error(status, body, 400, "earning_rules_limit_exceeded")
    assert len(stored_rules(stack, a["id"])) == 60 and rule_count(stack) == 99
    # The 100th rule is created; a 101st is refused; after a delete there is room again
    [last] = created(stack, b, FIXED_5)
    assert create(stack, a, [FIXED_5])[0] == 400
    assert stack.call("delete_earning_rule_v1", "DELETE", f"{rules_path(b)}/{last['id']}")[0] == 204
    assert rule_count(stack) == 99 and create(stack, a, [FIXED_5])[0] == 200
    # And one request takes at most 99 rules, another project keeps its own count
    status, body = create(stack, a, [FIXED_5] * 100)
    assert_error(status, body, 400, "invalid_payload")
    assert "at most 99" in body["details"]
    other = make_campaign_in(stack, "globex")
    assert create(stack, other, [FIXED_5] * 99, headers=stack.other_headers)[0] == 200
    assert rule_count(stack, "globex") == 99 and rule_count(stack) == 100


def make_campaign_in(stack: Stack, project: str) -> dict[str, Any]:
    headers = stack.other_headers if project == "globex" else stack.headers
    status, campaign = stack.call("create_loyalty_program_v1", "POST", "/v1/loyalties", {
        "name": f"{project} loyalty", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}}, headers=headers)
    assert status == 200, campaign
    return dict(campaign)


# ---------------------------------------------------------------------------------------------- list
def test_list_pages_orders_and_counts_the_campaign_s_rules_only(stack: Stack) -> None:
    campaign, other = make_campaign(stack, name="Mine"), make_campaign(stack, name="Other")
    rules = created(stack, campaign, *[{**FIXED_5, "metadata": {"n": n}} for n in range(5)])
    created(stack, other, FIXED_5)
    ids = [r["id"] for r in rules]

    def page(**query: str) -> dict[str, Any]:
        status, body = stack.call("list_earning_rules_v1", "GET", rules_path(campaign), query=query)
        assert status == 200, body
        return dict(body)

    first = page()
    assert (first["object"], first["data_ref"], first["total"]) == ("list", "data", 5)
    assert [r["id"] for r in first["data"]] == ids and first["data"] == rules
    assert [r["id"] for r in page(limit="2", page="2")["data"]] == ids[2:4]
    assert [r["id"] for r in page(limit="2", page="3")["data"]] == ids[4:]
    assert page(limit="2", page="4") == {"object": "list", "data_ref": "data", "data": [], "total": 5}
    assert [r["id"] for r in page(order="-created_at")["data"]] == ids[::-1]
    # updated_at orders by the last change (a rule never updated counts its creation)
    stack.call("disable_earning_rule_v1", "POST", f"{rules_path(campaign)}/{ids[1]}/disable")
    assert page(order="-updated_at")["data"][0]["id"] == ids[1]
    assert page(order="updated_at")["data"][-1]["id"] == ids[1]
    # by name too
    status, body = stack.call("list_earning_rules_v1", "GET", "/v1/loyalties/Mine/earning-rules")
    assert status == 200 and body["total"] == 5


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"limit": "x"}, {"page": "0"}, {"page": "101"},
                                   {"order": "name"}, {"cursor": "lcrs_00"}, {"filters[id]": "x"}])
def test_list_refuses_bad_query_parameters(stack: Stack, query: dict[str, str]) -> None:
    campaign = make_campaign(stack)
    status, body = stack.call("list_earning_rules_v1", "GET", rules_path(campaign), query=query)
    assert_error(status, body, 400, "invalid_query_params")


# ---------------------------------------------------------------------------------------------- get, update, enable, disable, delete
def test_get_answers_the_rule_and_404s_name_the_missing_resource(stack: Stack) -> None:
    campaign, other = make_campaign(stack, name="One"), make_campaign(stack, name="Two")
    [rule] = created(stack, campaign, PER_DOLLAR)
    path = f"{rules_path(campaign)}/{rule['id']}"
    assert stack.call("get_earning_rule_v1", "GET", path) == (200, rule)
    assert stack.call("get_earning_rule_v1", "GET", f"/v1/loyalties/One/earning-rules/{rule['id']}") == (200, rule)
    for ref, rule_id, kind in ((other["id"], rule["id"], "earning_rule"), (campaign["id"], "ern_10S9ijStRZsf65xd12aydn4f", "earning_rule"),
                               (campaign["id"], "lern_0123456789abcdef01", "earning_rule"), ("camp_nope0", rule["id"], "campaign"),
                               ("Summer%20Loyalty%20Campaign", rule["id"], "campaign")):
        status, body = stack.call("get_earning_rule_v1", "GET", f"/v1/loyalties/{ref}/earning-rules/{rule_id}")
        assert_error(status, body, 404, "not_found")
        assert body["resource_type"] == kind, (ref, rule_id, body)


def test_update_replaces_the_given_fields_and_validates_the_merged_rule(stack: Stack) -> None:
    campaign = make_campaign(stack)
    [rule] = created(stack, campaign, {**PER_DOLLAR, "pending_points": {"period_value": 3}, "metadata": {"a": 1},
                                       "start_date": "2026-01-01T00:00:00.000Z"})
    path = f"{rules_path(campaign)}/{rule['id']}"
    # When the loyalty, the banner and the metadata are replaced and the pending points removed
    status, body = stack.call("update_earning_rule_v1", "PUT", path, {
        "loyalty": {"type": "FIXED", "points": "7"}, "source": {"banner": "Seven"}, "metadata": {"b": 2}, "pending_points": None})
    # Then only those change; id, event, creation and automation stay; updated_at is set; the item's version moves on
    assert status == 200, body
    assert body["loyalty"] == {"type": "FIXED", "points": 7} and body["source"]["banner"] == "Seven" and body["metadata"] == {"b": 2}
    assert "pending_points" not in body and body["start_date"] == "2026-01-01T00:00:00.000Z"
    kept = ("id", "event", "created_at", "automation_id")
    assert {k: body[k] for k in kept} == {k: rule[k] for k in kept}
    assert TIMESTAMP.match(body["updated_at"])
    [item] = stored_rules(stack, campaign["id"])
    assert (item["data"], item["version"]) == (body, 1)
    # A merged rule that breaks a rule is 400 and changes nothing
    for bad in ({"validity_timeframe": {"duration": "PT1H", "interval": "P1D"}, "start_date": None},
                {"expiration_date": "2025-01-01T00:00:00Z"},
                {"loyalty": {"type": "PROPORTIONAL", "calculation_type": "CUSTOM_EVENT_METADATA",
                             "custom_event": {"metadata": {"every": 1, "points": 1, "property": "x"}}}},
                {"event": "sign_up"}, {"segment": {"id": "seg_1"}}, {"loyalty": None}, {"active": None}, {"source": None}):
        status, err = stack.call("update_earning_rule_v1", "PUT", path, bad)
        assert_error(status, err, 400, "invalid_payload")
    assert stored_rules(stack, campaign["id"])[0]["data"] == body
    # pending points stay for order.paid rules only
    [segment] = created(stack, campaign, {"event": "customer.segment.entered", "segment": {"id": "seg_1"}, "loyalty": {"type": "FIXED", "points": 1}})
    status, err = stack.call("update_earning_rule_v1", "PUT", f"{rules_path(campaign)}/{segment['id']}", {"pending_points": {"period_value": 1}})
    assert_error(status, err, 400, "invalid_payload")
    assert "order.paid" in err["details"]


def test_update_from_a_stale_read_is_409_and_writes_nothing(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    campaign = make_campaign(stack)
    [rule] = created(stack, campaign, FIXED_5)
    path = f"{rules_path(campaign)}/{rule['id']}"
    real = campaigns_store.campaign_and_rule

    def stale(db: Table, campaign_id: str, rule_id: str) -> Any:
        found = real(db, campaign_id, rule_id)
        stack.call("disable_earning_rule_v1", "POST", f"{path}/disable")  # another request changes it in between
        return found

    monkeypatch.setattr(campaigns_store, "campaign_and_rule", stale)
    status, body = stack.call("update_earning_rule_v1", "PUT", path, {"metadata": {"lost": True}})
    monkeypatch.undo()
    assert_error(status, body, 409, "concurrent_modification")
    [item] = stored_rules(stack, campaign["id"])
    assert item["data"]["active"] is False and item["data"]["metadata"] == {} and item["version"] == 1


def test_enable_and_disable_flip_active_and_answer_the_rule(stack: Stack) -> None:
    campaign = make_campaign(stack)
    [rule] = created(stack, campaign, FIXED_5)
    path = f"{rules_path(campaign)}/{rule['id']}"
    status, off = stack.call("disable_earning_rule_v1", "POST", f"{path}/disable")
    assert status == 200 and off["active"] is False and TIMESTAMP.match(off["updated_at"])
    assert {k: v for k, v in off.items() if k not in ("active", "updated_at")} == {k: v for k, v in rule.items() if k not in ("active", "updated_at")}
    assert stored_rules(stack, campaign["id"])[0]["data"] == off
    status, on = stack.call("enable_earning_rule_v1", "POST", f"{path}/enable")
    assert status == 200 and on["active"] is True and stored_rules(stack, campaign["id"])[0]["data"] == on
    for name in ("enable_earning_rule_v1", "disable_earning_rule_v1"):
        status, body = stack.call(name, "POST", f"{rules_path(campaign)}/ern_raVUcdXruvXGuzm682ESrAz/{name.split('_')[0]}")
        assert_error(status, body, 404, "not_found")
        assert (body["resource_type"], body["resource_id"]) == ("earning_rule", "ern_raVUcdXruvXGuzm682ESrAz")


def test_delete_answers_204_without_a_body_removes_the_item_and_counts_it_out(stack: Stack) -> None:
    campaign = make_campaign(stack)
    keep, gone = created(stack, campaign, FIXED_5, PER_DOLLAR)
    path = f"{rules_path(campaign)}/{gone['id']}"
    assert stack.call("delete_earning_rule_v1", "DELETE", path) == (204, None)
    assert [i["data"]["id"] for i in stored_rules(stack, campaign["id"])] == [keep["id"]] and rule_count(stack) == 1
    status, body = stack.call("delete_earning_rule_v1", "DELETE", path)
    assert_error(status, body, 404, "not_found")
    assert body["resource_type"] == "earning_rule" and rule_count(stack) == 1
    status, body = stack.call("delete_earning_rule_v1", "DELETE", f"/v1/loyalties/Summer%20Loyalty%20Campaign/earning-rules/{keep['id']}")
    assert (status, body["resource_type"], body["resource_id"]) == (404, "campaign", "Summer Loyalty Campaign")


# ---------------------------------------------------------------------------------------------- the engine's store read
def test_engine_rules_reads_each_campaign_in_one_query_and_gives_its_active_rules_in_engine_shape(stack: Stack) -> None:
    # Given two campaigns: A with an active, an inactive and a tier rule; B with one rule; and an inactive campaign is absent here
    a, b = make_campaign(stack, name="A"), make_campaign(stack, name="B")
    active, inactive, _tier = created(stack, a, PER_DOLLAR, {**FIXED_5, "active": False},
                                      {"event": "customer.loyalty.tier.joined", "loyalty_tier": {"id": "__ANY__"},
                                       "loyalty": {"type": "FIXED", "points": 1}})
    [other] = created(stack, b, FIXED_5)
    db = stack.db()
    recorder = CallRecorder().attach(clients.dynamodb(), principal="test")
    try:
        with recorder.record() as tally:
            rules = earning.engine_rules(db, [a["id"], b["id"], a["id"], "camp_unknown0"])
    finally:
        recorder.detach()
    # Then one Query per distinct campaign, and only the active, evaluable rules, in creation order
    assert [c.operation for c in tally.calls] == ["Query", "Query", "Query"]
    assert [r["id"] for r in rules] == [active["id"], other["id"]]
    assert inactive["id"] not in {r["id"] for r in rules}
    assert rules[0]["trigger"] == {"event": "customer.order.paid"} and rules[0]["status"] == "ACTIVE"
    # And the engine turns a PAID order of 120.00 into 120 points on A's card (v1 cards carry the campaign id as card definition)
    member = Membership("lmbr_01", a["id"], a["name"], (Card("lcrd_01", a["id"]),))
    context = EarningContext(ORDER_PAID, "2026-06-01T12:00:00.000Z", "cust_01", order=Order("ord_01", 12_000), memberships=(member,))
    result = evaluate(context, rules)
    assert [(e.rule_id, e.card_id, e.points) for e in result.earnings] == [(active["id"], "lcrd_01", 120)]


# ---------------------------------------------------------------------------------------------- the official SDK
@pytest.mark.filterwarnings("ignore:.*is deprecated:DeprecationWarning")
def test_the_sdk_creates_lists_gets_updates_disables_enables_and_deletes_rules(stack: Stack) -> None:
    loyalties, _, gateway = sdk(stack)
    campaign = make_campaign(stack, name="SDK rules")
    answered = loyalties.create_earning_rule(campaign["id"], [LoyaltiesEarningRulesCreateRequestBodyItem(
        event="order.paid", source=LoyaltiesEarningRulesCreateRequestBodyItemSource(banner="Per dollar"),
        loyalty=LoyaltiesEarningRulesCreateRequestBodyItemLoyalty(type="PROPORTIONAL", calculation_type="ORDER_AMOUNT",
                                                                  order=LoyaltiesEarningRulesCreateRequestBodyItemLoyaltyOrder.from_dict(
                                                                      {"amount": {"every": 100, "points": 1}})))])
    assert len(answered) == 1 and answered[0].id is not None and answered[0].source is not None
    rule_id = answered[0].id
    listed = loyalties.list_earning_rules(campaign["id"], limit=10, page=1)
    assert listed.total == 1 and listed.data is not None and listed.data[0].id == rule_id
    assert loyalties.get_earning_rule(campaign["id"], rule_id).id == rule_id
    updated = loyalties.update_earning_rule(campaign["id"], rule_id, LoyaltiesEarningRulesUpdateRequestBody(metadata={"sdk": True}))
    assert updated.metadata == {"sdk": True}
    assert loyalties.disable_earning_rule(campaign["id"], rule_id).active is False
    assert loyalties.enable_earning_rule(campaign["id"], rule_id).active is True
    loyalties.delete_earning_rule(campaign["id"], rule_id)
    assert [name for _, _, name in gateway.calls] == [
        "create_earning_rule_v1", "list_earning_rules_v1", "get_earning_rule_v1", "update_earning_rule_v1",
        "disable_earning_rule_v1", "enable_earning_rule_v1", "delete_earning_rule_v1"]
    assert stored_rules(stack, campaign["id"]) == []
