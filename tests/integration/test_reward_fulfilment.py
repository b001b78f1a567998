"""Reward fulfilment on moto: a LOYALTY_CARD_POINTS purchase spends on one card and credits the target card in the same
transaction (never one without the other), and rewards this server cannot deliver (coupons, gift vouchers) are refused
wherever they would be stored, assigned or bought."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.exceptions import ClientError

from loyalty.components import store as components
from loyalty.db import clients
from tests import support
from tests.integration.conftest import Stack, error_of
from tests.integration.test_v2_journey import BASE, credit, make_customer, make_member
from tests.integration.test_worker import receive_all

ROLLING_3M = {"type": "ROLLING_EXPIRATION", "rolling_expiration": {"period": {"value": 3, "unit": "MONTH"}}}
COUPON = {"type": "DISCOUNT_COUPONS", "discount_coupons": {"campaign_id": "camp_1"}}
GIFT = {"type": "GIFT_VOUCHERS", "gift_vouchers": {"campaign_id": "camp_2", "balance": 1000}}


def ok(stack: Stack, name: str, method: str, path: str, body: Any = None, query: dict[str, str] | None = None) -> Any:
    status, resp = stack.call(name, method, path, body, query=query)
    assert status in (200, 202), resp
    return resp


def cdef(stack: Stack, name: str, expiration: dict[str, Any] | None = None) -> str:
    body: dict[str, Any] = {"name": name, "type": "INDIVIDUAL", "status": "ACTIVE"}
    if expiration:
        body["points_expiration"] = expiration
    return str(ok(stack, "create_card_definition", "POST", f"{BASE}/card-definitions", body)["id"])


def points_reward(stack: Stack, spend_on: str, credit_to: str, *, cost: int = 100, points: int = 40) -> str:
    return str(ok(stack, "create_reward", "POST", f"{BASE}/rewards", {
        "name": "Miles", "type": "DIGITAL", "status": "ACTIVE",
        "digital": {"type": "LOYALTY_CARD_POINTS", "loyalty_card_points": {"points": points, "card_definition_id": credit_to}},
        "costs": [{"spending": [{"points": cost, "card_definition_id": spend_on}]}]})["id"])


def program(stack: Stack, cdefs: list[str], rewards: list[str]) -> str:
    """An ACTIVE program (with an earning rule on the first card definition, as an ACTIVE program needs one)."""
    rule = ok(stack, "create_earning_rule", "POST", f"{BASE}/earning-rules", {
        "name": "Order paid", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": cdefs[0]}}]}]})
    body: dict[str, Any] = {"name": "VIP", "status": "ACTIVE", "card_definitions": [{"id": c} for c in cdefs],
                            "earning_rules": [{"id": rule["id"]}]}
    if rewards:
        body["rewards"] = [{"id": r} for r in rewards]
    return str(ok(stack, "create_program", "POST", f"{BASE}/programs", body)["id"])


def cards(stack: Stack, program_id: str, member_id: str) -> dict[str, dict[str, Any]]:
    """The member's cards by card definition."""
    member = ok(stack, "get_program_member", "GET", f"{BASE}/programs/{program_id}/members/{member_id}")
    return {c["card"]["card_definition_id"]: c["card"] for c in member["cards"]}


def transactions(stack: Stack, w: dict[str, Any], card_id: str) -> list[dict[str, Any]]:
    path = f"{BASE}/programs/{w['program']}/members/{w['member']}/cards/{card_id}/transactions"
    return list(ok(stack, "list_card_transactions", "GET", path, query={"limit": "100"})["data"])


def ledger(stack: Stack, w: dict[str, Any], card: dict[str, Any]) -> dict[str, Any]:
    """The card's counters, after checking that its balance equals the spec's formula and the sum of its APPROVED
    transactions (plus the points a PENDING purchase holds)."""
    p = card["lifetime_bucket"]["points"]
    formula = (p["total"] - p["subtracted"] - p["expired"] - p["spent"] - p["refunded"] + p["returned"] - p["locked"]
               + p["unlocked"] - p["purchased_reversed"])
    txs = transactions(stack, w, card["id"])
    settled = sum(t["details"]["points"]["total"] for t in txs if t["status"] == "APPROVED"
                  or (t["status"] == "PENDING" and t["type"] == "POINTS_SPENT_ON_REWARD"))
    assert card["balance"]["points"] == formula == settled
    return dict(p)


