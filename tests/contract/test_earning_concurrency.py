"""Earning under concurrency on DynamoDB Local: many different PAID orders of one member at once earn exactly their sum,
settled by several workers at once; many copies of one PAID order earn once; the card's ledger always explains its
counters."""

from __future__ import annotations

from typing import Any

from loyalty.points import service as points
from tests.contract.harness import Contract, assert_ledger, call, concurrently, handler_instance
from tests.contract.test_concurrency import scaled, statuses


def _order(customer_id: str, source_id: str, amount: int = 1000) -> dict[str, Any]:
    return {"source_id": source_id, "status": "PAID", "amount": amount, "customer": {"id": customer_id},
            "items": [{"product_id": "prod_0a1b", "quantity": 1, "price": amount}]}


def _customer_of(contract: Contract, world: dict[str, str]) -> str:
    status, member = contract.call("get_program_member", "GET", f"/v2/loyalties/programs/{world['program']}/members/{world['member']}")
    assert status == 200, member
    return str(member["customer_id"])


def test_many_different_paid_orders_at_once_earn_exactly_their_sum(contract: Contract) -> None:
    # Given a member whose program's rule gives 10 points per paid order
    world = contract.build_member(contract.build_program())
    customer = _customer_of(contract, world)
    points.SETUPS.clear()
    orders = scaled(100)
    handlers = [handler_instance("create_order") for _ in range(min(orders, 20))]

    # When `orders` different PAID orders are posted at once, and four workers settle them at once
    results = concurrently([lambda i=i: call(handlers[i % len(handlers)], "POST", "/v1/orders", contract.headers,
                                             _order(customer, f"o-many-{i}")) for i in range(orders)])
    assert statuses(results) == {(200, None): orders}
    contract.drain(workers=4)

    # Then the card holds exactly their sum, one POINTS_EARNED per order, and the ledger explains the counters
    card = contract.card(world)
    transactions = contract.card_transactions(world)
    assert card["balance"] == 10 * orders and card["earned"] == 10 * orders
    assert [t["type"] for t in transactions].count("POINTS_EARNED") == orders
    assert len({t["details"]["metadata"]["event_id"] for t in transactions}) == orders
    assert_ledger(card, transactions)


def test_copies_of_one_paid_order_at_once_earn_once(contract: Contract) -> None:
    world = contract.build_member(contract.build_program())
    customer = _customer_of(contract, world)
    points.SETUPS.clear()
    copies = scaled(20)
    handlers = [handler_instance("create_order") for _ in range(copies)]
    results = concurrently([lambda h=h: call(h, "POST", "/v1/orders", contract.headers, _order(customer, "o-copies")) for h in handlers])
    assert statuses(results) == {(200, None): copies}
    contract.drain(workers=4)
    card = contract.card(world)
    assert card["balance"] == 10 and [t["type"] for t in contract.card_transactions(world)] == ["POINTS_EARNED"]
