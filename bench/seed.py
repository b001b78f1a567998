"""Seeding realistic data fast: components and programs through the handlers, members in the repository's own item shapes
written with BatchWriteItem (no per-item transaction), several threads at a time."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, cast

import boto3
from botocore.config import Config

from bench.stack import BenchStack
from loyalty.cards import ledger
from loyalty.cards import store as cards_store
from loyalty.cards.records import CardTransaction
from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.ids import new_alnum_id
from loyalty.customers import store as customers_store
from loyalty.customers.records import Customer
from loyalty.db.table import Table
from loyalty.db.transact import Transaction
from loyalty.members import records as member_records
from loyalty.members import service as members
from loyalty.members import store as members_store
from loyalty.members.codes import generate_code
from loyalty.v1 import service as campaigns

V2 = "/v2/loyalties"
STARTING_POINTS = 1_000_000
REWARD_COST = 100
V1_CODE_PATTERN = "BC-########"


@dataclass(frozen=True)
class Member:
    """A seeded member with one card holding STARTING_POINTS (`code` is the card's code)."""

    program: str
    member: str
    card: str
    customer: str
    code: str


@dataclass
class World:
    """What the seed created, and pools of ids the benchmarks draw from (each drawn once)."""

    cdef: str
    rule: str
    rewards: list[str]
    programs: list[str]
    campaign: str
    v2_members: list[Member]
    v1_members: list[Member]
    fresh_customers: list[str]
    items_written: int = 0
    seconds: float = 0.0
    _cursors: dict[str, int] = field(default_factory=dict)

    @property
    def reward(self) -> str:
        """The reward the purchases buy (LIMITED stock, plenty of it)."""
        return self.rewards[0]

    def fixed(self) -> dict[str, str]:
        """Ids shared by every request (program, components, campaign)."""
        return {"program": self.programs[0], "cdef": self.cdef, "rule": self.rule, "reward": self.reward, "campaign": self.campaign}

    def _take(self, pool: str, items: list[Any]) -> Any:
        index = self._cursors.get(pool, 0)
        if index >= len(items):
            raise RuntimeError(f"the seed's {pool} pool is exhausted ({len(items)}): seed more")
        self._cursors[pool] = index + 1
        return items[index]

    def take_customer(self) -> str:
        """A customer who is a member of nothing yet."""
        return str(self._take("customers", self.fresh_customers))

    def take_member(self) -> Member:
        """A v2 member (of any program) nobody has used yet."""
        return self._take("v2", self.v2_members)

    def take_v1_member(self) -> Member:
        """A v1 campaign member nobody has used yet."""
        return self._take("v1", self.v1_members)


class _Collector:
    """Transactions built by the stores' own item builders, collected instead of sent: the seed reuses their exact item shapes."""

    def __init__(self, project_id: str, table: str) -> None:
        self.db = Table(project_id, table, cursor_secret="-" * 32)
        self.items: list[dict[str, Any]] = []

    def transaction(self) -> Transaction:
        return Transaction(None, self.db.name)

    def collect(self, tx: Transaction) -> None:
        for entry in tx.requests:
            if "Put" not in entry:
                raise ValueError(f"the seed only writes new items: {entry}")
            self.items.append(entry["Put"]["Item"])


class _Writer:
    """BatchWriteItem in chunks of 25 from a few threads (DynamoDB Local serves them in parallel)."""

    def __init__(self, stack: BenchStack, threads: int = 4) -> None:
        self.stack = stack
        self.threads = threads
        self._local = threading.local()

    def _client(self) -> Any:
        """One client per thread; credentials and region from the runtime's environment; no parameter validation (the
        repository built the items, and validating 25 nested items per request costs CPU the 2-core box lacks)."""
        if not hasattr(self._local, "client"):
            config = Config(parameter_validation=False, retries={"max_attempts": 5, "mode": "standard"})
            self._local.client = boto3.client("dynamodb", endpoint_url=self.stack.endpoints["dynamodb"], config=config)
        return self._local.client

    def _write(self, chunk: list[dict[str, Any]]) -> None:
        request = {self.stack.table: [{"PutRequest": {"Item": item}} for item in chunk]}
        while request:
            resp = self._client().batch_write_item(RequestItems=request)
            request = resp.get("UnprocessedItems") or {}
            if request:
                time.sleep(0.05)

    def write(self, items: list[dict[str, Any]]) -> None:
        chunks = [items[i:i + 25] for i in range(0, len(items), 25)]
        with ThreadPoolExecutor(self.threads) as pool:
            for _ in pool.map(self._write, chunks):
                pass


def _customer(source_id: str, now: str) -> Customer:
    """A customer record as customers.upsert() builds it."""
    return {"id": new_alnum_id("cust_"), "source_id": source_id, "name": f"Customer {source_id}", "description": None,
            "email": f"{source_id}@example.com", "phone": None, "birthdate": None, "birthday": None, "address": None,
            "metadata": {"segment": "bench"}, "created_at": now, "updated_at": None, "object": "customer"}


def _with_points(card: member_records.Card) -> member_records.Card:
    card.update({"added": STARTING_POINTS, "total": STARTING_POINTS, "balance": STARTING_POINTS})
    return card


def _member(out: _Collector, member: member_records.Member, card: member_records.Card, scope_id: str, code: str,
            credit: CardTransaction) -> None:
    """A member with its card, code claim and a settled credit, as the services write them in one transaction."""
    tx = out.transaction()
    members_store.add_member(tx, out.db, member, [card], scope_id=scope_id, codes=[code])
    cards_store.add_transaction(tx, out.db, credit)
    out.collect(tx)


def _v2_member(out: _Collector, program: str, cdef: dict[str, Any], customer: str, now: str) -> Member:
    """A member as members.create_member() builds it, its card code already generated and a welcome credit applied."""
    member = cast(member_records.Member, {"id": ids.MEMBER.new(), "customer_id": customer, "program_id": program, "status": "ACTIVE",
                                          "metadata": {}, "created_at": now, "updated_at": None, "object": "member"})
    code = generate_code(cdef["code_config"])
    card = _with_points(members.new_card(member["id"], program, cdef["id"], now, code=code, code_config=cdef["code_config"]))
    credit = ledger.card_transaction(card, "ADMIN_CREDIT", STARTING_POINTS, "Welcome bonus", "APPROVED")
    _member(out, member, card, program, code, credit)
    return Member(program, member["id"], card["id"], customer, code)


def _v1_member(out: _Collector, campaign: dict[str, Any], customer: str, now: str) -> Member:
    """A v1 campaign member (a published loyalty card) as campaigns.add_member() builds it."""
    member = cast(member_records.Member, {
        "id": ids.MEMBER.new(), "customer_id": customer, "program_id": campaign["id"], "status": "ACTIVE", "metadata": {},
        "publication": {"metadata": {}, "channel": "API", "source_id": None}, "created_at": now, "updated_at": None,
        "object": "member"})
    code = generate_code(campaign["voucher"]["code_config"])
    card = _with_points(campaigns._new_card(campaign, member["id"], customer, code, now))
    credit = ledger.card_transaction(card, "ADMIN_CREDIT", STARTING_POINTS, "Initial points", "APPROVED")
    _member(out, member, card, campaign["id"], code, credit)
    return Member(campaign["id"], member["id"], card["id"], customer, code)


def _components(stack: BenchStack, programs: int) -> tuple[dict[str, Any], str, list[str], list[str], dict[str, Any]]:
    cdef = stack.request("POST", f"{V2}/card-definitions", {
        "name": "Main wallet", "type": "INDIVIDUAL", "status": "ACTIVE", "code_config": {"prefix": "MW-", "length": 8}})
    rule = stack.request("POST", f"{V2}/earning-rules", {
        "name": "Order paid", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": cdef["id"]}}]}]})["id"]
    rewards = [stack.request("POST", f"{V2}/rewards", {
        "name": name, "type": "MATERIAL", "status": "ACTIVE",
        "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}},
        "costs": [{"spending": [{"points": REWARD_COST * (i + 1), "card_definition_id": cdef["id"]}]}]})["id"]
        for i, name in enumerate(("Coffee", "Mug"))]
    program_ids = [stack.request("POST", f"{V2}/programs", {
        "name": f"Program {i}", "status": "ACTIVE", "card_definitions": [{"id": cdef["id"]}], "earning_rules": [{"id": rule}],
        "rewards": [{"id": rewards[0], "stock": 10_000_000}, {"id": rewards[1]}], "metadata": {"region": f"r{i}"}})["id"]
        for i in range(programs)]
    campaign = stack.request("POST", "/v1/loyalties", {
        "name": "Bench loyalty", "type": "AUTO_UPDATE",
        "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}, "code_config": {"pattern": V1_CODE_PATTERN}}})
    return cdef, rule, rewards, program_ids, campaign


def seed(stack: BenchStack, *, v2_members: int = 8000, v1_members: int = 2000, programs: int = 4,
         fresh_customers: int = 1500) -> World:
    """Components, `programs` ACTIVE programs and one v1 campaign through the handlers; then customers (each a member
    of two programs) and members with their cards, code claims, list heads and a welcome credit, in bulk."""
    started = time.perf_counter()
    cdef, rule, rewards, program_ids, campaign = _components(stack, programs)
    now = now_iso()
    out = _Collector(stack.project, stack.table)
    enrolled = max(v2_members // 2, v1_members)
    customers = []
    for i in range(enrolled + fresh_customers):
        customer = _customer(f"bench-{i:06d}", now)
        tx = out.transaction()
        customers_store.add_customer(tx, out.db, customer)
        out.collect(tx)
        customers.append(customer["id"])
    seeded_v2 = [_v2_member(out, program_ids[(i + k) % programs], cdef, customers[i % enrolled], now)
                 for i, k in _enrolments(v2_members, enrolled)]
    seeded_v1 = [_v1_member(out, campaign, customers[i], now) for i in range(v1_members)]
    _Writer(stack).write(out.items)
    return World(cdef["id"], rule, rewards, program_ids, campaign["id"], seeded_v2, seeded_v1, customers[enrolled:],
                 items_written=len(out.items), seconds=time.perf_counter() - started)


def _enrolments(count: int, customers: int) -> Iterator[tuple[int, int]]:
    """(customer index, program offset): customer i joins programs i and i+1 (mod the number of programs)."""
    for n in range(count):
        yield n % customers, n // customers
