"""Write units of a reward purchase on moto, sized as DynamoDB bills them (bench/capacity.py): the accepting transaction
and the worker's approving transaction, item by item. A purchase (accept + approve) must stay within 16 WRU."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench.calls import Call, CallRecorder
from bench.capacity import Capacity, Index, item_size
from loyalty.components.store import REWARD
from loyalty.core import ids
from loyalty.db import clients
from loyalty.purchases.store import PENDING_RESULT
from tests import support
from tests.integration.conftest import Stack, error_of
from tests.integration.test_reward_fulfilment import purchase, purchase_path
from tests.integration.test_reward_refunds import bought, material_world, purchases, refund_path
from tests.integration.test_worker import receive_all

BUDGET = 16  # WRU per purchase: the accepting transaction + the worker's approval (issue 12)
EXPIRING = 19  # the same purchase paid from points in an expiring bucket: the bucket's update (3 WRU with its index) more
# It was 31 with the job's result on the card transaction, `redeemed` counted by the approval, the member item and the
# reward checked inside the transactions, and the pointer item from a purchase's id to its member


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


def measured(stack: Stack, *, expiring: bool = True) -> dict[str, list[tuple[str, str, int, float]]]:
    """The purchase's and its worker job's TransactWriteItems, item by item (the worker's sized before it runs)."""
    w = material_world(stack, expiring=expiring)
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


@pytest.mark.parametrize("expiring", [False, True], ids=["points-never-expire", "expiring-bucket"])
def test_no_item_of_a_purchase_bills_more_than_one_kilobyte(stack: Stack, expiring: bool) -> None:
    """The PENDING card transaction carries its job's JSON for the sweeper: small enough to stay in one KB (it was 1.1 KB
    with the reward's result in it: 2 WRU more to put it and 2 more to settle it)."""
    parts = measured(stack, expiring=expiring)
    total, report = _report(parts)
    print(report)
    assert all(size <= 1024 for rows in parts.values() for _, _, size, _ in rows), report
    assert total <= (EXPIRING if expiring else BUDGET), report


def test_a_purchase_costs_at_most_16_write_units(stack: Stack) -> None:
    """A limited-stock MATERIAL reward bought with points that never expire (as `make bench` buys it): 4 items put or
    updated by the accept (card, stock, reward transaction, card transaction with its PendingJobs entry) and 3 by the
    approval, at 2 WRU each in a transaction, and the index entry's 1 each way."""
    parts = measured(stack, expiring=False)
    total, report = _report(parts)
    assert total <= BUDGET, report
    written = {name: [key.split(" | ")[1].split("#")[0] for _, key, _, _ in rows] for name, rows in parts.items()}
    assert written == {"accept": ["CARD", "A", "RTX", "CTX"], "approve": ["CTX", "CARD", "RTX"]}, report  # no pointer, no checks


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
    assert "result" not in job and job["counted"] is True and job["reward_id"] == w["reward"]
    del job["counted"], job["reward_id"]  # as the previous releases wrote it: the worker finds the reward on the transaction
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


def test_a_purchase_id_names_its_member_so_a_refund_needs_no_pointer_item(stack: Stack) -> None:
    w = material_world(stack)
    rtx_id = bought(stack, w)
    assert ids.REWARD_TRANSACTION.parent_in(rtx_id, ids.MEMBER) == w["member"]
    assert not [i for i in stack.items() if i["SK"]["S"] == "RTX"]  # no pointer item
    status, refund = stack.call("refund_reward_purchase", "POST", refund_path(w, rtx_id), {})
    assert status == 202 and refund["transaction"]["id"].startswith("lrtx_"), refund
    stack.drain()
    assert purchases(stack, w)["PURCHASE"]["status"] == "REFUNDED"
    refund_id = purchases(stack, w)["REFUND"]["id"]
    assert ids.REWARD_TRANSACTION.parent_in(refund_id, ids.MEMBER) == w["member"]
    # a REFUND found by its id is still not refundable (409), and an id naming another member finds nothing (404)
    error_of(stack, 409, "invalid_state_transition", "refund_reward_purchase", "POST", refund_path(w, refund_id), {})
    other = rtx_id[:len("lrtx_") + ids.NEW_DIGITS] + ids.MEMBER.new()[len("lmbr_"):]
    error_of(stack, 404, "not_found", "refund_reward_purchase", "POST", refund_path(w, other), {})


def test_a_purchase_accepted_before_ids_named_members_is_refunded_through_its_pointer(stack: Stack,
                                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    w = material_world(stack)
    monkeypatch.setattr(ids.IdKind, "new_within", lambda self, parent, kind: self.new())  # as the previous releases made ids
    rtx_id = bought(stack, w)
    monkeypatch.undo()
    assert ids.REWARD_TRANSACTION.parent_in(rtx_id, ids.MEMBER) is None
    assert [i for i in stack.items() if i["SK"]["S"] == "RTX" and i["PK"]["S"].endswith(rtx_id)]  # its pointer item
    status, refund = stack.call("refund_reward_purchase", "POST", refund_path(w, rtx_id), {})
    assert status == 202, refund
    stack.drain()
    assert purchases(stack, w)["PURCHASE"]["status"] == "REFUNDED"
