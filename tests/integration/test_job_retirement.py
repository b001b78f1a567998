"""Jobs that cannot succeed end (moto): every job counts its sends; the sweeper re-sends a job with a doubling wait
and, once it has used JOB_MAX_ATTEMPTS sends, sends it to be retired; the worker then ends it the way the spec allows,
exactly once, visibly (status, log line, EMF metric), with the ledger intact. The sweeper pages project by project:
one project's backlog cannot starve the others, and a run that runs out of time hands over to the next.

Before issue 10, a poison job was re-sent every two minutes forever (a Scan of the whole index in one run)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from loyalty.cards import store as cards_store
from loyalty.core.clock import now_ms
from loyalty.core.settings import get_settings
from loyalty.db import clients
from loyalty.db.keys import Keys
from loyalty.db.table import PendingJobs
from loyalty.jobs import sweeper
from loyalty.jobs.models import ApplyCardTransaction, parse_job
from loyalty.jobs.sweeper import sweep_pending_jobs
from loyalty.jobs.worker import run_job
from loyalty.members import batch, codes
from loyalty.purchases import store as purchases_store
from tests import support
from tests.integration.conftest import Stack, _key
from tests.integration.test_faults import UnreachableQueue, delete, queue_depth, rich_world, statuses, worker
from tests.integration.test_v2_bad_input import build_world, paths
from tests.integration.test_v2_journey import BASE, credit, make_customer
from tests.integration.test_v2_members_batch import action_of, partition, submit
from tests.integration.test_worker import ledger_holds, receive_all

HOUR_MS = 3_600_000


class Clock:
    """The sweeper's "now", moved by the test (the worker keeps real time: only the sweeper decides what is due)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.ms = now_ms()
        monkeypatch.setattr(sweeper, "now_ms", lambda: self.ms)

    def advance(self, ms: int) -> None:
        self.ms += ms


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def fast_queue(stack: Stack) -> Stack:
    """The stack with a queue that hands a failed message back at once (so maxReceiveCount passes in a few polls)."""
    stack.sqs.set_queue_attributes(QueueUrl=stack.queue_url, Attributes={"VisibilityTimeout": "0"})
    return stack


def stored_jobs(stack: Stack) -> list[dict[str, Any]]:
    """Every job in the PendingJobs index, whatever the time its wait began (re-sent jobs wait from a future time)."""
    return support.scan_pending_jobs(stack.ddb, support.TABLE, 10**13 - 1)


def fail_every_delivery(stack: Stack) -> int:
    """Poll like the SQS trigger until the queue is empty: messages that fail come back until SQS moves them to the
    DLQ after maxReceiveCount; messages that succeed are deleted. Returns the deliveries."""
    deliveries = 0
    while messages := receive_all(stack):
        deliveries += len(messages)
        delete(stack, messages, worker(messages))
        assert deliveries <= 100
    return deliveries


def sweeps_until_retiring(stack: Stack, clock: Clock, limit: int = 12) -> tuple[int, list[dict[str, Any]]]:
    """Let every send of the job fail, then sweep two hours later (longer than any wait between sends), until a sweep
    sends the job to be retired; (that sweep's number, the messages it queued, received and not yet processed)."""
    for number in range(1, limit + 1):
        fail_every_delivery(stack)
        clock.advance(2 * HOUR_MS)
        counts = sweep_pending_jobs()
        assert counts["found"] == 1 and counts["dropped"] == 0, counts
        if counts["retiring"]:
            assert counts["sent"] == 1
            return number, receive_all(stack)
        assert counts["sent"] == 1
    pytest.fail(f"the job was still being re-sent after {limit} sweeps: it would retry forever")


def emitted(output: str, metric: str) -> list[dict[str, Any]]:
    """The EMF records of a metric among the lines a function printed."""
    found = []
    for line in output.splitlines():
        if line.startswith("{") and f'"{metric}"' in line:
            record = json.loads(line)
            if "_aws" in record:
                found.append(record)
    return found


