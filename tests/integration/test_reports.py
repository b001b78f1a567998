"""The v2 reports on moto: real card transactions (a points adjustment, a reward purchase, an order's earning) are counted
by the stream consumer into daily aggregates, and each report equals a brute-force recount of the card's transactions;
replaying the stream counts nothing more; bad ranges answer 400 and another project sees 404."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from loyalty.core.clock import now_iso
from tests import support
from tests.integration.conftest import Stack
from tests.integration.test_v2_journey import BASE, credit, make_components, make_customer, make_member, make_program


def report_world(stack: Stack) -> dict[str, Any]:
    """A member who got 500 points, bought a 100-point reward and earned 10 points from a PAID order, all settled."""
    ids = make_components(stack, cost=100)
    program = make_program(stack, ids)["id"]
    customer = make_customer(stack)
    member = make_member(stack, program, customer)
    card = member["cards"][0]["card"]["id"]
    credit(stack, program, member["id"], card, 500)
    stack.drain()
    status, body = stack.call("purchase_member_reward", "POST", f"{BASE}/programs/{program}/members/{member['id']}/rewards/purchases",
                              {"reward_id": ids["reward"]})
    assert status == 202, body
    status, body = stack.call("create_order", "POST", "/v1/orders", {"source_id": "o-1", "status": "PAID", "amount": 5000,
                                                                      "customer": {"id": customer}})
    assert status == 200, body
    stack.drain()
    return {"program": program, "member": member["id"], "card": card, "cdef": ids["cdef"], "rule": ids["rule"],
            "day": now_iso()[:10]}


def card_path(w: dict[str, Any]) -> str:
    return f"{BASE}/programs/{w['program']}/members/{w['member']}/cards/{w['card']}"


def window(w: dict[str, Any], resolution: str = "day") -> dict[str, str]:
    return {"start_date": w["day"], "end_date": w["day"], "resolution": resolution}


def get(stack: Stack, name: str, path: str, query: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Any:
    status, body = stack.call(name, "GET", path, query=query, headers=headers)
    assert status == 200, body
    return body


def recount(stack: Stack, w: dict[str, Any]) -> tuple[dict[str, int], dict[str, tuple[int, int]]]:
    """The card's counters and the program's earnings per rule, counted from the APPROVED transactions themselves."""
    txs = get(stack, "list_card_transactions", f"{card_path(w)}/transactions", {"limit": "100"})["data"]
    card: dict[str, int] = defaultdict(int)
    rules: dict[str, tuple[int, int]] = {}
    for tx in txs:
        if tx["type"] == "POINTS_SPENT_ON_REWARD":  # written PENDING (locked), then settled (unlocked)
            card["points_locked"] += abs(tx["details"]["points"]["total"])
            card["points_unlocked"] += abs(tx["details"]["points"]["total"]) if tx["status"] != "PENDING" else 0
        if tx["status"] != "APPROVED":
            continue
        points = tx["details"]["points"]["total"]
        card["points_total"] += points
        family = {"ADMIN_CREDIT": "points_added", "POINTS_EARNED": "points_earned", "POINTS_SPENT_ON_REWARD": "points_spent"}[tx["type"]]
        card[family] += abs(points)
        if tx["type"] == "POINTS_EARNED":
            rule = tx["details"]["metadata"]["earning_rule_id"]
            count, total = rules.get(rule, (0, 0))
            rules[rule] = (count + 1, total + points)
    return dict(card), rules


def reports(stack: Stack, w: dict[str, Any]) -> tuple[Any, Any, Any]:
    program = f"{BASE}/programs/{w['program']}/reports/points-earnings"
    return (get(stack, "get_member_card_daily_report", f"{card_path(w)}/reports/daily", window(w)),
            get(stack, "get_program_points_earnings_daily_report", f"{program}/daily", window(w)),
            get(stack, "get_program_points_earnings_summary_report", f"{program}/summary"))


def test_the_reports_equal_a_recount_of_the_transactions_and_a_replayed_stream_counts_nothing(stack: Stack) -> None:
    w = report_world(stack)
    card, rules = recount(stack, w)
    assert card == {"points_total": 410, "points_added": 500, "points_spent": 100, "points_earned": 10, "points_locked": 100,
                    "points_unlocked": 100}
    assert rules == {w["rule"]: (1, 10)}
    daily, earnings, summary = reports(stack, w)
    assert daily["object"] == "report" and len(daily["data"]) == 1
    row = daily["data"][0]
    assert row["date"] == w["day"] and row["object"] == "card_daily_report"
    assert {k: v for k, v in row.items() if isinstance(v, int) and v} == card
    assert [(r["date"], r["earning_rule_id"], r["card_definition_id"], r["success_count"], r["points"], r["pending_points"])
            for r in earnings["data"]] == [(w["day"], w["rule"], w["cdef"], 1, 10, 0)]
    assert [(r["earning_rule_id"], r["success_count"], r["points"], r["object"]) for r in summary["data"]] == [
        (w["rule"], 1, 10, "program_points_earnings_summary_report")]
    for resolution in ("week", "month", "quarter"):
        folded = get(stack, "get_member_card_daily_report", f"{card_path(w)}/reports/daily", window(w, resolution))["data"]
        assert [r["points_total"] for r in folded] == [410] and folded[0]["date"] == w["day"]
    # Given every stream record delivered again (a fresh position at the stream's start), When drained, Then nothing changes
    replay = support.stream_poller(function=support.CARD_TRANSACTIONS)
    assert support.drain_stream(replay) > 0
    assert reports(stack, w) == (daily, earnings, summary)
    # And each approved transaction left one marker, and the purchase's lock one more
    markers = [i for i in stack.items() if i["SK"]["S"] == "AGG" and "#AGG#RULE" not in i["PK"]["S"]]
    assert len(markers) == 4 and all("expires_at" in i for i in markers)
    assert [i["PK"]["S"].endswith("#LOCK") for i in markers].count(True) == 1


def test_the_longest_ranges_are_accepted(stack: Stack) -> None:
    w = report_world(stack)
    for start, end, resolution in (("2026-01-01", "2026-03-31", "day"), ("2026-01-05", "2026-03-29", "week"),
                                   ("2026-01-01", "2026-12-31", "month"), ("2026-01-01", "2026-12-31", "quarter")):
        get(stack, "get_member_card_daily_report", f"{card_path(w)}/reports/daily",
            {"start_date": start, "end_date": end, "resolution": resolution})


def test_the_spending_reports_count_reward_purchases_and_order_payments(stack: Stack) -> None:
    from tests.integration.test_order_payments import pay, payments_world

    w = report_world(stack)
    paying = payments_world(stack, ratio=2, amount=1000, balance=300)  # 2 cents a point: 100 points pay 200 cents
    status, resp = pay(stack, paying, payment_limit={"type": "POINTS_LIMIT", "points_limit": {"max": 100}}, mode="TRANSACTION")
    assert status == 202, resp
    stack.drain()
    day = window(w)
    spending = get(stack, "get_program_spending_daily_report", f"{BASE}/programs/{w['program']}/reports/spending/daily", day)["data"]
    assert [(r["date"], r["card_definition_id"], r["success"], r["success_on_reward"], r["points"], r["points_on_rewards"],
             r["object"]) for r in spending] == [(w["day"], w["cdef"], 1, 1, 100, 100, "spending_daily_report")]
    paid = get(stack, "get_program_spending_summary_report", f"{BASE}/programs/{paying['program']}/reports/spending/summary")["data"]
    assert [(r["card_definition_id"], r["success"], r["success_on_order"], r["points_on_order"], r["amount_on_order"], r["object"])
            for r in paid] == [(paying["cdef"], 1, 1, 100, resp["transaction"]["details"]["payment"]["amount"], "spending_summary_report")]
    assert resp["transaction"]["details"]["payment"]["amount"] == 200
    status, body = stack.call("get_program_spending_summary_report", "GET", f"{BASE}/programs/{w['program']}/reports/spending/summary",
                              query={"filters[card_definition_id][conditions][$is]": "lcdef_0123456789abcdef01"})
    assert (status, body["data"]) == (200, [])
