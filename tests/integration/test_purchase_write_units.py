"""Write units of a reward purchase on moto, sized as DynamoDB bills them (bench/capacity.py): the accepting transaction
and the worker's approving transaction, item by item. A purchase (accept + approve) must stay within 16 WRU."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench.calls import Call, CallRecorder
from bench.capacity import Capacity, Index, item_size
from loyalty.components.store import REWARD
from loyalty.db import clients
from loyalty.purchases.store import PENDING_RESULT
from tests import support
from tests.integration.conftest import Stack
from tests.integration.test_reward_fulfilment import purchase, purchase_path
from tests.integration.test_reward_refunds import material_world
from tests.integration.test_worker import receive_all

BUDGET = 16  # WRU per purchase: the accepting transaction + the worker's approval (issue 12)
# today, for this purchase (limited stock, points in an expiring bucket); it was 31 with the job's result on the card
# transaction and `redeemed` counted by the approval
CEILING = 23


def _capacity(stack: Stack) -> Capacity:
    def fetch(key: dict[str, Any]) -> dict[str, Any] | None:
        item: dict[str, Any] | None = stack.ddb.get_item(TableName=support.TABLE, Key=key, ConsistentRead=True).get("Item")
        return item

    return Capacity(Index.from_template(support.template()["Resources"]["Table"]["Properties"]), fetch)


def breakdown(capacity: Capacity, call: Call) -> list[tuple[str, str, int, float]]:
    """(action, SK, billed bytes, WRU incl. index writes) of each item of a TransactWriteItems."""
    rows = []
    for action in call.params["TransactItems"]:
        (kind, spec), = action.items()
        key = spec["Item"] if kind == "Put" else spec["Key"]
        size = item_size(spec["Item"]) if kind == "Put" else item_size(capacity.fetch(spec["Key"]) or spec["Key"])
        units = capacity.units([Call("dynamodb", "TransactWriteItems", {"TransactItems": [action]})])[1]
        rows.append((kind, f"{key['PK']['S'].split('#', 1)[-1]} | {key['SK']['S']}", size, units))
    return rows


def measured(stack: Stack) -> dict[str, list[tuple[str, str, int, float]]]:
    """The purchase's and its worker job's TransactWriteItems, item by item (the worker's sized before it runs)."""
    w = material_world(stack)
    capacity = _capacity(stack)
    recorder = CallRecorder().attach(clients.dynamodb())
    try:
        with recorder.record() as accept:
            purchase(stack, w)
        [accept_tx] = [c for c in accept.calls if c.operation == "TransactWriteItems"]
        accepted = breakdown(capacity, accept_tx)
        with recorder.record() as worker:
            support.drain_queue(stack.sqs, stack.queue_url)  # the worker only (the stream's consumers are not the purchase's)
        [approve_tx] = [c for c in worker.calls if c.operation == "TransactWriteItems"]
    finally:
        recorder.detach()
    return {"accept": accepted, "approve": breakdown(capacity, approve_tx)}


def _report(parts: dict[str, list[tuple[str, str, int, float]]]) -> tuple[float, str]:
    lines, total = [], 0.0
    for name, rows in parts.items():
        for kind, key, size, units in rows:
            lines.append(f"{name:8} {kind:15} {size:6} B {units:4g} WRU  {key}")
            total += units
    return total, "\n".join(lines) + f"\ntotal {total:g} WRU"


def test_no_item_of_a_purchase_bills_more_than_one_kilobyte(stack: Stack) -> None:
    """The PENDING card transaction carries its job's JSON for the sweeper: small enough to stay in one KB (it was 1.1 KB
    with the reward's result in it: 2 WRU more to put it and 2 more to settle it)."""
    parts = measured(stack)
    total, report = _report(parts)
    print(report)
    assert all(size <= 1024 for rows in parts.values() for _, _, size, _ in rows), report
    assert total <= CEILING, report


@pytest.mark.xfail(strict=True, reason="10 items of at least 2 WRU each: the reward check, the pointer item and "
                                       "the reward transaction item have to go first (see the issue 12 notes)")
def test_a_purchase_costs_at_most_16_write_units(stack: Stack) -> None:
    total, report = _report(measured(stack))
    assert total <= BUDGET, report


def _assignment(stack: Stack, w: dict[str, Any]) -> dict[str, Any]:
    db = stack.db()
    item = db.get(db.keys.assignment(w["program"], REWARD, w["reward"]))
    assert item is not None
    return item


def _purchase_item(stack: Stack, w: dict[str, Any], rtx_id: str) -> dict[str, Any]:
    db = stack.db()
    item = db.get(db.keys.reward_purchase(w["member"], rtx_id))
    assert item is not None
    return item


def test_the_accept_counts_the_purchase_and_keeps_its_result_until_approved(stack: Stack) -> None:
    w = material_world(stack)
    rtx_id = purchase(stack, w)["details"]["reward_transaction"]["id"]
    # While PENDING: counted in `redeemed` with the stock it took; the result waits beside the record, not in it
    assert (_assignment(stack, w)["redeemed"], _assignment(stack, w)["stock_quantity"]) == (1, 1)
    pending = _purchase_item(stack, w, rtx_id)
    assert "result" not in pending and pending[PENDING_RESULT]["material"]["product"]["id"] == "prod_0ba649b6893cf33a80"
    stack.drain()
    approved = _purchase_item(stack, w, rtx_id)
    assert approved["status"] == "APPROVED" and PENDING_RESULT not in approved
    assert approved["result"] == pending[PENDING_RESULT]
    assert (_assignment(stack, w)["redeemed"], _assignment(stack, w)["stock_quantity"]) == (1, 1)


def test_a_rejected_purchase_is_taken_out_of_redeemed(stack: Stack) -> None:
    w = material_world(stack)
    rtx_id = purchase(stack, w)["details"]["reward_transaction"]["id"]
    stack.ddb.update_item(TableName=support.TABLE, Key={"PK": {"S": f"acme#REWARD#{w['reward']}"}, "SK": {"S": "REWARD"}},
                          UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "status"},
                          ExpressionAttributeValues={":s": {"S": "INACTIVE"}})
    stack.drain()
    rejected = _purchase_item(stack, w, rtx_id)
    assert rejected["status"] == "REJECTED" and PENDING_RESULT not in rejected and "result" not in rejected
    assert (_assignment(stack, w)["redeemed"], _assignment(stack, w)["stock_quantity"]) == (0, 2)
    stack.drain()  # a redelivery changes nothing
    assert (_assignment(stack, w)["redeemed"], _assignment(stack, w)["stock_quantity"]) == (0, 2)


