"""Spend and tiers over HTTP against the local runtime (issue 8): a member joins the first tier when enrolled, earns its
way up from a paid order, buys a reward (fulfilled by the worker), refunds it, and drops a tier when the tracking period
turns (the clock moved by running the daily tier work for the first day of the next period). test_conformance.py
validates each recorded exchange against the Voucherify reference."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from tests.e2e import conformance
from tests.e2e.conftest import SERVED, Client
from tests.support import eventually, served_tier_day

V2 = "/v2/loyalties"


def test_buy_fulfil_refund_and_tier_up_and_down(client: Client) -> None:
    drive_member_tiers(client)


def _next_month_start(today: date) -> str:
    return date(today.year + today.month // 12, today.month % 12 + 1, 1).isoformat()


def drive_member_tiers(client: Client) -> dict[str, Any]:
    """The journey (test_conformance.py runs it when this module did not)."""
    conformance.DRIVEN.add("member_tiers")
    tag = uuid.uuid4().hex[:8]
    post, get = client.post, client.get
    cdef = post(f"{V2}/card-definitions", {"name": f"Tier wallet {tag}", "type": "INDIVIDUAL", "status": "ACTIVE"})["id"]
    rule = post(f"{V2}/earning-rules", {
        "name": f"1 point per 1.00 {tag}", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS_PROPORTIONAL", "points_proportional": {
            "calculation_type": "PRE_DISCOUNT_ORDER_AMOUNT", "card_definition_id": cdef, "order": {"amount": {"every": 100, "value": 1}}}}]}]})["id"]
    reward = post(f"{V2}/rewards", {"name": f"Tote {tag}", "type": "MATERIAL", "status": "ACTIVE", "refunds": {"type": "REFUNDABLE"},
                                    "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}},
                                    "costs": [{"spending": [{"points": 100, "card_definition_id": cdef}]}]})["id"]
    ts = post(f"{V2}/tier-structures", {"name": f"Monthly {tag}", "type": "POINT_EARNED", "downgrade": {"type": "MULTI_LEVEL"},
                                        "point_earned": {"card_definition_id": cdef, "period": {"unit": "MONTH", "value": 1},
                                                         "type": "IMMEDIATELY"}})["id"]
    tiers = {name: post(f"{V2}/tier-structures/{ts}/tiers", {"name": name, "qualification_rules": {"type": "POINTS", "points": span}})["id"]
             for name, span in (("Bronze", {"min_value": 0, "max_value": 99}), ("Silver", {"min_value": 100}))}
    post(f"{V2}/tier-structures/{ts}/activate")
    program = post(f"{V2}/programs", {"name": f"Tiered {tag}", "status": "ACTIVE", "card_definitions": [{"id": cdef}],
                                      "earning_rules": [{"id": rule}], "rewards": [{"id": reward, "stock": 5}],
                                      "tier_structures": [{"id": ts}]})["id"]
    customer = post("/v1/customers", {"source_id": f"tiers-{tag}"})["id"]
    member = post(f"{V2}/programs/{program}/members", {"customer_id": customer})
    m = f"{V2}/programs/{program}/members/{member['id']}"
    card = f"{m}/cards/{member['cards'][0]['card']['id']}"

    def tier_moves() -> list[tuple[str, str | None]]:
        names = {v: k for k, v in tiers.items()}
        page = get(f"{m}/tiers/transactions", params={"order": "created_at"})
        return [(t["type"], names.get(t["details"]["tier_to"])) for t in page["data"]]

    def tier_now() -> str | None:
        progress = get(f"{V2}/programs/{program}/memberships/{customer}")["cards"][0]["tier_progress"]
        return progress["current"]["tier"]["name"] if progress["current"] else None

    # Enrolled: Bronze at once (origin member_card_created)
    eventually(lambda: tier_moves() == [("JOINED", "Bronze")])
    # A paid order of 150.00 earns 150 points in this month: Silver
    post("/v1/orders", {"source_id": f"order-{tag}", "status": "PAID", "amount": 15000, "customer": {"id": customer}})
    eventually(lambda: tier_moves()[1:] == [("UPGRADED", "Silver")])
    assert tier_now() == "Silver"
    # Buying a reward spends 100 points (fulfilled: the product in the result); spending does not lower earned points
    post(f"{m}/rewards/purchases", {"reward_id": reward}, expect=202)
    eventually(lambda: get(f"{m}/rewards/purchases")["data"][0]["status"] == "APPROVED")
    bought = get(f"{m}/rewards/purchases")["data"][0]
    result = bought["details"]["result"]
    assert result["reward"] == {"id": reward, "type": "MATERIAL"} and result["material"]["product"]["id"] == "prod_0ba649b6893cf33a80"
    eventually(lambda: get(m)["cards"][0]["card"]["balance"]["points"] == 50)
    assert tier_now() == "Silver"
    # Refunded: the points come back
    post(f"{V2}/programs/{program}/rewards/purchases/{bought['id']}/refund", {}, expect=202)
    eventually(lambda: get(m)["cards"][0]["card"]["balance"]["points"] == 150)
    # The month turns: nothing earned in the new period, so the daily tier work drops the member to Bronze
    first = _next_month_start(date.today())
    project = str(client.session.headers["X-App-Id"]).split(".", 1)[0]
    assert served_tier_day(SERVED[client.base_url], first, project)["tier_changes"] >= 1
    assert tier_moves()[-1] == ("DOWNGRADED", "Bronze")
    origins = [t["details"]["origin"]["type"] for t in get(f"{m}/tiers/transactions", params={"order": "created_at"})["data"]]
    assert origins == ["member_card_created", "card_operations", "daily_task_operations"]
    conformance.expect(client, "GET", f"{V2}/programs/{program}/members/lmbr_0123456789abcdef01/tiers/transactions", None, 404, "not_found")
    assert get(f"{card}/transactions")["data"]
    return {"program": program, "member": member["id"]}
