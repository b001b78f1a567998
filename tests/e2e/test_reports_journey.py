"""v2 reports over HTTP against the local runtime: points added and earned from a paid order, and the points a reward
purchase locks and unlocks, reach the card daily report and the program's points-earnings reports through the stream
consumer (the local runtime polls the table's stream for both consumers), and the routes' typical errors (recorded for
test_conformance.py, checked against loyalties-v2.json)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e import conformance
from tests.e2e.conftest import Client
from tests.support import eventually

pytestmark = pytest.mark.e2e
V2 = "/v2/loyalties"


def test_reports_follow_the_card_transactions(client: Client) -> None:
    _reports(client)


def test_tier_reports_follow_the_tier_transactions(client: Client) -> None:
    _tier_reports(client)


def drive_reports(client: Client) -> None:
    """The report routes with successes and their typical errors (test_conformance.py runs it when this module did not)."""
    conformance.DRIVEN.add("reports")
    _reports(client)
    _tier_reports(client)


def _reports(client: Client) -> None:
    tag = uuid.uuid4().hex[:8]
    cdef = client.post(f"{V2}/card-definitions", {"name": f"Report wallet {tag}", "type": "INDIVIDUAL", "status": "ACTIVE"})["id"]
    rule = client.post(f"{V2}/earning-rules", {
        "name": f"Paid {tag}", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": cdef}}]}]})["id"]
    reward = client.post(f"{V2}/rewards", {
        "name": f"Mug {tag}", "type": "MATERIAL", "status": "ACTIVE", "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}},
        "costs": [{"spending": [{"points": 5, "card_definition_id": cdef}]}]})["id"]
    program = client.post(f"{V2}/programs", {"name": f"Reported {tag}", "status": "ACTIVE", "card_definitions": [{"id": cdef}],
                                            "earning_rules": [{"id": rule}], "rewards": [{"id": reward}]})["id"]
    customer = client.post("/v1/customers", {"source_id": f"e2e-report-{tag}", "name": "Rea"})["id"]
    member = client.post(f"{V2}/programs/{program}/members", {"customer_id": customer})
    card = member["cards"][0]["card"]["id"]
    path = f"{V2}/programs/{program}/members/{member['id']}/cards/{card}"
    client.post(f"{path}/points", {"points": 25, "reason": "welcome"})
    client.post("/v1/orders", {"source_id": f"e2e-report-{tag}", "status": "PAID", "amount": 1000, "customer": {"id": customer}})
    day = eventually(lambda: next((t["created_at"][:10] for t in client.get(f"{path}/transactions")["data"]
                                   if t["type"] == "POINTS_EARNED" and t["status"] == "APPROVED"), None), timeout=30)
    window = {"start_date": day, "end_date": day, "resolution": "day"}

    def card_report() -> list[dict[str, Any]]:
        return list(client.get(f"{path}/reports/daily", params=window)["data"])

    rows = eventually(lambda: (lambda r: r if r and r[0]["points_earned"] == 10 and r[0]["points_added"] == 25 else None)(card_report()),
                      timeout=30)
    assert rows[0]["points_total"] == 35 and rows[0]["object"] == "card_daily_report"
    earnings = f"{V2}/programs/{program}/reports/points-earnings"
    daily = client.get(f"{earnings}/daily", params=window)
    assert [(r["earning_rule_id"], r["points"]) for r in daily["data"]] == [(rule, 10)]
    summary = client.get(f"{earnings}/summary", params={"filters[card_definition_id][conditions][$is]": cdef})
    assert [(r["earning_rule_id"], r["success_count"], r["points"]) for r in summary["data"]] == [(rule, 1, 10)]

    spending = f"{V2}/programs/{program}/reports/spending"
    assert client.get(f"{spending}/daily", params=window)["data"] == []
    assert client.get(f"{spending}/summary")["data"] == []
    for route, params in ((f"{path}/reports/daily", {"start_date": day, "end_date": day}),
                          (f"{spending}/daily", {**window, "end_date": "2000-01-01"}),
                          (f"{spending}/summary", {"filters[card_definition_id][conditions][$is]": "nope"}),
                          (f"{earnings}/daily", {**window, "resolution": "year"}),
                          (f"{earnings}/summary", {"filters[earning_rule_id][conditions][$is]": "nope"})):
        status, body = client.request("GET", route, params=params)
        assert (status, body["key"]) == (400, "invalid_query_params"), body
    status, body = client.request("GET", f"{V2}/programs/lprg_0000000000000000000000/reports/points-earnings/summary")
    assert (status, body["key"]) == (404, "not_found"), body
    _locked_points(client, program, member["id"], path, reward)
    _earning_rule_reports(client, program, member["id"], rule, window)


def _locked_points(client: Client, program: str, member_id: str, path: str, reward: str) -> None:
    """A reward purchase locks its 5 points when accepted and unlocks them when the worker approves it: the card daily
    report's points_locked / points_unlocked follow through the stream consumer."""
    bought = client.post(f"{V2}/programs/{program}/members/{member_id}/rewards/purchases", {"reward_id": reward}, expect=202)
    day = str(bought["transaction"]["created_at"])[:10]
    window = {"start_date": day, "end_date": day, "resolution": "day"}
    rows = eventually(lambda: (lambda r: r if r and r[0]["points_unlocked"] == 5 else None)(
        client.get(f"{path}/reports/daily", params=window)["data"]), timeout=30)
    assert (rows[0]["points_locked"], rows[0]["points_unlocked"], rows[0]["points_spent"]) == (5, 5, 5)


