"""Concurrency proofs on DynamoDB Local: many threads call the real handlers at once; nothing is overspent or doubled.

Each thread gets its own instance of the handler module, standing for its own Lambda execution environment (a Powertools
resolver is not thread-safe, and part of its state is process-global: see `harness.handler_instance`). Sizes are the
issue's; LOYALTY_PROOF_SCALE (a factor between 0.1 and 1, default 1) shrinks them."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections import Counter
from typing import Any

import pytest

from local.functions import LocalFunction
from local.template import load_template
from loyalty.members import store as members_store
from loyalty.purchases import store as purchases_store
from loyalty.purchases.service import PURCHASES
from tests import support
from tests.contract.harness import Contract, assert_ledger, call, concurrently, handler_instance, lq, paths
from tests.support import http_event

SCALE = min(max(float(os.environ.get("LOYALTY_PROOF_SCALE") or 1), 0.1), 1.0)


def scaled(n: int) -> int:
    """`n` times the proof scale, at least 2."""
    return max(2, round(n * SCALE))


def statuses(results: list[tuple[int, Any]]) -> Counter[tuple[int, str | None]]:
    return Counter((status, body.get("key") if status >= 400 else None) for status, body in results)


class BalanceWatch:
    """Samples a card's balance on a background thread while a proof runs: it must never be seen below zero."""

    def __init__(self, contract: Contract, world: dict[str, str]) -> None:
        self.contract, self.world = contract, world
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(self.contract.card(self.world)["balance"])
            self._stop.wait(0.01)

    def __enter__(self) -> BalanceWatch:
        self.samples.append(self.contract.card(self.world)["balance"])
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)
        self.samples.append(self.contract.card(self.world)["balance"])


def test_concurrent_purchases_never_overspend_a_card(contract: Contract) -> None:
    # Given a card holding ten times the price of an (unlimited) reward
    purchases, price = scaled(50), 100
    affordable = purchases // 5
    world = contract.build_member(contract.build_program(cost=price), points=affordable * price)
    path, headers = paths(world)["purchase"], contract.headers
    handlers = [handler_instance("purchase_member_reward") for _ in range(purchases)]

    # When `purchases` requests to buy it arrive at the same moment
    with BalanceWatch(contract, world) as watch:
        results = concurrently([lambda h=h: call(h, "POST", path, headers, {"reward_id": world["reward"]}) for h in handlers])

    # Then exactly as many as the balance covers are accepted; the rest are refused with 423
    assert statuses(results) == {(202, None): affordable, (423, "insufficient_card_balance"): purchases - affordable}
    card = contract.card(world)
    assert (card["balance"], card["locked"], card["spent"]) == (0, affordable * price, 0)
    assert min(watch.samples) >= 0
    assert len(contract.items(f"MBR#{world['member']}#RTX")) == affordable

    # When two workers complete them, every accepted purchase is spent once and the card ends at zero
    with BalanceWatch(contract, world) as watch:
        contract.drain(workers=2)
    assert min(watch.samples) >= 0
    card = contract.card(world)
    assert (card["balance"], card["spent"], card["locked"], card["unlocked"]) == (0, affordable * price, affordable * price, affordable * price)
    txs = contract.card_transactions(world)
    assert Counter((t["type"], t["status"]) for t in txs) == {("POINTS_SPENT_ON_REWARD", "APPROVED"): affordable, ("ADMIN_CREDIT", "APPROVED"): 1}
    assert_ledger(card, txs)
    assert contract.pending_jobs() == []


