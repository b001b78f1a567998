"""The worker and the sweeper on moto: exactly-once effect, lost sends, poison messages, rejected purchases."""

from __future__ import annotations

import json
from typing import Any

from loyalty.jobs.sweeper import sweep_pending_jobs
from tests import support
from tests.integration.conftest import Stack
from tests.integration.test_v2_bad_input import build_world, paths
from tests.integration.test_v2_journey import BASE, card_of, credit


def receive_all(stack: Stack) -> list[dict[str, Any]]:
    resp = stack.sqs.receive_message(QueueUrl=stack.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    return resp.get("Messages", [])


def sweep(older_than_seconds: int = 0) -> tuple[int, int]:
    """Run the sweeper; (jobs found due, messages sent)."""
    counts = sweep_pending_jobs(older_than_seconds=older_than_seconds)
    return counts["found"], counts["sent"]


def ledger_holds(stack: Stack, world: dict[str, Any]) -> dict[str, Any]:
    """The card's balance equals the spec's formula over its counters and the sum of its settled transactions."""
    card = card_of(stack, world["program"], world["member"])
    p = card["lifetime_bucket"]["points"]
    formula = (p["total"] - p["subtracted"] - p["expired"] - p["spent"] - p["refunded"] + p["returned"] - p["locked"]
               + p["unlocked"] - p["purchased_reversed"])
    assert card["balance"]["points"] == formula
    _, txs = stack.call("list_card_transactions", "GET", paths(world)["txs"], query={"limit": "100"})
    settled = sum(t["details"]["points"]["total"] for t in txs["data"] if t["status"] == "APPROVED")
    locked_pending = sum(t["details"]["points"]["total"] for t in txs["data"]
                         if t["status"] == "PENDING" and t["type"] == "POINTS_SPENT_ON_REWARD")
    assert card["balance"]["points"] == settled + locked_pending
    return card


def test_a_message_delivered_twice_is_applied_once(stack: Stack) -> None:
    world = build_world(stack)
    credit(stack, world["program"], world["member"], world["card"], 300)
    messages = receive_all(stack)
    assert len(messages) == 1
    # When the same message is delivered to two workers (or redelivered after a timeout)
    for _ in range(2):
        result = support.invoke("process_jobs", support.sqs_event(messages))
        assert result == {"batchItemFailures": []}
    # Then the credit counts once
    assert ledger_holds(stack, world)["balance"]["points"] == 350


def test_a_lost_send_is_completed_by_the_sweeper(stack: Stack) -> None:
    world = build_world(stack)
    credit(stack, world["program"], world["member"], world["card"], 300)
    # Given the message never reached the queue (the send failed after the write)
    stack.sqs.purge_queue(QueueUrl=stack.queue_url)
    assert card_of(stack, world["program"], world["member"])["balance"]["points"] == 50
    # When the sweeper runs, it re-sends the job still PENDING, and the worker applies it
    assert sweep() == (1, 1)
    stack.drain()
    assert ledger_holds(stack, world)["balance"]["points"] == 350
    # And nothing is left pending
    assert sweep() == (0, 0)


def test_a_job_too_young_is_left_to_the_worker(stack: Stack) -> None:
    world = build_world(stack)
    credit(stack, world["program"], world["member"], world["card"], 5)
    assert sweep(3600) == (0, 0)


def test_poison_messages_fail_alone(stack: Stack) -> None:
    world = build_world(stack)
    credit(stack, world["program"], world["member"], world["card"], 300)
    stack.sqs.send_message(QueueUrl=stack.queue_url, MessageBody="not json")
    stack.sqs.send_message(QueueUrl=stack.queue_url, MessageBody=json.dumps({"type": "drop_tables", "project_id": "acme"}))
    messages = receive_all(stack)
    assert len(messages) == 3
    result = support.invoke("process_jobs", support.sqs_event(messages))
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    assert failed == {m["MessageId"] for m in messages if not m["Body"].startswith('{"type":"apply')}
    assert ledger_holds(stack, world)["balance"]["points"] == 350


def test_a_debit_that_no_longer_fits_is_rejected_by_the_worker(stack: Stack) -> None:
    world = build_world(stack)
    # Given two debits of 30 accepted while the balance was 50
    for _ in range(2):
        status, _ = stack.call("adjust_card_points", "POST", paths(world)["points"], {"points": -30})
        assert status == 200
    stack.drain()
    # Then one is approved, the other rejected, and the balance never went below zero
    _, txs = stack.call("list_card_transactions", "GET", paths(world)["txs"])
    debits = sorted(t["status"] for t in txs["data"] if t["type"] == "ADMIN_DEBIT")
    assert debits == ["APPROVED", "REJECTED"]
    rejected = next(t for t in txs["data"] if t["status"] == "REJECTED")
    assert rejected["details"]["rejection"]["reason"] == "insufficient_card_balance"
    assert ledger_holds(stack, world)["balance"]["points"] == 20


def test_a_purchase_whose_reward_was_withdrawn_is_rejected_and_released(stack: Stack) -> None:
    world = build_world(stack)
    credit(stack, world["program"], world["member"], world["card"], 500)
    stack.drain()
    status, _ = stack.call("purchase_member_reward", "POST", paths(world)["purchase"], {"reward_id": world["reward"]})
    assert status == 202
    # Given the reward is taken out of service before the worker runs
    stack.ddb.update_item(TableName=support.TABLE, Key={"PK": {"S": f"acme#REWARD#{world['reward']}"}, "SK": {"S": "REWARD"}},
                          UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "status"},
                          ExpressionAttributeValues={":s": {"S": "INACTIVE"}})
    stack.drain()
    # Then the purchase is REJECTED, the points are unlocked and the stock is back
    _, page = stack.call("list_member_reward_purchases", "GET", paths(world)["purchase"])
    assert page["data"][0]["status"] == "REJECTED"
    assert page["data"][0]["details"]["rejection"]["reason"]
    card = ledger_holds(stack, world)
    assert card["balance"]["points"] == 550
    assert card["lifetime_bucket"]["points"]["spent"] == 0
    _, program = stack.call("get_program", "GET", f"{BASE}/programs/{world['program']}")
    assert program["rewards"][0]["stock"] == 1


def test_card_code_generation_runs_once(stack: Stack) -> None:
    world = build_world(stack)
    code = card_of(stack, world["program"], world["member"])["code"]
    assert code
    # When the code job is delivered again, the code stays the same
    support.invoke("process_jobs", support.sqs_event([{
        "MessageId": "m1", "ReceiptHandle": "r1",
        "Body": json.dumps({"type": "generate_card_codes", "project_id": "acme", "member_id": world["member"]})}]))
    assert card_of(stack, world["program"], world["member"])["code"] == code