def _earning_rule_reports(client: Client, program: str, member_id: str, rule: str, window: dict[str, str]) -> None:
    """The earning-rule reports: the paid order's rule applied once for the member, no failures; their typical errors."""
    member_path = f"{V2}/programs/{program}/members/{member_id}/earning-rules/{rule}/reports/daily"
    rows = eventually(lambda: client.get(member_path, params=window)["data"] or None, timeout=30)
    assert rows == [{"date": window["start_date"], "count": 1, "object": "earning_rule_daily_report"}]
    rules = f"{V2}/programs/{program}/reports/earning-rules"
    daily = client.get(f"{rules}/daily", params={**window, "filters[earning_rule_id][conditions][$is]": rule})
    assert [(r["earning_rule_id"], r["success_count"], r["failures_count"], r["failures_breakdown"], r["object"])
            for r in daily["data"]] == [(rule, 1, 0, {}, "program_earning_rules_daily_report")]
    summary = client.get(f"{rules}/summary")
    assert [(r["id"], r["earning_rule_id"], r["success_count"], r["object"]) for r in summary["data"]] == [
        (rule, rule, 1, "program_earning_rules_summary_report")]
    for route, params in ((member_path, {**window, "resolution": "year"}),
                          (f"{rules}/daily", {**window, "end_date": "2000-01-01"}),
                          (f"{rules}/summary", {"filters[earning_rule_id][conditions][$is]": "nope"})):
        status, body = client.request("GET", route, params=params)
        assert (status, body["key"]) == (400, "invalid_query_params"), body
    for route, params in ((member_path.replace(rule, "lern_0000000000000000000000"), window),
                          (f"{V2}/programs/lprg_0000000000000000000000/reports/earning-rules/daily", window),
                          (f"{V2}/programs/lprg_0000000000000000000000/reports/earning-rules/summary", None)):
        status, body = client.request("GET", route, params=params)
        assert (status, body["key"]) == (404, "not_found"), body