def test_concurrent_purchases_never_oversell_limited_stock(contract: Contract) -> None:
    # Given a reward with a limited stock and a card that could pay for every attempt
    attempts, price = scaled(20), 100
    stock = max(1, attempts // 4)
    world = contract.build_member(contract.build_program(cost=price, stock=stock), points=attempts * price)
    path, headers = paths(world)["purchase"], contract.headers
    handlers = [handler_instance("purchase_member_reward") for _ in range(attempts)]

    # When more purchases than the stock arrive at the same moment
    results = concurrently([lambda h=h: call(h, "POST", path, headers, {"reward_id": world["reward"]}) for h in handlers])

    # Then exactly the stock is sold; the rest are refused as out of stock, and only the sold ones lock points
    assert statuses(results) == {(202, None): stock, (423, "reward_out_of_stock"): attempts - stock}
    assignment = contract.item(f"PRG#{world['program']}", f"A#REWARD#{world['reward']}")
    assert assignment is not None and assignment["stock_quantity"] == 0
    assert contract.card(world)["locked"] == stock * price

    # When the worker completes them: all approved, stock 0, redeemed = stock, points spent once each
    contract.drain(workers=2)
    assignment = contract.item(f"PRG#{world['program']}", f"A#REWARD#{world['reward']}")
    assert assignment is not None and (assignment["stock_quantity"], assignment["redeemed"]) == (0, stock)
    program = contract.ok("get_program", "GET", paths(world)["program"])
    assert program["rewards"][0]["stock"] == 0
    page = purchases_store.list_member_reward_purchases(contract.db, world["program"], world["member"], lq(100, None), PURCHASES)
    assert page is not None and Counter(p["status"] for p in page[0]) == {"APPROVED": stock}
    card = contract.card(world)
    assert (card["balance"], card["spent"]) == ((attempts - stock) * price, stock * price)
    assert_ledger(card, contract.card_transactions(world))
    assert contract.pending_jobs() == []


def test_concurrent_enrolments_of_one_customer_make_one_member(contract: Contract) -> None:
    # Given an ACTIVE program and one customer
    attempts = scaled(20)
    world = contract.build_program()
    customer = contract.customer("bob-1")
    path, headers = paths({**world, "member": "-", "card": "-"})["members"], contract.headers
    handlers = [handler_instance("create_program_member") for _ in range(attempts)]

    # When the customer is enrolled by `attempts` requests at once
    results = concurrently([lambda h=h: call(h, "POST", path, headers, {"customer_id": customer}) for h in handlers])

    # Then one request creates the member; every other one answers 409 member_already_exists
    assert statuses(results) == {(200, None): 1, (409, "member_already_exists"): attempts - 1}
    member = next(body for status, body in results if status == 200)
    members = [i for i in contract.items("MBR#") if i["SK"] == "MEMBER"]
    assert [m["data"]["id"] for m in members] == [member["id"]]
    claims = [i for i in contract.items(f"CUST#{customer}") if i["SK"] == f"MSHIP#{world['program']}"]
    assert [(c["member_id"], c["card_ids"]) for c in claims] == [(member["id"], [member["cards"][0]["card"]["id"]])]
    cards = [i for i in contract.items("MBR#") if i["SK"].startswith("CARD#")]
    assert len(cards) == 1

    # And the worker gives the one card its code
    contract.drain()
    found = members_store.get_member_with_cards(contract.db, member["id"])
    assert found is not None and found[1][0]["code"].startswith("CT-")
    assert contract.pending_jobs() == []


def test_concurrent_credits_and_debits_keep_the_ledger(contract: Contract) -> None:
    # Given a card holding 100 points
    credits, debits = scaled(30), scaled(30)
    world = contract.build_member(contract.build_program(), points=100)
    path, headers = paths(world)["points"], contract.headers
    calls = [lambda h=handler_instance("adjust_card_points"): call(h, "POST", path, headers, {"points": 10, "reason": "credit"})
             for _ in range(credits)]
    calls += [lambda h=handler_instance("adjust_card_points"): call(h, "POST", path, headers, {"points": -7, "reason": "debit"})
              for _ in range(debits)]
    results: list[tuple[int, Any]] = []
    submitted = threading.Event()

    def submit() -> None:
        try:
            results.extend(concurrently(calls))
        finally:
            submitted.set()

    # When credits of +10 and debits of -7 are all submitted at once, while three workers drain the queue concurrently
    with BalanceWatch(contract, world) as watch:
        submitter = threading.Thread(target=submit)
        submitter.start()
        contract.drain(workers=3, until=submitted.is_set)
        submitter.join(30)

    # Then every credit is accepted; a debit is accepted unless the balance read at request time could not cover it
    answers = statuses(results)
    assert answers[(200, None)] >= credits and set(answers) <= {(200, None), (423, "insufficient_card_balance")}
    asked = [10] * credits + [-7] * debits
    assert all(body["transaction"]["details"]["points"]["total"] == points for points, (status, body) in zip(asked, results, strict=True)
               if status == 200), "every answer is about its own request"
    accepted_debits = answers[(200, None)] - credits

    # And every transaction is settled (none PENDING), the counters are the sum of the approved ones, the balance never dipped below zero
    txs = contract.card_transactions(world)
    by_status = Counter((t["type"], t["status"]) for t in txs)
    assert {status for _, status in by_status} <= {"APPROVED", "REJECTED"}
    assert sum(by_status.values()) == 1 + credits + accepted_debits
    assert by_status[("ADMIN_CREDIT", "APPROVED")] == 1 + credits
    assert by_status[("ADMIN_DEBIT", "APPROVED")] + by_status[("ADMIN_DEBIT", "REJECTED")] == accepted_debits
    assert all(t["details"]["rejection"]["reason"] == "insufficient_card_balance" for t in txs if t["status"] == "REJECTED")
    card = contract.card(world)
    assert card["added"] == card["total"] == 100 + 10 * credits
    assert card["subtracted"] == 7 * by_status[("ADMIN_DEBIT", "APPROVED")]
    assert card["balance"] == card["added"] - card["subtracted"] >= 0
    assert min(watch.samples) >= 0
    assert_ledger(card, txs)
    assert contract.pending_jobs() == [] and contract.dlq_depth() == 0


def test_concurrent_v1_debits_each_answer_the_balance_they_made(contract: Contract) -> None:
    # Given a v1 loyalty card holding 500 points
    debits = scaled(20)
    campaign = contract.ok("create_loyalty_program_v1", "POST", "/v1/loyalties", {
        "name": "Concurrent v1", "type": "AUTO_UPDATE",
        "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 500}, "code_config": {"pattern": "CV-########"}}})
    customer = contract.customer("v1-concurrent")
    card = contract.ok("add_member_v1", "POST", f"/v1/loyalties/{campaign['id']}/members", {"customer": customer})
    path = f"/v1/loyalties/{campaign['id']}/members/{card['code']}/balance"
    calls = [lambda h=handler_instance("update_loyalty_card_balance_v1"): call(h, "POST", path, contract.headers, {"points": -100})
             for _ in range(debits)]

    # When `debits` requests to take 100 points arrive at once, each in its own execution environment
    results = concurrently(calls)

    # Then five are accepted and the rest refused, and each accepted answer carries the balance its own write produced:
    # the five answers are 400, 300, 200, 100 and 0, each once (never the balance after someone else's write)
    accepted = sorted((body["balance"] for status, body in results if status == 200), reverse=True)
    assert accepted == [400, 300, 200, 100, 0][:min(debits, 5)], results
    assert all(body["total"] == 500 for status, body in results if status == 200)
    assert set(statuses(results)) <= {(200, None), (423, "insufficient_card_balance")}
    voucher = contract.ok("get_member_v1", "GET", f"/v1/loyalties/{campaign['id']}/members/{card['code']}")
    assert voucher["loyalty_card"]["balance"] == 500 - 100 * len(accepted)


def test_two_functions_of_one_local_runtime_process_keep_their_own_requests(contract: Contract, monkeypatch: pytest.MonkeyPatch) -> None:
    # Powertools keeps the current event in a class attribute (BaseRouter.current_event) shared by every resolver of a
    # process, so the local runtime, which loads every function into one process, must never run two handlers at once.
    # Given two functions loaded the way the local runtime loads them, into this one process
    world = contract.build_program()
    template = load_template(support.ROOT / "template.yaml")
    get_program, get_reward = (LocalFunction(template.functions[name]) for name in ("GetProgramFunction", "GetRewardFunction"))
    get_program.load()
    get_reward.load()
    program_app, reward_app = sys.modules["fn_GetProgramFunction"].app, sys.modules["fn_GetRewardFunction"].app
    inside_program, reward_ran, overlapped = threading.Event(), threading.Event(), threading.Event()
    resolve_program, resolve_reward = program_app._resolve, reward_app._resolve

    def program_resolve_that_lingers() -> Any:
        # the thread is preempted right after resolve() stored its event, long enough for another request to start
        inside_program.set()
        if reward_ran.wait(0.5):
            overlapped.set()
        return resolve_program()

    def reward_resolve() -> Any:
        reward_ran.set()
        return resolve_reward()

    monkeypatch.setattr(program_app, "_resolve", program_resolve_that_lingers)
    monkeypatch.setattr(reward_app, "_resolve", reward_resolve)
    answer: list[dict[str, Any]] = []
    program_request = http_event("GET", f"/v2/loyalties/programs/{world['program']}", None, contract.headers)
    first = threading.Thread(target=lambda: answer.append(get_program.invoke(program_request)))

    # When a request to the other function arrives in the meantime
    first.start()
    assert inside_program.wait(10)
    other = get_reward.invoke(http_event("GET", f"/v2/loyalties/rewards/{world['reward']}", None, contract.headers))
    first.join(10)

    # Then it waited for the first to finish, and both requests got their own answer
    assert not overlapped.is_set()
    assert other["statusCode"] == 200 and json.loads(other["body"])["id"] == world["reward"]
    assert answer[0]["statusCode"] == 200, answer[0]["body"]
    assert json.loads(answer[0]["body"])["id"] == world["program"]


def test_concurrent_v1_transfers_from_one_source_card_never_overdraw_it(contract: Contract) -> None:
    # Given a v1 source card holding 500 points (200 of them expiring) and `n` target cards of other customers
    transfers = scaled(20)
    campaign = contract.ok("create_loyalty_program_v1", "POST", "/v1/loyalties", {
        "name": "Concurrent transfers", "type": "AUTO_UPDATE",
        "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}, "code_config": {"pattern": "CT-########"}}})
    members = f"/v1/loyalties/{campaign['id']}/members"
    source = contract.ok("add_member_v1", "POST", members, {"customer": contract.customer("transfer-source")})
    contract.ok("update_loyalty_card_balance_v1", "POST", f"{members}/{source['code']}/balance", {"points": 300})
    contract.ok("update_loyalty_card_balance_v1", "POST", f"{members}/{source['code']}/balance",
                {"points": 200, "expiration_date": "2099-12-31"})
    targets = [contract.ok("add_member_v1", "POST", members, {"customer": contract.customer(f"transfer-target-{i}")})["code"]
               for i in range(transfers)]
    calls = [lambda h=handler_instance("transfer_points_v1"), code=code: call(
        h, "POST", f"{members}/{code}/transfers", contract.headers, [{"code": source["code"], "points": 100}]) for code in targets]

    # When each target asks for 100 of the source's points at once, each in its own execution environment
    results = concurrently(calls)

    # Then exactly five transfers succeed, the rest are refused for the balance, and the points add up on both sides
    assert set(statuses(results)) <= {(200, None), (423, "insufficient_card_balance")}, results
    accepted = [body for status, body in results if status == 200]
    assert len(accepted) == min(transfers, 5)
    voucher = contract.ok("get_member_v1", "GET", f"{members}/{source['code']}")
    assert voucher["loyalty_card"]["balance"] == 500 - 100 * len(accepted) >= 0
    assert voucher["loyalty_card"]["next_expiration_points"] == 0  # the expiring 200 went first
    received = sum(contract.ok("get_member_v1", "GET", f"{members}/{code}")["loyalty_card"]["balance"] for code in targets)
    assert received == 100 * len(accepted)
    out = contract.ok("list_loyalty_card_transactions_by_code_v1", "GET", f"/v1/loyalties/members/{source['code']}/transactions")
    assert sum(1 for t in out["data"] if t["type"] == "POINTS_TRANSFER_OUT") == len(accepted)
