"""Bad input on every v1 campaign earning-rule endpoint: the documented 4xx with Voucherify's error body, and nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Stack, error_of
from tests.integration.test_v1_loyalty import make_campaign

UNKNOWN = {"campaign": "camp_0000000000000000000000", "rule": "ern_0000000000000000000000"}
MALFORMED_RULES = ["lern_0123456789abcdef01", "ern_", "ern_a-b", "nope", "ern_" + "a" * 80]


@pytest.fixture(scope="module")
def world(module_stack: Stack) -> dict[str, Any]:
    """A campaign with an order.paid rule and a segment rule."""
    campaign = make_campaign(module_stack, name="Bad input")
    status, rules = module_stack.call("create_earning_rule_v1", "POST", f"/v1/loyalties/{campaign['id']}/earning-rules", [
        {"event": "order.paid", "loyalty": {"type": "FIXED", "points": 5}},
        {"event": "customer.segment.entered", "segment": {"id": "seg_1"}, "loyalty": {"type": "FIXED", "points": 5}}])
    assert status == 200, rules
    return {"campaign": campaign["id"], "rule": rules[0]["id"], "segment_rule": rules[1]["id"]}


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


RULES = "/v1/loyalties/{campaign}/earning-rules"
ROUTES = [
    ("create_earning_rule_v1", "POST", RULES),
    ("list_earning_rules_v1", "GET", RULES),
    ("get_earning_rule_v1", "GET", RULES + "/{rule}"),
    ("update_earning_rule_v1", "PUT", RULES + "/{rule}"),
    ("delete_earning_rule_v1", "DELETE", RULES + "/{rule}"),
    ("enable_earning_rule_v1", "POST", RULES + "/{rule}/enable"),
    ("disable_earning_rule_v1", "POST", RULES + "/{rule}/disable"),
]
RULE_ROUTES = [r for r in ROUTES if "{rule}" in r[2]]
VALID: dict[str, Any] = {"create_earning_rule_v1": [{"event": "order.paid", "loyalty": {"type": "FIXED", "points": 1}}],
         "update_earning_rule_v1": {"metadata": {"a": 1}}}


def filled(path: str, w: dict[str, str]) -> str:
    return path.format(campaign=w["campaign"], rule=w.get("rule", ""))


@pytest.mark.parametrize("raw", ["{bad json", "42", '"text"', "null", "{}", '{"event": "order.paid"}', "[[]]", "[null]", "[1]"])
def test_malformed_or_non_array_create_bodies_are_400(stack: Stack, world: dict[str, Any], raw: str) -> None:
    error_of(stack, 400, "invalid_payload", "create_earning_rule_v1", "POST", filled(RULES, world), raw_body=raw)


@pytest.mark.parametrize("raw", ["{bad json", "[]", "42", '"text"', "null", "[{}]"])
def test_malformed_or_non_object_update_bodies_are_400(stack: Stack, world: dict[str, Any], raw: str) -> None:
    error_of(stack, 400, "invalid_payload", "update_earning_rule_v1", "PUT", filled(RULES + "/{rule}", world), raw_body=raw)


FIXED = {"type": "FIXED", "points": 1}
PAID = {"event": "order.paid", "loyalty": FIXED}
RATIO = {"every": 100, "points": 1}


@pytest.mark.parametrize("entry", [
    {},
    {"event": "order.paid"},
    {"loyalty": FIXED},
    {**PAID, "unexpected_field": 1},
    {"event": "", "loyalty": FIXED},
    {"event": "x" * 301, "custom_event": {"schema_id": "ms_1"}, "loyalty": FIXED},
    {"event": 5, "loyalty": FIXED},
    {"event": "customer.order.paid", "loyalty": FIXED},  # a v2 trigger name is no v1 event
    {"event": "order.created", "loyalty": FIXED},
    # each event's sub-object: required with it, refused with any other
    {"event": "customer.segment.entered", "loyalty": FIXED},
    {"event": "customer.segment.entered", "segment": {"id": "1"}, "loyalty": FIXED},
    {"event": "sign_up", "loyalty": FIXED},
    {"event": "sign_up", "custom_event": {"schema_id": "sign_up"}, "loyalty": FIXED},
    {"event": "sign_up", "custom_event": {}, "loyalty": FIXED},
    {"event": "customer.loyalty.tier.joined", "loyalty": FIXED},
    {"event": "customer.loyalty.tier.joined", "loyalty_tier": {"id": "ANY"}, "loyalty": FIXED},
    {**PAID, "segment": {"id": "seg_1"}},
    {**PAID, "custom_event": {"schema_id": "ms_1"}},
    {**PAID, "loyalty_tier": {"id": "__ANY__"}},
    # loyalty
    {"event": "order.paid", "loyalty": {"type": "FIXED"}},
    {"event": "order.paid", "loyalty": {"type": "FIXED", "points": -1}},
    {"event": "order.paid", "loyalty": {"type": "FIXED", "points": 1.5}},
    {"event": "order.paid", "loyalty": {"type": "FIXED", "points": "five"}},
    {"event": "order.paid", "loyalty": {"type": "FIXED", "points": True}},
    {"event": "order.paid", "loyalty": {"type": "FIXED", "points": 2**53}},
    {"event": "order.paid", "loyalty": {"type": "FIXED", "points": 1, "points_formula": "ORDER_AMOUNT / 10"}},
    {"event": "order.paid", "loyalty": {"type": "FIXED", "points": 1, "calculation_type": "ORDER_AMOUNT"}},
    {"event": "order.paid", "loyalty": {"type": "BONUS", "points": 1}},
    {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL"}},
    {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT"}},
    {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT", "order": {}}},
    {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT", "order": {"total_amount": RATIO}}},
    {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT", "order": {"amount": RATIO},
                                        "points": 1}},
    {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT",
                                        "order": {"amount": RATIO, "total_amount": RATIO}}},
    {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT",
                                        "order": {"amount": {"every": 0, "points": 1}}}},
    {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT",
                                        "order": {"amount": {"every": 100, "points": 0.5}}}},
    {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT",
                                        "order": {"amount": {"every": 100, "points": 1, "points_formula": "x"}}}},
    {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_METADATA", "order": {"metadata": RATIO}}},
    {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_ITEMS_QUANTITY",
                                        "order_items": {"quantity": RATIO}}},
    {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_ITEMS_QUANTITY",
                                        "order_items": {"quantity": {**RATIO, "object": "product"}}}},
    {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_ITEMS_QUANTITY",
                                        "order_items": {"quantity": {**RATIO, "object": "product", "id": "sku_1"}}}},
    {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_ITEMS_QUANTITY",
                                        "order_items": {"quantity": {**RATIO, "applicable_to": []}}}},
    {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_ITEMS_AMOUNT", "order_items": {
        "amount": {**RATIO, "applicable_to": [{"object": "sku", "id": "sku_1"}, {"object": "sku", "id": "sku_1"}]}}}},
    {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_ITEMS_AMOUNT", "order_items": {
        "amount": {**RATIO, "object": "sku", "id": "sku_2", "applicable_to": [{"object": "sku", "id": "sku_1"}]}}}},
    {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_ITEMS_AMOUNT", "order_items": {
        "amount": {**RATIO, "applicable_to": [{"object": "category", "id": "cat_1"}]}}}},
    # calculation types each event does not take
    {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "CUSTOMER_METADATA",
                                        "customer": {"metadata": {**RATIO, "property": "p"}}}},
    {"event": "customer.segment.entered", "segment": {"id": "seg_1"}, "loyalty": {
        "type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT", "order": {"amount": RATIO}}},
    {"event": "sign_up", "custom_event": {"schema_id": "ms_1"}, "loyalty": {
        "type": "PROPORTIONAL", "calculation_type": "ORDER_TOTAL_AMOUNT", "order": {"total_amount": RATIO}}},
    {"event": "customer.loyalty.tier.left", "loyalty_tier": {"id": "__ANY__"}, "loyalty": {
        "type": "PROPORTIONAL", "calculation_type": "CUSTOM_EVENT_METADATA", "custom_event": {"metadata": {**RATIO, "property": "p"}}}},
    # a tier change credits FIXED points only (LoyaltiesEarningRulesCreateTierChangeRequestBody)
    {"event": "customer.loyalty.tier.joined", "loyalty_tier": {"id": "__ANY__"}, "loyalty": {
        "type": "PROPORTIONAL", "calculation_type": "CUSTOMER_METADATA", "customer": {"metadata": {**RATIO, "property": "p"}}}},
    # pending points: order.paid only, 1-90 days
    {"event": "sign_up", "custom_event": {"schema_id": "ms_1"}, "loyalty": FIXED, "pending_points": {"period_value": 1}},
    {"event": "customer.segment.entered", "segment": {"id": "seg_1"}, "loyalty": FIXED, "pending_points": {"period_value": 1}},
    {**PAID, "pending_points": {"period_value": 0}},
    {**PAID, "pending_points": {"period_value": 91}},
    {**PAID, "pending_points": {"period_type": "MONTH", "period_value": 1}},
    {**PAID, "pending_points": {}},
    # expiration rules
    {**PAID, "expiration_rules": {"period_type": "MONTH"}},
    {**PAID, "expiration_rules": {"period_type": "FIXED_DAY_OF_YEAR", "fixed_month": 2}},
    {**PAID, "expiration_rules": {"period_type": "FIXED_DAY_OF_YEAR", "fixed_month": 2, "fixed_day": 30}},
    {**PAID, "expiration_rules": {"period_type": "FIXED_DAY_OF_YEAR", "fixed_month": 13, "fixed_day": 1}},
    {**PAID, "expiration_rules": {"period_type": "MONTH", "period_value": 1, "fixed_day": 1}},
    {**PAID, "expiration_rules": {"period_type": "MONTH", "period_value": 1, "rounding_type": "PARTICULAR_MONTH"}},
    {**PAID, "expiration_rules": {"period_type": "WEEK", "period_value": 1}},
    # windows
    {**PAID, "start_date": "yesterday"},
    {**PAID, "start_date": "2026-02-01T00:00:00Z", "expiration_date": "2026-01-01T00:00:00Z"},
    {**PAID, "validity_timeframe": {"duration": "PT1H", "interval": "P1D"}},
    {**PAID, "start_date": "2026-01-01T00:00:00Z", "validity_timeframe": {"duration": "PT1H", "interval": "PT0S"}},
    {**PAID, "start_date": "2026-01-01T00:00:00Z", "validity_timeframe": {"duration": "1 hour", "interval": "P1D"}},
    {**PAID, "start_date": "2026-01-01T00:00:00Z", "validity_timeframe": {"duration": "PT1H"}},
    {**PAID, "validity_day_of_week": [7]},
    {**PAID, "validity_day_of_week": [1, 1]},
    {**PAID, "validity_day_of_week": []},
    {**PAID, "validity_hours": {"daily": [{"start_time": "25:00", "days_of_week": [1], "expiration_time": "26:00"}]}},
    {**PAID, "validity_hours": {"daily": []}},
    # the rest
    {**PAID, "active": "yes"},
    {**PAID, "active": None},
    {**PAID, "source": {"banner": ""}},
    {**PAID, "source": {"banner": "x", "object_id": "camp_1"}},
    {**PAID, "source": None},
    {**PAID, "metadata": []},
    {**PAID, "metadata": {"": 1}},
    {**PAID, "metadata": {"n": 2**53}},
    {**PAID, "validation_rule_id": "rule_1"},
])
def test_invalid_create_entries_are_400(stack: Stack, world: dict[str, Any], entry: dict[str, Any]) -> None:
    # the bad entry comes second: the whole array is refused, the good first entry is not written either
    error_of(stack, 400, "invalid_payload", "create_earning_rule_v1", "POST", filled(RULES, world),
             [VALID["create_earning_rule_v1"][0], entry])


def test_an_empty_or_oversized_array_is_400(stack: Stack, world: dict[str, Any]) -> None:
    for body, words in (([], "at least one"), (VALID["create_earning_rule_v1"] * 100, "at most 99")):
        resp = error_of(stack, 400, "invalid_payload", "create_earning_rule_v1", "POST", filled(RULES, world), body)
        assert words in resp["details"]


@pytest.mark.parametrize("body", [
    {"event": "order.paid"},
    {"segment": {"id": "seg_1"}},
    {"custom_event": {"schema_id": "ms_1"}},
    {"loyalty_tier": {"id": "__ANY__"}},
    {"unexpected_field": 1},
    {"loyalty": None},
    {"active": None},
    {"source": None},
    {"loyalty": {"type": "FIXED"}},
    {"loyalty": {"type": "PROPORTIONAL", "calculation_type": "CUSTOMER_METADATA", "customer": {"metadata": {**RATIO, "property": "p"}}}},
    {"pending_points": {"period_value": 100}},
    {"start_date": "2031-01-01T00:00:00Z", "expiration_date": "2030-01-01T00:00:00Z"},
    {"validity_timeframe": {"duration": "PT1H", "interval": "P1D"}},
    {"metadata": {"a": {"": None}}},
    {"validation_rule_id": 5},
])
def test_invalid_update_bodies_are_400(stack: Stack, world: dict[str, Any], body: dict[str, Any]) -> None:
    error_of(stack, 400, "invalid_payload", "update_earning_rule_v1", "PUT", filled(RULES + "/{rule}", world), body)


def test_pending_points_on_a_segment_rule_update_is_400(stack: Stack, world: dict[str, Any]) -> None:
    resp = error_of(stack, 400, "invalid_payload", "update_earning_rule_v1", "PUT",
                    filled(RULES + "/{rule}", {**world, "rule": world["segment_rule"]}), {"pending_points": {"period_value": 3}})
    assert "order.paid" in resp["details"]


def test_a_validation_rule_reference_is_404_validation_rule(stack: Stack, world: dict[str, Any]) -> None:
    for name, method, path in (("create_earning_rule_v1", "POST", RULES), ("update_earning_rule_v1", "PUT", RULES + "/{rule}")):
        body: Any = {"validation_rule_id": "val_7SxpdhPeBngA"}
        if name.startswith("create"):
            body = [{**PAID, **body}]
        resp = error_of(stack, 404, "not_found", name, method, filled(path, world), body)
        assert (resp["resource_type"], resp["resource_id"]) == ("validation_rule", "val_7SxpdhPeBngA")


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"limit": "1.5"}, {"page": "0"}, {"page": "-1"},
                                   {"page": "abc"}, {"order": "-name"}, {"cursor": "x"}, {"starting_after": "x"}])
def test_bad_list_parameters_are_400(stack: Stack, world: dict[str, Any], query: dict[str, str]) -> None:
    error_of(stack, 400, "invalid_query_params", "list_earning_rules_v1", "GET", filled(RULES, world), query=query)


@pytest.mark.parametrize(("name", "method", "path"), ROUTES)
@pytest.mark.parametrize("campaign", [UNKNOWN["campaign"], "No%20such%20campaign", "camp_", "a" * 300])
def test_an_unknown_campaign_is_404_campaign(stack: Stack, world: dict[str, Any], name: str, method: str, path: str, campaign: str) -> None:
    resp = error_of(stack, 404, "not_found", name, method, filled(path, {**world, "campaign": campaign}), VALID.get(name))
    assert resp["resource_type"] == "campaign"


@pytest.mark.parametrize(("name", "method", "path"), RULE_ROUTES)
@pytest.mark.parametrize("rule", [UNKNOWN["rule"], *MALFORMED_RULES])
def test_an_unknown_or_malformed_rule_is_404_earning_rule(stack: Stack, world: dict[str, Any], name: str, method: str, path: str,
                                                           rule: str) -> None:
    resp = error_of(stack, 404, "not_found", name, method, filled(path, {**world, "rule": rule}), VALID.get(name))
    assert (resp["resource_type"], resp["resource_id"]) == ("earning_rule", rule)


def test_another_campaign_s_rule_is_404_earning_rule(stack: Stack, world: dict[str, Any]) -> None:
    other = make_campaign(stack, name="Another")
    for name, method, path in RULE_ROUTES:
        resp = error_of(stack, 404, "not_found", name, method, filled(path, {**world, "campaign": other["id"]}), VALID.get(name))
        assert resp["resource_type"] == "earning_rule"


@pytest.mark.parametrize(("name", "method", "path"), ROUTES)
@pytest.mark.parametrize("headers", [{}, {"X-App-Id": "acme.000000000000", "X-App-Token": "acme.000000000000.nope"},
                                     {"Authorization": "Bearer nope"}])
def test_missing_or_wrong_credentials_are_401(stack: Stack, world: dict[str, Any], name: str, method: str, path: str,
                                              headers: dict[str, str]) -> None:
    error_of(stack, 401, "unauthorized", name, method, filled(path, world), VALID.get(name), headers=headers)


@pytest.mark.parametrize(("name", "method", "path"), [r for r in ROUTES if r[1] in ("POST", "PUT") and r[0] in VALID])
def test_a_body_that_is_not_json_is_415(stack: Stack, world: dict[str, Any], name: str, method: str, path: str) -> None:
    error_of(stack, 415, "unsupported_media_type", name, method, filled(path, world), VALID[name],
             headers={**stack.headers, "Content-Type": "text/plain"})
