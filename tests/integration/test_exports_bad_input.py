"""Bad input on the v1 export endpoints: unknown fields, filters, operators or orders, malformed bodies, unknown campaigns
and cards answer the documented 4xx with Voucherify's error body and write nothing (no export, no job)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Stack, error_of
from tests.integration.test_v1_loyalty import make_campaign

UNKNOWN = "camp_0000000000000000000000"


@pytest.fixture(scope="module")
def world(module_stack: Stack) -> dict[str, Any]:
    """One campaign with one card to aim at."""
    campaign = make_campaign(module_stack, name="Export bad input")["id"]
    status, card = module_stack.call("add_member_v1", "POST", f"/v1/loyalties/{campaign}/members", {"customer": {"source_id": "exp-1"}})
    assert status == 200, card
    return {"campaign": campaign, "code": card["code"]}


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


def routes(world: dict[str, Any]) -> list[tuple[str, str]]:
    campaign, code = world["campaign"], world["code"]
    return [("export_loyalty_campaign_transactions_v1", f"/v1/loyalties/{campaign}/transactions/export"),
            ("export_loyalty_card_transactions_v1", f"/v1/loyalties/{campaign}/members/{code}/transactions/export"),
            ("export_loyalty_card_transactions_by_code_v1", f"/v1/loyalties/members/{code}/transactions/export"),
            ("create_points_expiration_export_v1", f"/v1/loyalties/{campaign}/points-expiration/export")]


BAD_BODIES = [
    {"unexpected": 1},
    {"parameters": []},
    {"parameters": {"fields": ["nope"]}},
    {"parameters": {"fields": "id"}},
    {"parameters": {"fields": ["id"], "extra": True}},
    {"parameters": {"order": "name"}},
    {"parameters": {"filters": {"unknown_field": {"conditions": {"$in": ["x"]}}}}},
    {"parameters": {"filters": {"voucher_id": {"conditions": {"$like": "x"}}}}},
    {"parameters": {"filters": {"voucher_id": {"conditions": {"$in": "x"}}}}},
    {"parameters": {"filters": {"voucher_id": {}}}},
    {"parameters": {"filters": {"junction": "xor"}}},
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_unknown_fields_filters_and_operators_are_400(stack: Stack, world: dict[str, Any], body: dict[str, Any]) -> None:
    for name, path in routes(world):
        error_of(stack, 400, "invalid_payload", name, "POST", path, body)


@pytest.mark.parametrize("raw", ["{bad json", "[]", "42", '"text"'])
def test_malformed_or_non_object_bodies_are_400(stack: Stack, world: dict[str, Any], raw: str) -> None:
    for name, path in routes(world):
        error_of(stack, 400, "invalid_payload", name, "POST", path, raw_body=raw)


@pytest.mark.parametrize(("route", "body"), [
    (0, {"parameters": {"fields": ["campaign_id"]}}),  # not a campaign-transactions field
    (0, {"parameters": {"filters": {"campaign_id": {"conditions": {"$in": ["x"]}}}}}),
    (0, {"parameters": {"filters": {"created_at": {"conditions": {"$after": "yesterday"}}}}}),
    (0, {"parameters": {"filters": {"created_at": {"conditions": {"$more_than": 3}}}}}),
    (1, {"parameters": {"fields": ["points"]}}),
    (1, {"parameters": {"order": "expires_at"}}),
    (3, {"parameters": {"fields": ["type"]}}),
    (3, {"parameters": {"order": "-created_at"}}),
    (3, {"parameters": {"filters": {"created_at": {"conditions": {"$after": "2024-01-01T00:00:00Z"}}}}}),
])
def test_fields_filters_and_orders_of_another_export_are_400(stack: Stack, world: dict[str, Any], route: int, body: dict[str, Any]) -> None:
    name, path = routes(world)[route]
    error_of(stack, 400, "invalid_payload", name, "POST", path, body)


def test_unknown_campaigns_and_cards_are_404(stack: Stack, world: dict[str, Any]) -> None:
    body = error_of(stack, 404, "not_found", "export_loyalty_campaign_transactions_v1", "POST", f"/v1/loyalties/{UNKNOWN}/transactions/export", {})
    assert body["resource_type"] == "campaign"
    error_of(stack, 404, "not_found", "create_points_expiration_export_v1", "POST", f"/v1/loyalties/{UNKNOWN}/points-expiration/export", {})
    body = error_of(stack, 404, "not_found", "export_loyalty_card_transactions_by_code_v1", "POST",
                    "/v1/loyalties/members/NO-SUCH-CODE/transactions/export", {})
    assert body["resource_type"] == "voucher"
    error_of(stack, 404, "not_found", "export_loyalty_card_transactions_v1", "POST",
             f"/v1/loyalties/{UNKNOWN}/members/{world['code']}/transactions/export", {})


@pytest.mark.parametrize("export_id", ["exp_00000000000000000", "exp_NOT-HEX", "x", "aa_0123"])
def test_unknown_or_malformed_export_ids_are_404(stack: Stack, export_id: str) -> None:
    body = error_of(stack, 404, "not_found", "get_export", "GET", f"/v1/exports/{export_id}")
    assert body["resource_type"] == "export"