def world(stack: Stack, *, same_card: bool = False, enrolled_in_target: bool = True) -> dict[str, Any]:
    """A member holding 300 points on wallet A, and a reward that costs 100 points of A and credits 40 points to the
    member's card of wallet B (whose points expire after 3 months), or to A itself with `same_card`."""
    a = cdef(stack, "Wallet A", ROLLING_3M if same_card else None)
    b = a if same_card else cdef(stack, "Wallet B", ROLLING_3M)
    reward = points_reward(stack, a, b)
    prog = program(stack, [a] if same_card or not enrolled_in_target else [a, b], [reward])
    member = make_member(stack, prog, make_customer(stack))
    w = {"program": prog, "member": member["id"], "reward": reward, "a": a, "b": b}
    credit(stack, prog, member["id"], cards(stack, prog, member["id"])[a]["id"], 300)
    stack.drain()
    return w


def purchase_path(w: dict[str, Any]) -> str:
    return f"{BASE}/programs/{w['program']}/members/{w['member']}/rewards/purchases"


def purchase(stack: Stack, w: dict[str, Any]) -> dict[str, Any]:
    status, resp = stack.call("purchase_member_reward", "POST", purchase_path(w), {"reward_id": w["reward"]})
    assert status == 202, resp
    return dict(resp["transaction"])


def assert_delivered(stack: Stack, w: dict[str, Any], spend: dict[str, Any]) -> None:
    """The spend of 100 on A and the credit of 40 on B happened once each, and are linked to each other."""
    by_cdef = cards(stack, w["program"], w["member"])
    source, target = by_cdef[w["a"]], by_cdef[w["b"]]
    a, b = ledger(stack, w, source), ledger(stack, w, target)
    assert (source["balance"]["points"], a["spent"], a["locked"], a["unlocked"]) == (200, 100, 100, 100)
    assert (target["balance"]["points"], b["purchased"], b["total"]) == (40, 40, 40)
    [bought] = [t for t in transactions(stack, w, target["id"]) if t["type"] == "POINTS_PURCHASED"]
    [spent] = [t for t in transactions(stack, w, source["id"]) if t["type"] == "POINTS_SPENT_ON_REWARD"]
    assert spent["id"] == spend["id"] and spent["status"] == "APPROVED"
    assert spent["details"]["target_card"] == {"id": target["id"]}
    assert spent["details"]["purchase_transaction"] == {"id": bought["id"]}
    assert bought["status"] == "APPROVED" and bought["card_id"] == target["id"] and bought["card_definition_id"] == w["b"]
    d = bought["details"]
    assert d["reward"] == {"id": w["reward"]} and d["card_transaction"] == {"id": spend["id"]}
    assert d["reward_transaction"] == spend["details"]["reward_transaction"]
    assert d["points"]["total"] == 40 and d["points"]["expiration_type"] == "ROLLING_EXPIRATION" and d["points"]["expiration_date"]
    # The points sit in the target card's bucket of their expiration date, and the card shows it as its next expiration
    card_path = f"{BASE}/programs/{w['program']}/members/{w['member']}/cards/{target['id']}"
    [bucket] = ok(stack, "list_card_expiring_points", "GET", f"{card_path}/expiring-points")["data"]
    assert (bucket["points"]["total"], bucket["expiration_date"]) == (40, d["points"]["expiration_date"])
    assert target["next_expiration"] == {"points": 40, "date": d["points"]["expiration_date"]}
    # The purchase's result records the crediting (RewardPurchaseResult.digital.loyalty_card_points)
    [rtx] = ok(stack, "list_member_reward_purchases", "GET", purchase_path(w))["data"]
    assert rtx["status"] == "APPROVED"
    assert rtx["details"]["result"] == {"reward": {"id": w["reward"], "type": "DIGITAL"}, "quantity": 1, "material": None,
                                        "digital": {"type": "LOYALTY_CARD_POINTS", "loyalty_card_points": {
                                            "points": 40, "card_definition_id": w["b"], "card_id": target["id"]}}}


def test_a_points_reward_spends_on_one_card_and_credits_the_target_card(stack: Stack) -> None:
    w = world(stack)
    spend = purchase(stack, w)
    assert spend["type"] == "POINTS_SPENT_ON_REWARD"
    stack.drain()
    assert_delivered(stack, w, spend)


