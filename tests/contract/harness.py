"""Contract-test harness: the per-test project on DynamoDB Local, handler instances per thread, concurrent runs, workers."""

from __future__ import annotations

import base64
import contextlib
import importlib.util
import itertools
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, TypeVar

from loyalty.api.auth import hash_token, new_key_pair
from loyalty.apikeys.store import put_api_key
from loyalty.cards import store as cards_store
from loyalty.cards.service import TRANSACTIONS
from loyalty.core.listing import ListQuery
from loyalty.db.codec import from_item
from loyalty.db.table import PendingJobs, Table
from loyalty.members import store as members_store
from tests import support

CURSOR_SECRET = "contract-cursor-secret-0123456789abcdef"
BASE = "/v2/loyalties"
SWEEPS = 2  # re-sends of lost jobs a drain makes, as the sweeper would (a job whose send failed under load)
T = TypeVar("T")
_instance_ids = itertools.count()


def handler_instance(op: str) -> ModuleType:
    """A fresh module of functions/<op>/app.py, standing for one Lambda execution environment of its own.

    A Powertools resolver (and the worker's BatchProcessor) keeps per-request state on itself, so threads that call a
    handler at the same time each need their own instance, as concurrent Lambda invocations each have their own process.
    One piece of that state is not per instance: `resolve()` stores the event in the class attribute
    `BaseRouter.current_event`, shared by every resolver in a process, so two threads resolving at once read each
    other's event (a debit was seen to run with a concurrent credit's body). Each instance here therefore also gets the
    event as an instance attribute, which every read (`app.current_event`) finds first: the per-process isolation
    Lambda gives, and nothing more. Like an execution environment, an instance serves one invocation at a time
    (`invoke` holds its lock): threads sharing one instance would overwrite each other's event (two orders posted at
    once through one instance were seen to create one order twice)."""
    spec = importlib.util.spec_from_file_location(f"fn_{op}_{next(_instance_ids)}", support.ROOT / "functions" / op / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module._environment = threading.Lock()  # type: ignore[attr-defined]
    app = getattr(module, "app", None)
    if app is not None:
        resolve = app.resolve

        def resolve_in_own_environment(event: dict[str, Any], context: Any) -> dict[str, Any]:
            app.current_event = app._to_proxy_event(event)
            app.lambda_context = context
            result: dict[str, Any] = resolve(event, context)
            return result

        app.resolve = resolve_in_own_environment
    return module


def invoke(module: ModuleType, event: dict[str, Any]) -> dict[str, Any]:
    """Call a handler module with an event, with the result passed through JSON like Lambda's; an instance made by
    handler_instance serves one call at a time."""
    with getattr(module, "_environment", None) or contextlib.nullcontext():
        result: dict[str, Any] = json.loads(json.dumps(module.handler(event, support.context(module.__name__))))
    return result


def call(module: ModuleType, method: str, path: str, headers: dict[str, str], body: Any = None) -> tuple[int, Any]:
    """An API handler over a v2.0 event: (status, parsed body)."""
    resp = invoke(module, support.http_event(method, path, body, headers))
    text = resp.get("body") or ""
    if resp.get("isBase64Encoded"):
        text = base64.b64decode(text).decode()
    return resp["statusCode"], json.loads(text) if text else None


def concurrently(calls: list[Callable[[], T]], timeout: float = 120.0) -> list[T]:
    """Run every call on its own thread, released together by a barrier; results in order (exceptions re-raised)."""
    barrier = threading.Barrier(len(calls))

    def run(fn: Callable[[], T]) -> T:
        barrier.wait(timeout)
        return fn()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, fn) for fn in calls]
        return [f.result(timeout=timeout) for f in futures]


