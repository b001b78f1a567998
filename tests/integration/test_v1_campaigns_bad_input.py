"""Bad input on the v1 campaign list, update and delete endpoints: the documented 4xx with Voucherify's error body, and
nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Stack, error_of
from tests.integration.test_v1_loyalty import make_campaign

UNKNOWN = "camp_0000000000000000000000"


@pytest.fixture(scope="module")
def world(module_stack: Stack) -> dict[str, Any]:
    """One campaign with one card to aim at."""
    campaign = make_campaign(module_stack, name="Bad input")["id"]
    status, card = module_stack.call("add_member_v1", "POST", f"/v1/loyalties/{campaign}/members", {"customer": {"source_id": "bad-1"}})
    assert status == 200, card
    return {"campaign": campaign, "code": card["code"]}


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"limit": "x"}, {"page": "0"}, {"page": "101"},
                                   {"order": "name"}, {"order": "-name"}, {"expand": "vouchers"}])
def test_bad_list_parameters_are_400(stack: Stack, query: dict[str, str]) -> None:
    error_of(stack, 400, "invalid_query_params", "list_loyalty_programs_v1", "GET", "/v1/loyalties", query=query)


@pytest.mark.parametrize("raw", ["{bad json", "[]", "42", '"text"', "null"])
def test_malformed_or_non_object_update_bodies_are_400(stack: Stack, world: dict[str, Any], raw: str) -> None:
    error_of(stack, 400, "invalid_payload", "update_loyalty_program_v1", "PUT", f"/v1/loyalties/{world['campaign']}", raw_body=raw)


@pytest.mark.parametrize("body", [
    {"unexpected_field": 1},
    {"name": "Renamed"},  # the name is not updatable
    {"description": 5},
    {"auto_join": "yes"},
    {"start_date": "tomorrow"},
    {"validity_day_of_week": [7]},
    {"validity_day_of_week": [1, 1]},
    {"activity_duration_after_publishing": "24 days"},
    {"loyalty_card": {"points": -1}},
    {"loyalty_card": {}},
    {"metadata": []},
    {"unset_metadata_fields": "a"},
    {"type": "STANDALONE"},
    {"type": "STATIC"},
    {"access_settings": {"assign": {"areas_ids": ["ar_1"]}}},
    {"start_date": "2030-01-01T00:00:00Z", "expiration_date": "2029-01-01T00:00:00Z"},
    {"validity_timeframe": {"duration": "PT1H", "interval": "P1D"}},  # needs a start_date
])
def test_invalid_update_bodies_are_400(stack: Stack, world: dict[str, Any], body: dict[str, Any]) -> None:
    error_of(stack, 400, "invalid_payload", "update_loyalty_program_v1", "PUT", f"/v1/loyalties/{world['campaign']}", body)


@pytest.mark.parametrize("query", [{"force": "maybe"}, {"force": "2"}])
def test_bad_force_is_400(stack: Stack, world: dict[str, Any], query: dict[str, str]) -> None:
    error_of(stack, 400, "invalid_query_params", "delete_loyalty_program_v1", "DELETE", f"/v1/loyalties/{world['campaign']}",
             query=query)


@pytest.mark.parametrize("ref", [UNKNOWN, "No%20such%20campaign", "camp_", "x" * 300])
@pytest.mark.parametrize("route", [("update_loyalty_program_v1", "PUT", {"description": "x"}),
                                   ("delete_loyalty_program_v1", "DELETE", None)])
def test_unknown_campaigns_are_404(stack: Stack, ref: str, route: tuple[str, str, Any]) -> None:
    name, method, body = route
    resp = error_of(stack, 404, "not_found", name, method, f"/v1/loyalties/{ref}", body)
    assert resp["resource_type"] == "campaign"


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"page": "0"}, {"page": "x"}, {"order": "name"},
                                   {"created_at[before]": "yesterday"}, {"updated_at[after]": "2024-13-01"},
                                   {"unknown": "1"}, {"filters[code]": "x"}])
def test_bad_member_list_parameters_are_400(stack: Stack, world: dict[str, Any], query: dict[str, str]) -> None:
    error_of(stack, 400, "invalid_query_params", "list_members_v1", "GET", f"/v1/loyalties/{world['campaign']}/members", query=query)


@pytest.mark.parametrize("ref", [UNKNOWN, "No%20such%20campaign", "camp_", "x" * 300])
def test_members_of_unknown_campaigns_are_404(stack: Stack, ref: str) -> None:
    resp = error_of(stack, 404, "not_found", "list_members_v1", "GET", f"/v1/loyalties/{ref}/members")
    assert resp["resource_type"] == "campaign"


TRANSACTION_LISTS = [("list_loyalty_campaign_transactions_v1", "/v1/loyalties/{campaign}/transactions"),
                     ("list_loyalty_card_transactions_v1", "/v1/loyalties/{campaign}/members/{code}/transactions"),
                     ("list_loyalty_card_transactions_by_code_v1", "/v1/loyalties/members/{code}/transactions")]


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"order": "created_at"}, {"starting_after_id": "x"},
                                   {"starting_after_id": "vtx_0c9dd3c2e392f78613"}, {"page": "2"}, {"unknown": "1"},
                                   {"filters[code][conditions][$is]": "x"}])
@pytest.mark.parametrize(("name", "path"), TRANSACTION_LISTS)
def test_bad_transaction_list_parameters_are_400(stack: Stack, world: dict[str, Any], name: str, path: str,
                                                 query: dict[str, str]) -> None:
    error_of(stack, 400, "invalid_query_params", name, "GET", path.format(**world), query=query)


@pytest.mark.parametrize(("name", "path", "resource"), [
    ("list_loyalty_campaign_transactions_v1", f"/v1/loyalties/{UNKNOWN}/transactions", "campaign"),
    ("list_loyalty_card_transactions_v1", "/v1/loyalties/{campaign}/members/NO-SUCH/transactions", "voucher"),
    ("list_loyalty_card_transactions_v1", f"/v1/loyalties/{UNKNOWN}/members/{{code}}/transactions", "voucher"),
    ("list_loyalty_card_transactions_by_code_v1", "/v1/loyalties/members/NO-SUCH/transactions", "voucher"),
])
def test_transactions_of_unknown_campaigns_or_cards_are_404(stack: Stack, world: dict[str, Any], name: str, path: str,
                                                            resource: str) -> None:
    resp = error_of(stack, 404, "not_found", name, "GET", path.format(**world))
    assert resp["resource_type"] == resource


TRANSFERS = "/v1/loyalties/{campaign}/members/{code}/transfers"


@pytest.mark.parametrize("raw", ["{bad json", "{}", "42", '"text"', "null", "[[]]", "[null]", "[1]"])
def test_malformed_or_non_array_transfer_bodies_are_400(stack: Stack, world: dict[str, Any], raw: str) -> None:
    error_of(stack, 400, "invalid_payload", "transfer_points_v1", "POST", TRANSFERS.format(**world), raw_body=raw)


@pytest.mark.parametrize("body", [
    [],
    [{"code": "X-1"}],
    [{"points": 1}],
    [{"code": "X-1", "points": 0}],
    [{"code": "X-1", "points": -5}],
    [{"code": "X-1", "points": 1.5}],
    [{"code": "X-1", "points": "1"}],
    [{"code": "", "points": 1}],
    [{"code": "X-1", "points": 1, "unexpected": True}],
    [{"code": "X-1", "points": 1, "reason": 5}],
    [{"code": "X-1", "points": 1}, {"code": "X-1", "points": 2}],
    [{"code": f"X-{i}", "points": 1} for i in range(21)],
])
def test_invalid_transfer_bodies_are_400(stack: Stack, world: dict[str, Any], body: Any) -> None:
    error_of(stack, 400, "invalid_payload", "transfer_points_v1", "POST", TRANSFERS.format(**world), body)


def test_a_card_cannot_transfer_to_itself(stack: Stack, world: dict[str, Any]) -> None:
    error_of(stack, 400, "invalid_payload", "transfer_points_v1", "POST", TRANSFERS.format(**world),
             [{"code": world["code"], "points": 1}])


@pytest.mark.parametrize(("campaign", "code", "source", "resource"), [
    (UNKNOWN, "{code}", "{code}x", "campaign"),
    ("No%20such", "{code}", "{code}x", "campaign"),
    ("{campaign}", "NO-SUCH", "{code}", "voucher"),
    ("{campaign}", "{code}", "NO-SUCH", "voucher"),
])
def test_transfers_with_unknown_campaigns_or_cards_are_404(stack: Stack, world: dict[str, Any], campaign: str, code: str,
                                                           source: str, resource: str) -> None:
    path = f"/v1/loyalties/{campaign}/members/{code}/transfers".format(**world)
    resp = error_of(stack, 404, "not_found", "transfer_points_v1", "POST", path, [{"code": source.format(**world), "points": 1}])
    assert resp["resource_type"] == resource


ACTIVITY_LISTS = [("list_member_activity_v1", "/v1/loyalties/{campaign}/members/{code}/activity"),
                  ("list_member_activity_by_code_v1", "/v1/loyalties/members/{code}/activity")]


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"order": "id"}, {"starting_after_id": "evcus_1"},
                                   {"page": "2"}, {"unknown": "1"}])
@pytest.mark.parametrize(("name", "path"), ACTIVITY_LISTS)
def test_bad_activity_list_parameters_are_400(stack: Stack, world: dict[str, Any], name: str, path: str,
                                              query: dict[str, str]) -> None:
    error_of(stack, 400, "invalid_query_params", name, "GET", path.format(**world), query=query)


@pytest.mark.parametrize(("name", "path"), [("list_member_activity_v1", "/v1/loyalties/{campaign}/members/NO-SUCH/activity"),
                                            ("list_member_activity_v1", f"/v1/loyalties/{UNKNOWN}/members/{{code}}/activity"),
                                            ("list_member_activity_by_code_v1", "/v1/loyalties/members/NO-SUCH/activity")])
def test_activity_of_unknown_cards_is_404(stack: Stack, world: dict[str, Any], name: str, path: str) -> None:
    resp = error_of(stack, 404, "not_found", name, "GET", path.format(**world))
    assert resp["resource_type"] == "voucher"


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"order": "created_at"}, {"page": "2"}, {"unknown": "1"}])
def test_bad_campaign_pending_points_parameters_are_400(stack: Stack, world: dict[str, Any], query: dict[str, str]) -> None:
    error_of(stack, 400, "invalid_query_params", "list_campaign_pending_points_v1", "GET",
             f"/v1/loyalties/{world['campaign']}/pending-points", query=query)


@pytest.mark.parametrize("ref", [UNKNOWN, "No%20such%20campaign", "x" * 300])
def test_pending_points_of_unknown_campaigns_are_404(stack: Stack, ref: str) -> None:
    resp = error_of(stack, 404, "not_found", "list_campaign_pending_points_v1", "GET", f"/v1/loyalties/{ref}/pending-points")
    assert resp["resource_type"] == "campaign"