def test_a_job_accepted_before_still_delivers_its_result_and_counts_once(stack: Stack) -> None:
    """A job written by the previous release carries its result and was not counted by its accept: the approval writes
    that result and counts the purchase, once however often it is delivered."""
    w = material_world(stack)
    rtx_id = purchase(stack, w)["details"]["reward_transaction"]["id"]
    db = stack.db()
    key = db.keys.reward_purchase(w["member"], rtx_id).ddb()
    result = _purchase_item(stack, w, rtx_id)[PENDING_RESULT]
    stack.ddb.update_item(TableName=support.TABLE, Key=key, UpdateExpression=f"REMOVE {PENDING_RESULT}")
    stack.ddb.update_item(TableName=support.TABLE, Key=db.keys.assignment(w["program"], REWARD, w["reward"]).ddb(),
                          UpdateExpression="SET redeemed = :z", ExpressionAttributeValues={":z": {"N": "0"}})
    [message] = receive_all(stack)
    job = json.loads(message["Body"])
    assert "result" not in job and job["counted"] is True
    del job["counted"]
    job["result"] = result
    legacy = {**message, "Body": json.dumps(job)}
    for _ in range(2):
        support.invoke("process_jobs", support.sqs_event([legacy]))
    approved = _purchase_item(stack, w, rtx_id)
    assert approved["status"] == "APPROVED" and approved["result"] == result
    assert _assignment(stack, w)["redeemed"] == 1


def test_a_member_deactivated_while_its_purchase_is_accepted_is_refused_whole(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    """The accept no longer reads the member item's status in its transaction: the member's cards carry the marker its
    deactivation sets, so a deactivation that lands between the purchase's reads and its write still refuses it."""
    from loyalty.members import service as members
    from loyalty.purchases import service as purchases

    w = material_world(stack)
    real = purchases.require_active_member
    raced: list[bool] = []

    def then_deactivated(member: Any, message: str) -> None:
        real(member, message)
        if not raced:  # after the purchase read the member ACTIVE, before it writes
            raced.append(True)
            members.transition_member(stack.db(), w["program"], w["member"], "deactivate")

    monkeypatch.setattr(purchases, "require_active_member", then_deactivated)
    before_locked = _card(stack, w)["locked"]
    status, resp = stack.call("purchase_member_reward", "POST", purchase_path(w), {"reward_id": w["reward"]})
    assert (status, resp["key"]) == (423, "non_active_member"), resp
    assert _card(stack, w)["locked"] == before_locked and _assignment(stack, w)["stock_quantity"] == 2
    monkeypatch.setattr(purchases, "require_active_member", real)
    # Activated again, the member can buy (the marker is gone)
    members.transition_member(stack.db(), w["program"], w["member"], "activate")
    assert "member_inactive" not in _card(stack, w)
    purchase(stack, w)


def _card(stack: Stack, w: dict[str, Any]) -> dict[str, Any]:
    [card] = [i for i in stack.db().query(stack.db().keys.member_partition(w["member"]))[0] if i["SK"].startswith("CARD#")]
    return dict(card)
