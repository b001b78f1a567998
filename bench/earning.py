"""Earning figures of issue 7: orders earned per second by one worker (batches of 10) against the same number of minimal
boto3 writes, and the daily job's time per 10,000 due buckets."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bench.buckets import card_ref, seed_pending
from bench.stack import BenchStack
from loyalty.db.table import Table
from loyalty.points import service as points

V2 = "/v2/loyalties"


@dataclass(frozen=True)
class EarningThroughput:
    """One worker evaluating `orders` PAID-order jobs in batches of 10, and plain boto3 writing the same number of minimal
    earning transactions (claim + card transaction + card counters)."""

    orders: int
    worker_per_s: float
    boto3_per_s: float
    batch_ms: float

    @property
    def ratio(self) -> float:
        """Time per order earned ÷ time per minimal earning TransactWriteItems."""
        return round(self.boto3_per_s / self.worker_per_s, 2)


@dataclass(frozen=True)
class DailyRun:
    """The daily job settling `buckets` due pending buckets (one activation each) in one run."""

    buckets: int
    seconds: float

    @property
    def seconds_per_10k(self) -> float:
        return round(self.seconds * 10_000 / self.buckets, 1)


def _world(stack: BenchStack, members: int) -> tuple[str, list[str]]:
    """A card definition, a 1 point per 1.00 order rule, an ACTIVE program and `members` members: (program, customers)."""
    tag = uuid.uuid4().hex[:8]
    cdef = stack.request("POST", f"{V2}/card-definitions", {"name": f"Earn bench {tag}", "type": "INDIVIDUAL", "status": "ACTIVE"})["id"]
    rule = stack.request("POST", f"{V2}/earning-rules", {
        "name": "Order paid", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS_PROPORTIONAL", "points_proportional": {
            "calculation_type": "PRE_DISCOUNT_ORDER_AMOUNT", "card_definition_id": cdef, "order": {"amount": {"every": 100, "value": 1}}}}]}]})["id"]
    program = stack.request("POST", f"{V2}/programs", {"name": f"Earn bench {tag}", "status": "ACTIVE", "card_definitions": [{"id": cdef}],
                                                       "earning_rules": [{"id": rule}]})["id"]
    customers = []
    for i in range(members):
        customer = stack.request("POST", "/v1/customers", {"source_id": f"earn-bench-{tag}-{i}"})["id"]
        stack.request("POST", f"{V2}/programs/{program}/members", {"customer_id": customer})
        customers.append(customer)
    stack.take_jobs()  # the card code jobs
    return program, customers


def earning_throughput(stack: BenchStack, orders: int = 200) -> EarningThroughput:
    """Orders earned per second by one warm worker (its program setup cached), against boto3 writing one minimal
    earning TransactWriteItems per order."""
    _, customers = _world(stack, min(orders, 50))
    tag = uuid.uuid4().hex[:8]
    for i in range(orders):
        stack.request("POST", "/v1/orders", {"source_id": f"earn-{tag}-{i}", "status": "PAID", "amount": 2500,
                                             "customer": {"id": customers[i % len(customers)]}})
    bodies = stack.take_jobs()
    if len(bodies) != orders:
        raise RuntimeError(f"expected {orders} earning jobs, got {len(bodies)}")
    worker = stack.events.worker
    stack.invoke(worker, stack.events.sqs(bodies[:1]))  # warm: the program's setup is read once and cached
    started = time.perf_counter()
    batches = 0
    for i in range(1, len(bodies), 10):
        result = stack.invoke(worker, stack.events.sqs(bodies[i:i + 10]))
        if result.get("batchItemFailures"):
            raise RuntimeError(f"the worker failed a batch: {result}")
        batches += 1
    worker_s = time.perf_counter() - started
    client = stack.client("dynamodb")
    started = time.perf_counter()
    for i in range(orders - 1):
        _minimal_earning_write(client, stack.table, stack.project, i)
    boto3_s = time.perf_counter() - started
    return EarningThroughput(orders - 1, round((orders - 1) / worker_s, 1), round((orders - 1) / boto3_s, 1),
                             round(worker_s * 1000 / batches, 1))


def _minimal_earning_write(client: Any, table: str, project: str, i: int) -> None:
    """What earning one order must write at the least: its claim (only if absent), the card transaction, the card's counters."""
    card = f"{project}#MBR#lmbr_bench{i % 50}"
    client.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": {"PK": {"S": f"{project}#EARN#ord_bench{i}"}, "SK": {"S": "E#claim"},
                                               "points": {"N": "25"}}, "ConditionExpression": "attribute_not_exists(PK)"}},
        {"Put": {"TableName": table, "Item": {"PK": {"S": f"{project}#CARD#lcrd_bench{i % 50}"}, "SK": {"S": f"CTX#lctx_bench{i}"},
                                               "status": {"S": "APPROVED"}, "data": {"M": {"type": {"S": "POINTS_EARNED"}}}}}},
        {"Update": {"TableName": table, "Key": {"PK": {"S": card}, "SK": {"S": "CARD#bench"}},
                    "UpdateExpression": "ADD earned :n, #t :n, balance :n", "ExpressionAttributeNames": {"#t": "total"},
                    "ExpressionAttributeValues": {":n": {"N": "25"}}}},
    ])


def daily_run(stack: BenchStack, buckets: int = 2000) -> DailyRun:
    """Seed `buckets` pending buckets due on one day (spread over 100 cards) and time the daily job settling them."""
    db = Table(stack.project, stack.table, cursor_secret="-" * 32, client=stack.client("dynamodb"))
    day = (date.today() + timedelta(days=3650)).isoformat()  # a day no other bucket of the bench is due on
    cards = [card_ref(f"lcrd_daily{n:04x}", f"lmbr_daily{n:04x}", "lprg_daily", "lcdef_daily") for n in range(100)]
    for card in cards:
        db.put(db.keys.card(card["member_id"], card["id"]), {"data": {**card, "created_at": "2026-01-01T00:00:00.000Z"}, "balance": 0,
                                                             "pending_total": 0, "pending_activated": 0, "pending_canceled": 0,
                                                             "total": 0, "earned": 0}, condition=None)
    for i in range(buckets):
        seed_pending(db, cards[i % len(cards)], 10, day)
    started = time.perf_counter()
    summary = points.run_daily(db, day)
    seconds = time.perf_counter() - started
    if summary["activated"] < buckets:
        raise RuntimeError(f"the daily job activated {summary['activated']} of {buckets} buckets")
    return DailyRun(buckets, round(seconds, 2))