def _tier_reports(client: Client) -> None:
    """A member joins Bronze when enrolled and climbs to Silver: the stream consumer counts both tier transactions into
    the program's tier reports (the upgrade as a join of and an upgrade into Silver, and a leave of Bronze)."""
    tag = uuid.uuid4().hex[:8]
    cdef = client.post(f"{V2}/card-definitions", {"name": f"Tier report wallet {tag}", "type": "INDIVIDUAL", "status": "ACTIVE"})["id"]
    ts = client.post(f"{V2}/tier-structures", {"name": f"Reported levels {tag}", "type": "POINT_BALANCE",
                                               "point_balance": {"card_definition_id": cdef}})["id"]
    bronze = client.post(f"{V2}/tier-structures/{ts}/tiers", {"name": "Bronze", "qualification_rules": {
        "type": "POINTS", "points": {"min_value": 0, "max_value": 99}}})["id"]
    silver = client.post(f"{V2}/tier-structures/{ts}/tiers", {"name": "Silver", "qualification_rules": {
        "type": "POINTS", "points": {"min_value": 100}}})["id"]
    client.post(f"{V2}/tier-structures/{ts}/activate", None)
    rule = client.post(f"{V2}/earning-rules", {
        "name": f"Tier paid {tag}", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 1, "card_definition_id": cdef}}]}]})["id"]
    program = client.post(f"{V2}/programs", {"name": f"Tier reported {tag}", "status": "ACTIVE", "card_definitions": [{"id": cdef}],
                                            "earning_rules": [{"id": rule}], "tier_structures": [{"id": ts}]})["id"]
    customer = client.post("/v1/customers", {"source_id": f"e2e-tier-report-{tag}", "name": "Tia"})["id"]
    member = client.post(f"{V2}/programs/{program}/members", {"customer_id": customer})
    card = member["cards"][0]["card"]["id"]
    m = f"{V2}/programs/{program}/members/{member['id']}"
    eventually(lambda: client.get(f"{m}/tiers/transactions")["data"] or None, timeout=30)  # Bronze joined first
    client.post(f"{m}/cards/{card}/points", {"points": 150, "reason": "climb"})
    moves = eventually(lambda: (lambda d: d if len(d) == 2 else None)(client.get(f"{m}/tiers/transactions", params={"order": "created_at"})["data"]),
                       timeout=30)
    assert [t["type"] for t in moves] == ["JOINED", "UPGRADED"]
    day = moves[-1]["created_at"][:10]
    window = {"start_date": day, "end_date": day, "resolution": "day"}
    reports = f"{V2}/programs/{program}/reports/tiers"
    expected = {bronze: (1, 0, 1), silver: (1, 1, 0)}  # (joins, upgrades, lefts)

    def summary() -> dict[str, Any] | None:
        rows = client.get(f"{reports}/summary")["data"]
        got = {r["tier_id"]: (r["joins"], r["upgrades"], r["lefts"]) for r in rows}
        return {"data": rows} if got == expected else None

    rows = eventually(summary, timeout=30)["data"]
    assert all(r["id"].startswith("lptrs_") and r["tier_structure_id"] == ts and r["object"] == "program_tiers_summary_report"
               for r in rows)
    assert [r["id"] for r in rows] == sorted((r["id"] for r in rows), reverse=True)
    assert [r["id"] for r in client.get(f"{reports}/summary", params={"order": "id", "limit": "1"})["data"]] == [min(r["id"] for r in rows)]
    daily = client.get(f"{reports}/daily", params={**window, "filters[tier_id][conditions][$is]": silver})
    assert [(r["date"], r["tier_id"], r["joins"], r["upgrades"], r["downgrades"], r["lefts"], r["prolongs"], r["object"])
            for r in daily["data"]] == [(day, silver, 1, 1, 0, 0, 0, "program_tiers_daily_report")]
    for route, params in ((f"{reports}/daily", {**window, "resolution": "year"}),
                          (f"{reports}/daily", {"start_date": day}),
                          (f"{reports}/summary", {"limit": "0"}),
                          (f"{reports}/summary", {"order": "created_at"}),
                          (f"{reports}/summary", {"filters[tier_id][conditions][$is]": "nope"})):
        status, body = client.request("GET", route, params=params)
        assert (status, body["key"]) == (400, "invalid_query_params"), (route, params, body)
    for route, params in ((f"{V2}/programs/lprg_0000000000000000000000/reports/tiers/daily", window),
                          (f"{V2}/programs/lprg_0000000000000000000000/reports/tiers/summary", {})):
        status, body = client.request("GET", route, params=params)
        assert (status, body["key"]) == (404, "not_found"), body
