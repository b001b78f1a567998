"""Concurrent pay-with-points payments on DynamoDB Local: the conditional write that locks the points (balance condition)
and counts the amount on the order never lets the payments together spend more than the card holds, nor pay more than the
order owes; the worker then spends exactly what was accepted."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.contract.harness import BASE, Contract, assert_ledger, call, concurrently, handler_instance
from tests.contract.test_concurrency import scaled


def payer(contract: Contract, *, points: int, amount: int) -> dict[str, str]:
    """A member whose card (paying at 1 point per cent) holds `points`, and an order of the member's customer worth `amount`."""
    cdef = contract.ok("create_card_definition", "POST", f"{BASE}/card-definitions", {
        "name": "Pay wallet", "type": "INDIVIDUAL", "status": "ACTIVE",
        "pay_with_points": {"type": "EXCHANGE_RATIO", "exchange_ratio": {"formula": 1}}})
    rule = contract.ok("create_earning_rule", "POST", f"{BASE}/earning-rules", {
        "name": "Order paid", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 0, "card_definition_id": cdef["id"]}}]}]})
    program = contract.ok("create_program", "POST", f"{BASE}/programs", {
        "name": "Payments", "status": "ACTIVE", "card_definitions": [{"id": cdef["id"]}], "earning_rules": [{"id": rule["id"]}]})
    customer = contract.customer(f"payer-{time.time_ns()}")
    member = contract.ok("create_program_member", "POST", f"{BASE}/programs/{program['id']}/members", {"customer_id": customer})
    card = member["cards"][0]["card"]["id"]
    m = f"{BASE}/programs/{program['id']}/members/{member['id']}"
    contract.ok("adjust_card_points", "POST", f"{m}/cards/{card}/points", {"points": points, "reason": "opening balance"})
    order = contract.ok("create_order", "POST", "/v1/orders", {"source_id": f"o-{time.time_ns()}", "amount": amount,
                                                                "customer": {"id": customer}})
    contract.drain()
    return {"program": program["id"], "member": member["id"], "card": card, "order": order["id"], "path": f"{m}/orders/payments"}


@pytest.mark.parametrize(("points", "amount"), [(300, 100_000), (100_000, 300)], ids=["card-bound", "order-bound"])
def test_concurrent_payments_never_overspend_the_card_nor_overpay_the_order(contract: Contract, points: int, amount: int) -> None:
    # Given a card and an order, one of which allows 300; and N payments of up to 60 points each at the same moment
    attempts = scaled(20)
    w = payer(contract, points=points, amount=amount)
    body = {"card_id": w["card"], "order": {"id": w["order"]}, "payment_limit": {"type": "POINTS_LIMIT", "points_limit": {"max": 60}}}
    handlers = [handler_instance("create_member_order_payment") for _ in range(attempts)]
    results: list[tuple[int, Any]] = concurrently([lambda h=h: call(h, "POST", w["path"], contract.headers, body) for h in handlers])

    # Then the accepted payments together take at most 300 (all of it when enough were sent); the others are refused
    accepted = [b["transaction"]["details"]["payment"]["points_spent"] for s, b in results if s == 202]
    refused = {(s, b["key"]) for s, b in results if s != 202}
    assert refused <= {(423, "zero_card_balance"), (423, "nothing_to_pay"), (409, "concurrent_modification")}, results
    assert sum(accepted) <= 300 and all(0 < p <= 60 for p in accepted)
    if attempts * 60 >= 300 and not refused & {(409, "concurrent_modification")}:
        assert sum(accepted) == 300
    otxs = contract.items(f"MBR#{w['member']}#OTX")
    assert len(otxs) == len(accepted) and all(o["status"] == "PENDING" for o in otxs)
    paid = contract.item(f"ORD#{w['order']}", "PAID_WITH_POINTS")
    assert paid is not None and paid["paid"] == sum(accepted)

    # When two workers run the jobs: exactly what was accepted is spent, once, and nothing is left pending
    contract.drain(workers=2)
    card = contract.card(w)
    assert (card["balance"], card["spent"], card["locked"], card["unlocked"]) == (points - sum(accepted), sum(accepted),
                                                                                 sum(accepted), sum(accepted))
    assert all(o["status"] == "APPROVED" for o in contract.items(f"MBR#{w['member']}#OTX"))
    assert_ledger(card, contract.card_transactions(w))
    assert contract.pending_jobs() == []