@dataclass
class Contract:
    """One test's project on DynamoDB Local: its repository, clients, and the job queue its handlers send to."""

    project: str
    table: str
    ddb: Any
    sqs: Any
    queue_url: str
    dlq_url: str
    db: Table
    _headers: dict[str, str] = field(default_factory=dict)

    # ------------------------------------------------------------------ raw items
    def items(self, pk_prefix: str = "") -> list[dict[str, Any]]:
        """Every item of this project whose PK starts with `<project>#<pk_prefix>` (Scan; the contract table stays small)."""
        kwargs: dict[str, Any] = {"TableName": self.table, "FilterExpression": "begins_with(PK, :p)",
                                  "ExpressionAttributeValues": {":p": {"S": f"{self.project}#{pk_prefix}"}}}
        found: list[dict[str, Any]] = []
        while True:
            resp = self.ddb.scan(**kwargs)
            found += [from_item(i) for i in resp.get("Items", [])]
            if "LastEvaluatedKey" not in resp:
                return found
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def item(self, pk: str, sk: str) -> dict[str, Any] | None:
        """One raw item by its key (PK without the project prefix)."""
        resp = self.ddb.get_item(TableName=self.table, Key={"PK": {"S": f"{self.project}#{pk}"}, "SK": {"S": sk}}, ConsistentRead=True)
        return from_item(resp["Item"]) if "Item" in resp else None

    def delete(self, pk: str, sk: str) -> None:
        """Remove one item (to make a referenced component vanish)."""
        self.ddb.delete_item(TableName=self.table, Key={"PK": {"S": f"{self.project}#{pk}"}, "SK": {"S": sk}})

    def set_status(self, pk: str, sk: str, status: str) -> None:
        """Change an item's status attribute behind the API's back."""
        self.ddb.update_item(TableName=self.table, Key={"PK": {"S": f"{self.project}#{pk}"}, "SK": {"S": sk}},
                             UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "status"},
                             ExpressionAttributeValues={":s": {"S": status}})

    def pending_jobs(self) -> list[dict[str, Any]]:
        """This project's jobs still marked pending (the sweeper's view, any age: its Query of the project's entries)."""
        index = PendingJobs(self.project, self.table, self.ddb)
        jobs: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        while True:
            page, start = index.due(10**13 - 1, 100, start)
            jobs += [json.loads(job.body) for job in page]
            if start is None:
                return jobs

    # ------------------------------------------------------------------ API
    @property
    def headers(self) -> dict[str, str]:
        """An API key pair of this project (stored on first use)."""
        if not self._headers:
            app_id, token = new_key_pair(self.project)
            put_api_key(self.db, app_id, hash_token(token), "contract")
            self._headers = {"X-App-Id": app_id, "X-App-Token": token}
        return self._headers

    def call(self, op: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """One request through the session's shared instance of a handler (main thread only)."""
        return call(support.function(op), method, path, self.headers, body)

    def ok(self, op: str, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        status, data = self.call(op, method, path, body)
        assert status == expect, data
        return data

    # ------------------------------------------------------------------ the queue and its workers
    def queue_depth(self) -> int:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]
        attrs = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=names)["Attributes"]
        return sum(int(attrs.get(n, 0)) for n in names)

    def dlq_depth(self) -> int:
        attrs = self.sqs.get_queue_attributes(QueueUrl=self.dlq_url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"])

    def _drain_queue(self, workers: int, *, until: Callable[[], bool] | None, timeout: float) -> int:
        """Run `workers` worker instances on their own threads, like concurrent SQS-triggered invocations, until the
        queue is empty (and `until()` is true); each deletes what it completed, as the trigger does. Returns how many
        messages were completed."""
        modules = [handler_instance("process_jobs") for _ in range(workers)]
        done = [0] * workers
        deadline = time.monotonic() + timeout

        def finished() -> bool:
            return (until is None or until()) and self.queue_depth() == 0

        def work(index: int) -> None:
            while time.monotonic() < deadline:
                resp = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"],
                                                WaitTimeSeconds=0)
                messages = resp.get("Messages", [])
                if not messages:
                    if finished():
                        return
                    time.sleep(0.05)
                    continue
                result = invoke(modules[index], support.sqs_event(messages))
                failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
                entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages) if m["MessageId"] not in failed]
                if entries:
                    self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
                done[index] += len(entries)
            raise TimeoutError(f"the queue did not drain within {timeout:.0f} s (depth {self.queue_depth()})")

        concurrently([lambda i=i: work(i) for i in range(workers)], timeout=timeout + 10)
        return sum(done)

    def drain(self, workers: int = 1, *, until: Callable[[], bool] | None = None, timeout: float = 60.0) -> int:
        """Run the workers until the queue is empty (`_drain_queue`), then do what the sweeper does for this project:
        a job still marked pending once the queue is empty had its send fail (a request's send is best effort: under
        load an emulator can time out twice) and is sent again, and the queue drained again (at most SWEEPS times).
        Returns how many messages were completed."""
        completed = self._drain_queue(workers, until=until, timeout=timeout)
        for _ in range(SWEEPS):
            lost = self.pending_jobs()
            if not lost:
                break
            for job in lost:
                self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(job))
            completed += self._drain_queue(workers, until=until, timeout=timeout)
        return completed

    # ------------------------------------------------------------------ a v2 world through the handlers
    def build_program(self, *, cost: int = 100, stock: int | None = None) -> dict[str, str]:
        """An ACTIVE card definition, earning rule and reward (priced `cost`), and an ACTIVE program with that reward."""
        cdef = self.ok("create_card_definition", "POST", f"{BASE}/card-definitions",
                       {"name": "Main wallet", "type": "INDIVIDUAL", "status": "ACTIVE", "code_config": {"prefix": "CT-", "length": 8}})
        rule = self.ok("create_earning_rule", "POST", f"{BASE}/earning-rules", {
            "name": "Order paid", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
            "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": cdef["id"]}}]}]})
        reward = self.ok("create_reward", "POST", f"{BASE}/rewards", {
            "name": "Coffee", "type": "MATERIAL", "status": "ACTIVE",
            "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}},
            "costs": [{"spending": [{"points": cost, "card_definition_id": cdef["id"]}]}]})
        assignment: dict[str, Any] = {"id": reward["id"]}
        if stock is not None:
            assignment["stock"] = stock
        program = self.ok("create_program", "POST", f"{BASE}/programs", {
            "name": "VIP", "status": "ACTIVE", "card_definitions": [{"id": cdef["id"]}], "earning_rules": [{"id": rule["id"]}],
            "rewards": [assignment]})
        return {"cdef": cdef["id"], "rule": rule["id"], "reward": reward["id"], "program": program["id"]}

    def customer(self, source_id: str = "alice-1") -> str:
        return str(self.ok("create_customer", "POST", "/v1/customers", {"source_id": source_id, "name": "Alice"})["id"])

    def build_member(self, world: dict[str, str], points: int = 0) -> dict[str, str]:
        """A member of the world's program whose card holds `points`, with the worker idle."""
        member = self.ok("create_program_member", "POST", f"{BASE}/programs/{world['program']}/members",
                         {"customer_id": self.customer(f"src-{time.time_ns()}")})
        found = {**world, "member": member["id"], "card": member["cards"][0]["card"]["id"]}
        if points:
            self.ok("adjust_card_points", "POST", paths(found)["points"], {"points": points, "reason": "opening balance"})
        self.drain()
        return found

    def card(self, world: dict[str, str]) -> dict[str, Any]:
        """The card with its counters, straight from the repository."""
        card = members_store.get_card(self.db, world["member"], world["card"])
        assert card is not None
        return card

    def card_transactions(self, world: dict[str, str]) -> list[dict[str, Any]]:
        """Every transaction of the card, paging through the list with its cursors."""
        found: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = cards_store.list_card_transactions(self.db, world["program"], world["member"], world["card"], lq(100, cursor), TRANSACTIONS)
            assert page is not None
            found += page[0]
            if page[1] is None:
                return found
            cursor = page[1]["next"]