def test_a_points_reward_crediting_the_card_it_spends_from_moves_its_counters_once(stack: Stack) -> None:
    # Given a reward priced on wallet A that credits wallet A, and the points of A in one bucket (earned today, as the credit)
    w = world(stack, same_card=True)
    purchase(stack, w)
    stack.drain()
    card = cards(stack, w["program"], w["member"])[w["a"]]
    p = ledger(stack, w, card)
    # Then 100 spent and 40 purchased: 300 - 100 + 40, in the one bucket both moved
    assert (card["balance"]["points"], p["spent"], p["purchased"], p["total"]) == (240, 100, 40, 340)
    card_path = f"{BASE}/programs/{w['program']}/members/{w['member']}/cards/{card['id']}"
    [bucket] = ok(stack, "list_card_expiring_points", "GET", f"{card_path}/expiring-points")["data"]
    assert bucket["points"]["total"] == 240 and card["next_expiration"]["points"] == 240


def test_without_a_card_of_the_target_definition_the_purchase_is_refused_and_nothing_is_written(stack: Stack) -> None:
    w = world(stack, enrolled_in_target=False)
    before = stack.items()
    for mode in ("TRANSACTION", "DRY_RUN"):
        resp = error_of(stack, 423, "no_target_card", "purchase_member_reward", "POST", purchase_path(w),
                        {"reward_id": w["reward"], "mode": mode})
        assert w["b"] in resp["details"]
    assert stack.items() == before and receive_all(stack) == []


class FailingTransactions:
    """The DynamoDB client, except that the next `times` TransactWriteItems of at least `min_items` items fail (a
    throttled or unavailable table)."""

    def __init__(self, client: Any, min_items: int, times: int = 1) -> None:
        self._client, self._min, self._times = client, min_items, times
        self.failed: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def transact_write_items(self, **kwargs: Any) -> Any:
        if len(kwargs["TransactItems"]) >= self._min and len(self.failed) < self._times:
            self.failed.append(len(kwargs["TransactItems"]))
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "injected"}}, "TransactWriteItems")
        return self._client.transact_write_items(**kwargs)


