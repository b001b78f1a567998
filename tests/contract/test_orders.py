"""Orders on DynamoDB Local: concurrent copies of one new PAID order create one order, one customer and one EvaluateEarning
job (the losers of the source-id claims read again and take the update path); concurrent cancels of a paid order store one
RevokeOrderEarning; the store's conditions and the list's Queries hold on real DynamoDB semantics."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.customers import service as customers
from loyalty.customers import store as customers_store
from loyalty.db.transact import TransactionConflict
from loyalty.jobs.models import EvaluateEarning, RevokeOrderEarning
from loyalty.orders import store as orders_store
from tests.contract.harness import Contract, call, concurrently, handler_instance
from tests.contract.test_concurrency import scaled, statuses

PAID = {"source_id": "o-race", "status": "PAID", "amount": 3500, "customer": {"source_id": "c-race", "name": "Racer"},
        "items": [{"product_id": "prod_0a1b", "quantity": 1, "price": 3500}]}


def _orders(contract: Contract) -> list[dict[str, Any]]:
    return [i for i in contract.items("ORD#") if i["SK"] == "ORDER"]


def _sent(contract: Contract) -> list[str]:
    bodies: list[str] = []
    while True:
        messages = contract.sqs.receive_message(QueueUrl=contract.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=60).get("Messages", [])
        if not messages:
            return bodies
        bodies += [m["Body"] for m in messages]


def test_concurrent_copies_of_a_new_paid_order_make_one_order_one_customer_and_one_earning_job(contract: Contract) -> None:
    # Given `copies` handler environments about to post the same new PAID order of a new customer
    copies = scaled(20)
    handlers = [handler_instance("create_order") for _ in range(copies)]

    # When they post it at the same moment
    results = concurrently([lambda h=h: call(h, "POST", "/v1/orders", contract.headers, PAID) for h in handlers])

    # Then every copy is answered 200 with the same order and customer
    assert statuses(results) == {(200, None): copies}, [b for s, b in results if s != 200][:3]
    assert len({body["id"] for _, body in results}) == 1 and len({body["customer_id"] for _, body in results}) == 1
    order_id = results[0][1]["id"]
    # And one order, one source-id claim, one customer (with one claim) were stored
    assert [o["data"]["id"] for o in _orders(contract)] == [order_id]
    assert [i["order_id"] for i in contract.items("ORDSRC#")] == [order_id]
    assert len([i for i in contract.items("CUST#") if i["SK"] == "CUSTOMER"]) == 1 and len(contract.items("CUSTSRC#")) == 1
    # And exactly one EvaluateEarning job was stored and sent
    job = EvaluateEarning(project_id=contract.project, source="order", source_id=order_id).to_json()
    assert [i.get("job") for i in _orders(contract)] == [job]
    assert [j["type"] for j in contract.pending_jobs()] == ["evaluate_earning"]
    assert _sent(contract) == [job]


def test_concurrent_cancels_of_a_paid_order_store_one_revoke_job(contract: Contract) -> None:
    order = contract.ok("create_order", "POST", "/v1/orders", PAID)
    _sent(contract)
    copies = scaled(10)
    handlers = [handler_instance("update_order") for _ in range(copies)]

    results = concurrently([lambda h=h: call(h, "PUT", "/v1/orders/o-race", contract.headers, {"status": "CANCELED"})
                            for h in handlers])

    assert statuses(results) == {(200, None): copies}
    revoke = RevokeOrderEarning(project_id=contract.project, order_id=order["id"]).to_json()
    (stored,) = _orders(contract)
    assert stored["job"] == revoke and stored["canceled_at"] and stored["paid_at"]
    assert _sent(contract) == [revoke]


def test_the_store_conditions_and_the_list_on_dynamodb_local(contract: Contract) -> None:
    db = contract.db
    # A customer never updated has a NULL updated_at: the conditional update of the order write reads it as such
    created = customers_store.get_customer(db, contract.customer("nulls-1"))
    assert created is not None and created["updated_at"] is None
    changed = customers.patched(created, {"name": "N"})
    assert changed is not None
    tx = db.transaction()
    customers_store.add_customer_update(tx, db, changed, None)
    tx.commit()
    tx = db.transaction()
    customers_store.add_customer_update(tx, db, changed, None)  # it was updated since: refused
    with pytest.raises(TransactionConflict) as refused:
        tx.commit()
    assert refused.value.failed("customer")
    # Orders listed by created_at (client-set or not) and updated_at, with the total counted
    for i in range(5):
        contract.ok("create_order", "POST", "/v1/orders", {"source_id": f"l-{i}", "created_at": f"2026-01-0{5 - i}T00:00:00Z"})
    page, total = orders_store.list_orders(db, page=2, limit=2, field="created_at", descending=False)
    assert [o["source_id"] for o in page] == ["l-2", "l-1"] and total == 5
    page, total = orders_store.list_orders(db, page=1, limit=100, field="updated_at", descending=True)
    assert len(page) == total == 5
    # A version that moved refuses the write
    order = orders_store.get_order(db, page[0]["id"])
    assert order is not None and order["version"] == 1
    data = {k: v for k, v in order.items() if k not in orders_store.INTERNAL}
    orders_store.save_order(db, data, version=1)  # type: ignore[arg-type]
    with pytest.raises(TransactionConflict) as moved:
        orders_store.save_order(db, data, version=1)  # type: ignore[arg-type]
    assert moved.value.failed("order")