# ---------------------------------------------------------------------- a poison job of each kind is retired, once
def _poison_credit(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    world = build_world(stack)

    def broken(*_: Any) -> None:
        raise RuntimeError("injected: this job can never be applied")

    monkeypatch.setattr(cards_store, "apply_card_transaction", broken)
    credit(stack, world["program"], world["member"], world["card"], 300)
    return world


def _poison_purchase(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    world = rich_world(stack)  # 550 points, reward of 100 with stock 1

    def broken(*_: Any) -> None:
        raise RuntimeError("injected: this purchase can never be completed")

    monkeypatch.setattr(purchases_store, "approve_reward_purchase", broken)
    status, body = stack.call("purchase_member_reward", "POST", paths(world)["purchase"], {"reward_id": world["reward"]})
    assert status == 202, body
    return world


def _poison_refund(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    world = rich_world(stack)  # 550 points, reward of 100 with stock 1
    status, body = stack.call("purchase_member_reward", "POST", paths(world)["purchase"], {"reward_id": world["reward"]})
    assert status == 202, body
    stack.drain()

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("injected: this refund's points can never be returned")

    monkeypatch.setattr(purchases_store, "return_refunded_points", broken)
    rtx = body["transaction"]["details"]["reward_transaction"]["id"]
    status, body = stack.call("refund_reward_purchase", "POST", f"{BASE}/programs/{world['program']}/rewards/purchases/{rtx}/refund",
                              {"policies": {"refund": "ALLOW"}})
    assert status == 202, body
    return world


def _poison_code_job(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    # A code job whose every delivery fails (an unusable stored code_config ends at once instead: see
    # tests/integration/test_code_configs.py; this is any other failure that does not go away)
    world = build_world(stack)

    def broken(*_: Any) -> dict[str, str]:
        raise RuntimeError("injected: codes can never be drawn")

    monkeypatch.setattr(codes, "draw_codes", broken)
    status, member = stack.call("create_program_member", "POST", paths(world)["members"], {"customer_id": make_customer(stack, "bob")})
    assert status == 200, member
    return {**world, "new_member": member["id"], "new_card": member["cards"][0]["card"]["id"]}


def _poison_batch(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    world = build_world(stack)

    def broken(*_: Any) -> None:
        raise RuntimeError("injected: this chunk can never be enrolled")

    monkeypatch.setattr(batch, "enrol_chunk", broken)
    customers = [make_customer(stack, f"batch-{i}") for i in range(3)]
    return {**world, "action": submit(stack, world["program"], [{"customer_id": c} for c in customers])}


@pytest.mark.parametrize(("poison", "job_type"), [
    (_poison_credit, "apply_card_transaction"),
    (_poison_purchase, "complete_reward_purchase"),
    (_poison_refund, "refund_reward_purchase"),
    (_poison_code_job, "generate_card_codes"),
    (_poison_batch, "create_members_batch"),
], ids=["credit", "purchase", "refund", "code-job", "batch"])
def test_a_job_that_can_never_succeed_is_retired_once_with_the_ledger_intact(
    fast_queue: Stack, clock: Clock, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture, poison: Callable[[Stack, pytest.MonkeyPatch], dict[str, Any]], job_type: str,
) -> None:
    stack = fast_queue
    # Given a job whose every delivery fails
    world = poison(stack, monkeypatch)
    assert [j["type"] for j in stored_jobs(stack)] == [job_type]
    capfd.readouterr()

    # When every send fails until SQS dead-letters it, and the sweeper sends it again each time it is due
    number, retiring = sweeps_until_retiring(stack, clock)

    # Then the job was sent JOB_MAX_ATTEMPTS times (the first send + one per sweep) before the sweep that retires it,
    # and the retire message says so
    assert number == get_settings().job_max_attempts == 5
    assert len(retiring) == 1
    body = json.loads(retiring[0]["Body"])
    assert (body["type"], body["attempt"], body["retire"]) == (job_type, 6, True)
    assert queue_depth(stack, stack.dlq_url) == 5  # each of the 5 sends was delivered maxReceiveCount times, then dead-lettered

    # When the worker gets the retire message twice (a redelivery)
    assert worker(retiring) == set() and worker(retiring) == set()
    delete(stack, retiring)

    # Then the job is retired once: out of the index, logged as an error, counted in the JobsRetired metric
    assert stored_jobs(stack) == []
    output = capfd.readouterr().out
    metrics = emitted(output, "JobsRetired")
    assert [(m["job_type"], m["JobsRetired"]) for m in metrics] == [(job_type, [1.0])]
    assert metrics[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "LoyaltyApi"
    retired = [r for r in caplog.records if r.getMessage().startswith("job retired")]
    assert [(r.levelname, json.loads(r.job)["type"], r.attempts) for r in retired] == [("ERROR", job_type, 5)]  # type: ignore[attr-defined]
    # and its failure is visible where the spec shows the outcome, with the ledger intact
    _assert_visible(stack, world, job_type)
    # And the sweeper never sends it again
    clock.advance(24 * HOUR_MS)
    assert sweep_pending_jobs()["found"] == 0 and queue_depth(stack) == 0


def _assert_visible(stack: Stack, world: dict[str, Any], job_type: str) -> None:
    failure = {"reason": "processing_failed", "details": {
        "message": "The job could not be completed in 5 attempts and was stopped", "attempts": 5}}
    if job_type == "apply_card_transaction":
        _, txs = stack.call("list_card_transactions", "GET", paths(world)["txs"])
        rejected = [t for t in txs["data"] if t["status"] == "REJECTED"]
        assert [(t["type"], t["details"]["rejection"]) for t in rejected] == [("ADMIN_CREDIT", failure)]
        assert ledger_holds(stack, world)["balance"]["points"] == 50  # the credit never moved the card
    elif job_type == "complete_reward_purchase":
        _, page = stack.call("list_member_reward_purchases", "GET", paths(world)["purchase"])
        assert [(p["status"], p["details"]["rejection"]) for p in page["data"]] == [("REJECTED", failure)]
        assert statuses(stack, world)[("POINTS_SPENT_ON_REWARD", "REJECTED")] == 1
        card = ledger_holds(stack, world)
        points = card["lifetime_bucket"]["points"]
        assert (card["balance"]["points"], points["locked"], points["unlocked"], points["spent"]) == (550, 100, 100, 0)
        _, program = stack.call("get_program", "GET", f"{BASE}/programs/{world['program']}")
        assert program["rewards"][0]["stock"] == 1  # given back
    elif job_type == "refund_reward_purchase":
        # the refund stands (purchase REFUNDED, REFUND APPROVED) but its points were not returned: POINTS_RETURNED REJECTED
        _, page = stack.call("list_member_reward_purchases", "GET", paths(world)["purchase"])
        assert sorted((p["type"], p["status"]) for p in page["data"]) == [("PURCHASE", "REFUNDED"), ("REFUND", "APPROVED")]
        _, txs = stack.call("list_card_transactions", "GET", paths(world)["txs"])
        rejected = [t for t in txs["data"] if t["status"] == "REJECTED"]
        assert [(t["type"], t["details"]["rejection"]) for t in rejected] == [("POINTS_RETURNED", failure)]
        card = ledger_holds(stack, world)
        assert (card["balance"]["points"], card["lifetime_bucket"]["points"]["returned"]) == (450, 0)
    elif job_type == "generate_card_codes":
        base = f"{paths(world)['members']}/{world['new_member']}"
        _, member = stack.call("get_program_member", "GET", base)
        assert member["cards"][0]["card"]["code"] is None  # the card works without a code
        _, acts = stack.call("list_card_activities", "GET", f"{base}/cards/{world['new_card']}/activities")
        failed = [a for a in acts["data"] if a["type"] == "vl.card.code_generation.failed"]
        assert len(failed) == 1 and failed[0]["data"]["failure"] == failure
        ledger_holds(stack, world)
    else:
        action = action_of(stack, world["action"])
        assert (action["status"], action["operation_status"]) == ("FAILED", "FAILED")
        result = action["result"]
        assert (result["done_count"], result["failed_count"], result["not_processed_count"]) == (0, 0, 3)
        assert result["failure"] == failure and result["message"].startswith("Stopped: ")
        assert [i["SK"] for i in partition(stack, world["action"])] == ["ASYNC_ACTION"]  # its unprocessed chunk is gone
        ledger_holds(stack, world)


def test_a_retirement_that_itself_fails_is_abandoned_visibly_after_its_sends(
    fast_queue: Stack, clock: Clock, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a credit that can be neither applied nor rejected
    stack = fast_queue
    world = _poison_credit(stack, monkeypatch)

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("injected: nor can it be rejected")

    monkeypatch.setattr(cards_store, "reject_card_transaction", broken)
    number, retiring = sweeps_until_retiring(stack, clock)
    assert number == 5
    delete(stack, retiring, worker(retiring))  # the retire fails too; SQS would retry it and dead-letter it
    # When the sweeper sends the retire message once more, and that fails as well
    fail_every_delivery(stack)
    clock.advance(2 * HOUR_MS)
    counts = sweep_pending_jobs()
    assert (counts["retiring"], counts["sent"]) == (1, 1)
    fail_every_delivery(stack)
    capfd.readouterr()
    # Then the next sweep takes it out of the index for good, with an error line and a JobsAbandoned metric
    clock.advance(2 * HOUR_MS)
    counts = sweep_pending_jobs()
    assert (counts["found"], counts["sent"], counts["dropped"]) == (1, 0, 1)
    output = capfd.readouterr().out
    assert [(m["job_type"], m["JobsAbandoned"]) for m in emitted(output, "JobsAbandoned")] == [("apply_card_transaction", [1.0])]
    assert [r.levelname for r in caplog.records if r.getMessage().startswith("job abandoned")] == ["ERROR"]
    assert stored_jobs(stack) == []
    clock.advance(24 * HOUR_MS)
    assert sweep_pending_jobs()["found"] == 0
    # And the transaction stays visibly PENDING (nothing moved on the card), for an operator to settle
    assert statuses(stack, world)[("ADMIN_CREDIT", "PENDING")] == 1
    assert ledger_holds(stack, world)["balance"]["points"] == 50


def test_a_stale_retire_message_changes_nothing(stack: Stack) -> None:
    # Given a credit just accepted (its pending marker holds its first send)
    world = build_world(stack)
    credit(stack, world["program"], world["member"], world["card"], 300)
    first = receive_all(stack)
    job = parse_job(first[0]["Body"])
    assert isinstance(job, ApplyCardTransaction) and job.attempt == 1 and not job.retire
    # When a retire message for it arrives that the sweeper did not store (a late copy from an earlier retirement
    # round, or a forged one)
    assert run_job(job.resent(6, retire=True).to_json()) == "ALREADY_SETTLED"
    # Then nothing happened: the credit is still pending, and its own message still applies it
    assert statuses(stack, world)[("ADMIN_CREDIT", "PENDING")] == 1
    assert worker(first) == set()
    delete(stack, first)
    assert ledger_holds(stack, world)["balance"]["points"] == 350 and stored_jobs(stack) == []


# ---------------------------------------------------------------------- sends, waits and attempts
def test_each_send_doubles_the_wait_and_a_failed_send_costs_no_attempt(stack: Stack, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a credit whose message was lost
    world = build_world(stack)
    credit(stack, world["program"], world["member"], world["card"], 300)
    stack.sqs.purge_queue(QueueUrl=stack.queue_url)
    clock.ms = now_ms()
    wait = get_settings().sweep_after_seconds * 1000
    assert wait == 300_000  # the template's SWEEP_AFTER_SECONDS
    # Then it is not due before SWEEP_AFTER_SECONDS
    assert sweep_pending_jobs()["found"] == 0
    clock.advance(wait + 1)
    # When a sweep finds it while the queue is unreachable, nothing is sent and the attempt is not counted
    with monkeypatch.context() as m:
        m.setattr(clients, "sqs", UnreachableQueue)
        counts = sweep_pending_jobs()
    assert (counts["found"], counts["sent"], counts["unsent"]) == (1, 0, 1)
    assert stored_jobs(stack)[0].get("attempt") is None
    # When the queue is back, the next sweep sends it as attempt 2 (the message and the stored copy say so)
    counts = sweep_pending_jobs()
    assert (counts["found"], counts["sent"]) == (1, 1)
    [message] = receive_all(stack)
    assert json.loads(message["Body"])["attempt"] == 2 and stored_jobs(stack)[0]["attempt"] == 2
    assert len(sent_ids(stack)) == 1  # and lost again
    # Then the second send waits twice as long before the next one
    clock.advance(2 * wait - 1000)
    assert sweep_pending_jobs()["found"] == 0
    clock.advance(2000)
    assert sweep_pending_jobs()["sent"] == 1
    assert stored_jobs(stack)[0]["attempt"] == 3
    # And when the worker finally runs it, it is applied once and leaves the index
    stack.drain()
    assert ledger_holds(stack, world)["balance"]["points"] == 350 and stored_jobs(stack) == []


# ---------------------------------------------------------------------- one project's backlog starves no other
class Recording:
    """The DynamoDB client, recording each call's operation and parameters."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)

        def call(**kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            return method(**kwargs)

        return call


@pytest.fixture
def recording(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Recording:
    client = Recording(clients.dynamodb())
    monkeypatch.setattr(clients, "dynamodb", lambda: client)
    return client


@pytest.fixture
def quota_10() -> Iterator[None]:
    """At most 10 re-sends per project per sweep."""
    os.environ["SWEEP_JOBS_PER_PROJECT"] = "10"
    get_settings.cache_clear()
    yield
    del os.environ["SWEEP_JOBS_PER_PROJECT"]
    get_settings.cache_clear()


def lost_jobs(stack: Stack, project: str, count: int, written_ms: int) -> set[str]:
    """`count` pending credits of a project whose messages were lost (written straight into the index); their ids."""
    db = stack.db(project)
    made = set()
    for i in range(count):
        tx_id = f"lctx_{project}{i:04d}"
        job = ApplyCardTransaction(project_id=project, member_id="lmbr_gone", card_id="lcrd_gone", transaction_id=tx_id)
        db.put(db.keys.card_transaction("lcrd_gone", tx_id), {"status": "PENDING", **db.keys.pending_job(tx_id, written_ms + i, job.to_json())})
        made.add(tx_id)
    return made


def sent_ids(stack: Stack) -> list[str]:
    ids = []
    while messages := stack.sqs.receive_message(QueueUrl=stack.queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for m in messages:
            ids.append(json.loads(m["Body"])["transaction_id"])
            stack.sqs.delete_message(QueueUrl=stack.queue_url, ReceiptHandle=m["ReceiptHandle"])
    return ids


def test_a_project_with_a_backlog_does_not_starve_another_and_each_is_paged_by_query(
    stack: Stack, clock: Clock, recording: Recording, quota_10: None,
) -> None:
    # Given 25 lost jobs in project acme (written an hour ago, oldest first) and one in project globex, written later
    backlog = lost_jobs(stack, "acme", 25, clock.ms - HOUR_MS)
    other = lost_jobs(stack, "globex", 1, clock.ms - HOUR_MS + 60_000)
    recording.calls.clear()

    # When the sweeper runs once (pages of 4 jobs, at most 10 re-sends per project)
    counts = sweep_pending_jobs(page_size=4)

    # Then globex's job is sent in this very run, and acme gets its quota of 10, its oldest first
    sent = sent_ids(stack)
    assert other <= set(sent)
    assert [i for i in sent if i in backlog] == sorted(backlog)[:10]
    assert (counts["projects"], counts["found"], counts["sent"], counts["unreached"]) == (2, 11, 11, 0)
    # by Queries only: the registry, then each project's own index partition, one page of 4 per turn (acme 4+4+2)
    operations = [op for op, _ in recording.calls]
    assert "scan" not in operations and set(operations) == {"query", "update_item"}
    queries = [kw for op, kw in recording.calls if op == "query"]
    assert queries[0]["ExpressionAttributeValues"][":pk"] == {"S": "PROJECTS"} and "IndexName" not in queries[0]
    partitions = [q["ExpressionAttributeValues"][":p"]["S"] for q in queries[1:]]
    assert all(q["IndexName"] == "PendingJobs" and q["KeyConditionExpression"] == "JOBPK = :p AND JOBSK < :t" for q in queries[1:])
    assert partitions == ["acme#PENDING", "globex#PENDING", "acme#PENDING", "acme#PENDING"]
    assert [q["Limit"] for q in queries[1:]] == [4, 4, 4, 2]
    assert [op for op, _ in recording.calls].count("update_item") == 11  # one conditional UpdateItem per re-send

    # When it runs twice more, the rest of acme's backlog is sent, 10 and then 5
    clock.advance(1000)
    assert sweep_pending_jobs(page_size=4)["sent"] == 10
    clock.advance(1000)
    assert sweep_pending_jobs(page_size=4)["sent"] == 5
    assert sorted(sent + sent_ids(stack)) == sorted(backlog | other)
    # And nothing is due again before its doubled wait
    clock.advance(1000)
    assert sweep_pending_jobs(page_size=4)["found"] == 0


def test_a_sweep_out_of_time_hands_over_to_the_next_so_every_project_is_reached(stack: Stack, clock: Clock) -> None:
    # Given three registered projects with one lost job each
    _key("initech")
    jobs = {p: lost_jobs(stack, p, 1, clock.ms - HOUR_MS) for p in ("acme", "globex", "initech")}

    def time_for_one_turn() -> Callable[[], int]:
        left = iter([60_000])
        return lambda: next(left, 0)

    # When each run has time for one project only, it reaches that one and the next run starts where it stopped
    reached = []
    for _ in range(3):
        counts = sweep_pending_jobs(remaining_ms=time_for_one_turn())
        assert (counts["projects"], counts["sent"]) == (1, 1)
        reached += sent_ids(stack)
        clock.advance(1000)
    assert sorted(reached) == sorted(j for ids in jobs.values() for j in ids)
    # And a run with time enough visits every project (nothing is due: each job now waits before its next send)
    counts = sweep_pending_jobs(remaining_ms=lambda: 60_000)
    assert (counts["projects"], counts["unreached"], counts["found"]) == (3, 0, 0)


# ---------------------------------------------------------------------- a rejection that could never be written
def test_a_purchase_is_rejected_even_when_its_reward_no_longer_counts_stock(stack: Stack) -> None:
    # Given a purchase accepted while the reward's stock was LIMITED (1, now taken), then the stock made UNLIMITED and
    # the reward withdrawn before the worker ran: the rejection has no stock to give back (before issue 10 its write
    # was refused on every delivery, so the job retried forever)
    world = rich_world(stack)
    assert stack.call("purchase_member_reward", "POST", paths(world)["purchase"], {"reward_id": world["reward"]})[0] == 202
    status, body = stack.call("update_program_reward_assignment", "PUT", f"{BASE}/programs/{world['program']}/rewards/{world['reward']}",
                              {"stock": {"type": "UNLIMITED"}})
    assert status == 200, body
    stack.ddb.update_item(TableName=support.TABLE, Key=Keys("acme").component("REWARD", world["reward"]).ddb(),
                          UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "status"},
                          ExpressionAttributeValues={":s": {"S": "INACTIVE"}})
    # When the worker runs
    assert stack.drain() == 1
    # Then the purchase is REJECTED, its points unlocked, and the stock stays unlimited
    _, page = stack.call("list_member_reward_purchases", "GET", paths(world)["purchase"])
    assert [p["status"] for p in page["data"]] == ["REJECTED"]
    card = ledger_holds(stack, world)
    assert (card["balance"]["points"], card["lifetime_bucket"]["points"]["unlocked"]) == (550, 100)
    _, program = stack.call("get_program", "GET", f"{BASE}/programs/{world['program']}")
    assert program["rewards"][0]["stock"] is None
    assert stored_jobs(stack) == []


def test_a_project_whose_sweep_fails_does_not_stop_the_others(stack: Stack, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a lost job in each of two projects, and the index of the first refusing every read (a fault)
    lost_jobs(stack, "acme", 1, clock.ms - HOUR_MS)
    other = lost_jobs(stack, "globex", 1, clock.ms - HOUR_MS)
    due = PendingJobs.due

    def failing(self: PendingJobs, *args: Any) -> Any:
        if self.keys.project == "acme":
            raise RuntimeError("injected: this project's index cannot be read")
        return due(self, *args)

    monkeypatch.setattr(PendingJobs, "due", failing)
    # When the sweeper runs, the failure is counted and the other project is still swept
    counts = sweep_pending_jobs()
    assert (counts["errors"], counts["projects"], counts["sent"]) == (1, 2, 1)
    assert sent_ids(stack) == sorted(other)