def test_a_failed_approval_writes_neither_the_spend_nor_the_credit_and_its_redelivery_applies_both_once(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an accepted points purchase whose completion message is received
    w = world(stack)
    spend = purchase(stack, w)
    [message] = receive_all(stack)
    before = stack.items()

    # When the approving transaction fails (the worker reports the message failed)
    table = FailingTransactions(clients.dynamodb(), min_items=6)
    monkeypatch.setattr(clients, "dynamodb", lambda: table)
    with pytest.raises(BatchProcessingError):  # the whole batch failed: SQS keeps the message for a redelivery
        support.invoke("process_jobs", support.sqs_event([message]))
    assert table.failed == [6]  # the approval: both cards, both card transactions, purchase, bucket

    # Then nothing moved: no spend, no credit, the purchase still PENDING with its points locked
    assert stack.items() == before
    by_cdef = cards(stack, w["program"], w["member"])
    assert ledger(stack, w, by_cdef[w["a"]])["spent"] == 0 and ledger(stack, w, by_cdef[w["b"]])["purchased"] == 0
    assert [t["type"] for t in transactions(stack, w, by_cdef[w["b"]]["id"])] == []

    # When SQS delivers it again, twice (a redelivery and a duplicate)
    for _ in range(2):
        assert support.invoke("process_jobs", support.sqs_event([message])) == {"batchItemFailures": []}

    # Then the spend and the credit happened, once each
    assert_delivered(stack, w, spend)


# ---------------------------------------------------------------------------------------------- rewards not delivered
def test_coupon_and_gift_rewards_are_refused_when_created_or_updated_into_and_nothing_is_written(stack: Stack) -> None:
    a = cdef(stack, "Wallet A")
    material = ok(stack, "create_reward", "POST", f"{BASE}/rewards", {
        "name": "Mug", "type": "MATERIAL", "material": {"type": "PRODUCT", "product": {"id": "prod_0a"}},
        "costs": [{"spending": [{"points": 10, "card_definition_id": a}]}]})
    before = stack.items()
    for digital in (COUPON, GIFT):
        body = {"name": "Voucher", "type": "DIGITAL", "digital": digital, "costs": [{"spending": [{"points": 10, "card_definition_id": a}]}]}
        resp = error_of(stack, 400, "invalid_payload", "create_reward", "POST", f"{BASE}/rewards", body)
        assert digital["type"] in resp["details"] and "not supported" in resp["details"]
        resp = error_of(stack, 400, "invalid_payload", "update_reward", "PUT", f"{BASE}/rewards/{material['id']}",
                        {"type": "DIGITAL", "digital": digital})
        assert digital["type"] in resp["details"]
    assert stack.items() == before


def legacy_coupon_reward(stack: Stack, spend_on: str) -> str:
    """A coupon reward stored before such rewards were refused (written straight to the table)."""
    reward = {"id": "lrew_0000000000000000000001", "name": "Old coupon", "type": "DIGITAL", "status": "ACTIVE", "start_date": None,
              "end_date": None, "validity_hours": {"type": "ANY_TIME"}, "digital": COUPON, "refunds": {"type": "NONE"},
              "costs": [{"id": "lrcst_0000000000000000000001", "spending": [
                  {"id": "lrspn_0000000000000000000001", "name": None, "points": 10, "card_definition_id": spend_on}]}],
              "purchase_limits": {"cooldown": {"type": "NO_COOLDOWN"}, "frequency": {"type": "NO_LIMIT", "limits": []}},
              "metadata": {}, "created_at": "2026-01-01T00:00:00.000Z", "updated_at": None, "object": "reward"}
    components.create_component(stack.db(), components.REWARD, reward)
    return str(reward["id"])


def test_a_stored_coupon_reward_cannot_be_assigned_or_purchased(stack: Stack) -> None:
    a = cdef(stack, "Wallet A")
    coupon = legacy_coupon_reward(stack, a)
    before = stack.items()
    for status in ("DRAFT", "ACTIVE"):
        resp = error_of(stack, 423, "resource_locked", "create_program", "POST", f"{BASE}/programs", {
            "name": "VIP", "status": status, "card_definitions": [{"id": a}], "rewards": [{"id": coupon}]})
        assert "DISCOUNT_COUPONS" in resp["details"]
    assert stack.items() == before
    prog = program(stack, [a], [])
    before = stack.items()
    resp = error_of(stack, 423, "resource_locked", "batch_program_reward_assignments", "POST", f"{BASE}/programs/{prog}/rewards/batch",
                    {"assign": [{"id": coupon, "stock": {"type": "UNLIMITED"}}]})
    assert "DISCOUNT_COUPONS" in resp["details"]
    assert stack.items() == before


def test_a_coupon_reward_assigned_before_the_refusal_cannot_be_purchased(stack: Stack) -> None:
    # Given a program's reward that became a coupon reward before such rewards were refused (rewritten in the table)
    w = world(stack)
    db = stack.db()
    db.update(db.keys.component(components.REWARD, w["reward"]), "SET #d.#t = :t, #d.digital = :dg",
              names={"#d": "data", "#t": "type"}, values={"t": "DIGITAL", "dg": COUPON})
    before = stack.items()

    # When the member buys it, Then it is refused and nothing is written or sent
    resp = error_of(stack, 423, "reward_not_supported", "purchase_member_reward", "POST", purchase_path(w), {"reward_id": w["reward"]})
    assert "DISCOUNT_COUPONS" in resp["details"]
    assert stack.items() == before and receive_all(stack) == []


def test_a_job_accepted_before_the_checks_for_a_reward_it_cannot_deliver_gives_the_points_back(stack: Stack) -> None:
    # Given an accepted purchase whose job carries what jobs carried before fulfilment was checked: the reward's own
    # `digital` object (a coupon), with no card to credit
    w = world(stack)
    spend = purchase(stack, w)
    [message] = receive_all(stack)
    body = json.loads(message["Body"])
    body["result"]["digital"] = COUPON
    body.pop("purchased_transaction_id")

    # When the worker runs it
    assert support.invoke("process_jobs", support.sqs_event([{**message, "Body": json.dumps(body)}])) == {"batchItemFailures": []}

    # Then nothing is spent or credited: the purchase and its card transaction are REJECTED, the points unlocked
    by_cdef = cards(stack, w["program"], w["member"])
    a = ledger(stack, w, by_cdef[w["a"]])
    assert (by_cdef[w["a"]]["balance"]["points"], a["spent"], a["locked"], a["unlocked"]) == (300, 0, 100, 100)
    assert ledger(stack, w, by_cdef[w["b"]])["purchased"] == 0
    [spent] = [t for t in transactions(stack, w, by_cdef[w["a"]]["id"]) if t["id"] == spend["id"]]
    assert spent["status"] == "REJECTED" and spent["details"]["rejection"]["reason"] == "Reward cannot be delivered"
    [rtx] = ok(stack, "list_member_reward_purchases", "GET", purchase_path(w))["data"]
    assert rtx["status"] == "REJECTED"
