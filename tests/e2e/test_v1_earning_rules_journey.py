"""v1 loyalty campaign earning rules over HTTP against the local runtime: every route with a success and its typical errors
(recorded for test_conformance.py, which checks each answer against loyalties-v1.json)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e import conformance
from tests.e2e.conftest import Client

pytestmark = pytest.mark.e2e
NO_RULE = "ern_0000000000000000000000"


def error(client: Client, method: str, path: str, status: int, key: str, body: Any = None, **kw: Any) -> dict[str, Any]:
    got, data = client.request(method, path, body, **kw)
    assert (got, data.get("key")) == (status, key), data
    return data


def test_a_campaign_s_earning_rules_from_create_to_delete(client: Client) -> None:
    _earning_rules_life(client)


def drive_v1_earning_rules(client: Client) -> None:
    """Every v1 earning-rule route with a success and its typical errors (test_conformance.py runs it when this module did not)."""
    conformance.DRIVEN.add("v1_earning_rules")
    _earning_rules_life(client)


def _earning_rules_life(client: Client) -> None:
    name = f"E2E rules {uuid.uuid4().hex[:8]}"
    campaign = client.post("/v1/loyalties", {"name": name, "type": "AUTO_UPDATE",
                                             "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}})
    rules = f"/v1/loyalties/{campaign['id']}/earning-rules"

    # create: one of each event kind, in one request, answered as an array in request order
    created = client.post(rules, [
        {"event": "order.paid", "source": {"banner": "1 point per dollar"}, "pending_points": {"period_type": "DAY", "period_value": 7},
         "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT", "order": {"amount": {"every": 100, "points": 1}}}},
        {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_ITEMS_QUANTITY",
                                            "order_items": {"quantity": {"every": 1, "points": 2, "object": "product", "id": "prod_0a"}}}},
        {"event": "customer.segment.entered", "segment": {"id": "seg_0a1b"}, "loyalty": {"type": "FIXED", "points": 100},
         "start_date": "2026-01-01T00:00:00Z", "validity_timeframe": {"interval": "P1D", "duration": "PT2H"}},
        {"event": "sign_up", "custom_event": {"schema_id": "ms_0a1b"}, "validity_day_of_week": [1, 2, 3, 4, 5],
         "loyalty": {"type": "PROPORTIONAL", "calculation_type": "CUSTOM_EVENT_METADATA",
                     "custom_event": {"metadata": {"every": 1, "points": 3, "property": "friends"}}}},
        {"event": "customer.loyalty.tier.joined", "loyalty_tier": {"id": "__ANY__"}, "loyalty": {"type": "FIXED", "points": 5},
         "expiration_rules": {"period_type": "MONTH", "period_value": 6, "rounding_type": "END_OF_MONTH"}, "metadata": {"tier": True}},
    ])
    assert [r["event"] for r in created] == ["order.paid", "order.paid", "customer.segment.entered", "sign_up",
                                              "customer.loyalty.tier.joined"]
    assert all(r["source"]["object_id"] == campaign["id"] and r["active"] is True for r in created)
    error(client, "POST", rules, 400, "invalid_payload", [{"event": "sign_up", "loyalty": {"type": "FIXED", "points": 1}}])
    error(client, "POST", rules, 400, "invalid_payload", [{"event": "customer.segment.entered", "segment": {"id": "seg_1"},
                                                           "loyalty": {"type": "FIXED", "points": 1}, "pending_points": {"period_value": 1}}])
    error(client, "POST", "/v1/loyalties/camp_doesnotexist0/earning-rules", 404, "not_found",
          [{"event": "order.paid", "loyalty": {"type": "FIXED", "points": 1}}])

    # list: pages, orders, the campaign by name; bad query parameters
    page = client.get(rules, params={"limit": 2, "page": 2})
    assert (page["total"], [r["id"] for r in page["data"]]) == (5, [created[2]["id"], created[3]["id"]])
    assert [r["id"] for r in client.get(rules, params={"order": "-created_at"})["data"]] == [r["id"] for r in reversed(created)]
    assert client.get(f"/v1/loyalties/{name.replace(' ', '%20')}/earning-rules")["total"] == 5
    error(client, "GET", rules, 400, "invalid_query_params", params={"limit": 0})
    error(client, "GET", rules, 400, "invalid_query_params", params={"cursor": "x"})
    error(client, "GET", "/v1/loyalties/camp_doesnotexist0/earning-rules", 404, "not_found")

    # get
    first = f"{rules}/{created[0]['id']}"
    assert client.get(first) == created[0]
    error(client, "GET", f"{rules}/{NO_RULE}", 404, "not_found")

    # update: the given fields replace the rule's, the merged rule is validated like a create
    updated = client.request("PUT", first, {"loyalty": {"type": "FIXED", "points": 20}, "pending_points": None,
                                            "metadata": {"v": 2}})[1]
    assert (updated["loyalty"], "pending_points" in updated, updated["metadata"]) == ({"type": "FIXED", "points": 20}, False, {"v": 2})
    assert updated["updated_at"] is not None and updated["source"]["banner"] == "1 point per dollar"
    error(client, "PUT", first, 400, "invalid_payload", {"event": "sign_up"})
    error(client, "PUT", f"{rules}/{created[2]['id']}", 400, "invalid_payload", {"pending_points": {"period_value": 3}})
    error(client, "PUT", f"{rules}/{NO_RULE}", 404, "not_found", {"metadata": {}})

    # disable / enable
    assert client.post(f"{first}/disable")["active"] is False
    assert client.get(first)["active"] is False
    assert client.post(f"{first}/enable")["active"] is True
    error(client, "POST", f"{rules}/{NO_RULE}/disable", 404, "not_found")
    error(client, "POST", f"{rules}/{NO_RULE}/enable", 404, "not_found")

    # delete: 204 without a body; then it is gone
    status, body = client.request("DELETE", first)
    assert (status, body) == (204, None)
    error(client, "GET", first, 404, "not_found")
    error(client, "DELETE", first, 404, "not_found")
    assert client.get(rules)["total"] == 4
