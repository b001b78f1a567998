"""Members in tiers (issue 8): a member joins the tier of zero points when enrolled, moves up and down as its tracked
card's points change (the table's stream re-evaluates it, no extra request on the points change), is re-evaluated by
the daily job when a tier expires, leaves its tier when deleted; tier transactions are listed; memberships carry
tier_progress; tier rules gate earning; replays change nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from loyalty.earning.buckets import add_period
from loyalty.earning.records import Order
from loyalty.points import service as points
from loyalty.tiering import service as tiering
from tests.integration.conftest import Stack
from tests.integration.test_tiers import make_tier
from tests.integration.test_v2_journey import make_customer, make_member

BASE = "/v2/loyalties"
MONTH = {"type": "FIXED_DURATION", "fixed_duration": {"period": {"unit": "MONTH", "value": 1}}}


def tiered_world(stack: Stack, *, expiration: dict[str, Any] | None = None, gated_rule: bool = False) -> dict[str, Any]:
    """An ACTIVE program whose ACTIVE tier structure follows its card's balance: Bronze 0-99, Silver 100-499, Gold 500+
    (MULTI_LEVEL downgrades); an enrolled customer. With `gated_rule`, its earning rule gives 50 points to Silver members only."""
    code, cdef = stack.call("create_card_definition", "POST", f"{BASE}/card-definitions",
                            {"name": "Main", "type": "INDIVIDUAL", "status": "ACTIVE"})
    assert code == 200, cdef
    body: dict[str, Any] = {"name": "Levels", "type": "POINT_BALANCE", "point_balance": {"card_definition_id": cdef["id"]},
                            "downgrade": {"type": "MULTI_LEVEL"}}
    if expiration:
        body["expiration"] = expiration
    code, ts = stack.call("create_tier_structure", "POST", f"{BASE}/tier-structures", body)
    assert code == 200, ts
    tiers = {name: make_tier(stack, ts["id"], name, low, high)["id"]
             for name, low, high in (("Bronze", 0, 99), ("Silver", 100, 499), ("Gold", 500, None))}
    code, _ = stack.call("activate_tier_structure", "POST", f"{BASE}/tier-structures/{ts['id']}/activate")
    assert code == 200
    earnings: list[dict[str, Any]] = [{"effects": [{"type": "POINTS", "points": {"value": 1, "card_definition_id": cdef["id"]}}]}]
    if gated_rule:
        earnings = [{"tier_rules": {"type": "ANY_OF", "any_of": [{"tier_structure_id": ts["id"], "tier_ids": [tiers["Silver"]]}]},
                     "effects": [{"type": "POINTS", "points": {"value": 50, "card_definition_id": cdef["id"]}}]}]
    code, rule = stack.call("create_earning_rule", "POST", f"{BASE}/earning-rules", {
        "name": "Order paid", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"}, "earnings": earnings})
    assert code == 200, rule
    code, program = stack.call("create_program", "POST", f"{BASE}/programs", {
        "name": "Club", "status": "ACTIVE", "card_definitions": [{"id": cdef["id"]}], "earning_rules": [{"id": rule["id"]}],
        "tier_structures": [{"id": ts["id"]}]})
    assert code == 200, program
    customer = make_customer(stack, "alice-tiers")
    member = make_member(stack, program["id"], customer)
    stack.drain()
    return {"program": program["id"], "member": member["id"], "card": member["cards"][0]["card"]["id"], "cdef": cdef["id"],
            "ts": ts["id"], "tiers": tiers, "customer": customer}


def adjust(stack: Stack, w: dict[str, Any], points_: int) -> None:
    code, body = stack.call("adjust_card_points", "POST", f"{BASE}/programs/{w['program']}/members/{w['member']}/cards/{w['card']}/points",
                            {"points": points_, "reason": "test"})
    assert code == 200, body
    stack.drain()


def tier_transactions(stack: Stack, w: dict[str, Any], **query: str) -> dict[str, Any]:
    code, page = stack.call("list_member_tier_transactions", "GET", f"{BASE}/programs/{w['program']}/members/{w['member']}/tiers/transactions",
                            query={"order": "created_at", "limit": "100", **query})
    assert code == 200, page
    return page


def moves(stack: Stack, w: dict[str, Any]) -> list[tuple[str, str | None, str | None, str]]:
    """(type, tier_from name, tier_to name, origin) of every tier transaction, oldest first."""
    names = {v: k for k, v in w["tiers"].items()}
    return [(t["type"], names.get(t["details"]["tier_from"]), names.get(t["details"]["tier_to"]), t["details"]["origin"]["type"])
            for t in tier_transactions(stack, w)["data"]]


def progress(stack: Stack, w: dict[str, Any]) -> dict[str, Any]:
    code, body = stack.call("get_program_membership", "GET", f"{BASE}/programs/{w['program']}/memberships/{w['customer']}")
    assert code == 200, body
    return body["cards"][0]["tier_progress"]


def test_a_member_joins_moves_up_and_down_with_its_balance(stack: Stack) -> None:
    # Given an enrolled member: it joined Bronze when its card was created
    w = tiered_world(stack)
    assert moves(stack, w) == [("JOINED", None, "Bronze", "member_card_created")]
    # When 120 points are added, then it is Silver at once, with Gold 380 points away
    adjust(stack, w, 120)
    assert moves(stack, w)[1:] == [("UPGRADED", "Bronze", "Silver", "card_operations")]
    got = progress(stack, w)
    assert got["current"]["tier"] == {"id": w["tiers"]["Silver"], "name": "Silver"}
    assert got["current"]["points"] == {"current": 120, "min": 100, "max": 499} and got["current"]["expires_at"] is None
    assert got["opportunities"] == [{"valid_until": None, "tier": {"id": w["tiers"]["Gold"], "name": "Gold"}, "points": 380}]
    assert got["risks"] == [] and got["tier_structure"] == {"id": w["ts"], "object": "tier_structure"}
    # When 500 more arrive and 580 are taken back, it passes Gold and drops straight to Bronze (MULTI_LEVEL)
    adjust(stack, w, 500)
    adjust(stack, w, -580)
    assert moves(stack, w)[2:] == [("UPGRADED", "Silver", "Gold", "card_operations"), ("DOWNGRADED", "Gold", "Bronze", "card_operations")]
    listed = tier_transactions(stack, w)["data"]
    assert [t["details"]["points"] for t in listed] == [0, 120, 620, 40]
    assert all(t["status"] == "APPROVED" and t["object"] == "tier_transaction" and t["card_id"] == w["card"] for t in listed)
    # Re-evaluating again (a replayed stream record) and points changes inside a tier write no transaction
    assert tiering.re_evaluate(stack.db(), w["member"], w["card"], origin="card_operations") is None
    adjust(stack, w, 10)
    assert len(tier_transactions(stack, w)["data"]) == 4


def test_tier_transactions_are_listed_newest_first_with_cursors_and_filters(stack: Stack) -> None:
    w = tiered_world(stack)
    adjust(stack, w, 150)
    adjust(stack, w, 400)
    path = f"{BASE}/programs/{w['program']}/members/{w['member']}/tiers/transactions"
    code, first = stack.call("list_member_tier_transactions", "GET", path, query={"limit": "2"})
    assert code == 200 and [t["type"] for t in first["data"]] == ["UPGRADED", "UPGRADED"]
    assert first["data"][0]["details"]["tier_to"] == w["tiers"]["Gold"] and first["cursor"]["next"].startswith("lcrsttx_")
    code, second = stack.call("list_member_tier_transactions", "GET", path, query={"limit": "2", "cursor": first["cursor"]["next"]})
    assert code == 200 and [t["type"] for t in second["data"]] == ["JOINED"] and second["cursor"] is None
    code, none = stack.call("list_member_tier_transactions", "GET", path, query={"filters[card_id][conditions][$is]": "lcrd_00000000000000000a"})
    assert code == 200 and none["data"] == []


def test_a_fixed_duration_tier_holds_through_a_drop_until_the_daily_job_re_evaluates_it(stack: Stack) -> None:
    w = tiered_world(stack, expiration=MONTH)
    adjust(stack, w, 150)
    adjust(stack, w, -140)
    # The tier holds (FIXED_DURATION), with the downgrade shown as a risk on its expiry day
    got = progress(stack, w)
    expiry = got["current"]["expires_at"][:10]
    assert got["current"]["tier"]["name"] == "Silver" and got["current"]["points"]["current"] == 10
    assert expiry == add_period(date.fromisoformat(got["current"]["start_at"][:10]), {"unit": "MONTH", "value": 1}).isoformat()
    assert got["risks"] == [{"type": "TIER_DOWNGRADE", "date": f"{expiry}T00:00:00.000Z", "tier": {"id": w["tiers"]["Bronze"], "name": "Bronze"}}]
    db = stack.db()
    # The day before the expiry nothing is due; on the day the member drops to Bronze, once
    before = (date.fromisoformat(expiry) - timedelta(days=1)).isoformat()
    assert tiering.run_daily(db, before) == {"tiers_evaluated": 0, "tier_changes": 0}
    assert tiering.run_daily(db, expiry) == {"tiers_evaluated": 1, "tier_changes": 1}
    assert tiering.run_daily(db, expiry)["tier_changes"] == 0
    assert moves(stack, w)[-1] == ("DOWNGRADED", "Silver", "Bronze", "daily_task_operations")
    # Bronze (no maximum reached again) has its own month; a member still qualifying is PROLONGED
    adjust(stack, w, 200)
    got = progress(stack, w)
    assert got["current"]["tier"]["name"] == "Silver"
    again = got["current"]["expires_at"][:10]
    assert tiering.run_daily(db, again)["tier_changes"] == 1
    assert moves(stack, w)[-1] == ("PROLONGED", None, "Silver", "daily_task_operations")


def test_a_deleted_member_leaves_its_tier(stack: Stack) -> None:
    w = tiered_world(stack)
    adjust(stack, w, 120)
    code, _ = stack.call("delete_program_member", "DELETE", f"{BASE}/programs/{w['program']}/members/{w['member']}")
    assert code == 200
    stack.drain()
    assert moves(stack, w)[-1] == ("LEFT", "Silver", None, "member_card_deleted")


def test_tier_rules_gate_earning_on_the_member_s_current_tier(stack: Stack) -> None:
    w = tiered_world(stack, gated_rule=True)
    db = stack.db()

    def earned(order_id: str) -> int:
        points.earn(db, w["customer"], order_id, order=Order(id=order_id, amount=1000))
        stack.drain()
        code, card = stack.call("get_program_member", "GET", f"{BASE}/programs/{w['program']}/members/{w['member']}")
        assert code == 200, card
        return int(card["cards"][0]["card"]["balance"]["points"])

    # A Bronze member earns nothing from a Silver-only earning; once Silver, it earns 50
    assert earned("ord_00000000000000000a") == 0
    adjust(stack, w, 100)
    points.SETUPS.clear()
    assert earned("ord_00000000000000000b") == 150