def paths(w: dict[str, str]) -> dict[str, str]:
    """The v2 paths of a world's program, member and card."""
    m = f"{BASE}/programs/{w['program']}/members/{w['member']}"
    return {"members": f"{BASE}/programs/{w['program']}/members", "member": m, "points": f"{m}/cards/{w['card']}/points",
            "purchase": f"{m}/rewards/purchases", "txs": f"{m}/cards/{w['card']}/transactions", "program": f"{BASE}/programs/{w['program']}"}


def lq(limit: int, cursor: str | None = None) -> ListQuery:
    """A list query in creation order, newest first."""
    return ListQuery(limit=limit, cursor=cursor)


BALANCE_FORMULA = {"total": 1, "subtracted": -1, "expired": -1, "spent": -1, "refunded": -1, "returned": 1, "locked": -1,
                   "unlocked": 1, "purchased_reversed": -1}


def assert_ledger(card: dict[str, Any], transactions: list[dict[str, Any]]) -> None:
    """The spec's balance formula over the card's counters, and the sum of its approved transactions (plus the points
    still locked by pending purchases) both give the stored balance."""
    assert card["balance"] == sum(sign * card[name] for name, sign in BALANCE_FORMULA.items())
    approved = sum(t["details"]["points"]["total"] for t in transactions if t["status"] == "APPROVED")
    locked = sum(t["details"]["points"]["total"] for t in transactions if t["status"] == "PENDING" and t["type"] == "POINTS_SPENT_ON_REWARD")
    assert card["balance"] == approved + locked
