"""Domain events out (issue 11) on moto: every approved card transaction and every tier change puts its event on the
stack's EventBridge bus once (a rule sends the bus's events to an SQS queue the test reads), even when the stream record
is replayed, the publish job is delivered again, or PutEvents fails and the job is retried; one project's events carry
its project id only."""

from __future__ import annotations

import dataclasses
import json
import os
from collections import Counter
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from local.backends import plain_moto_event_targets
from loyalty.db import clients
from loyalty.jobs.models import PublishEvent
from loyalty.jobs.sweeper import sweep_pending_jobs
from loyalty.notify.models import event_id
from tests import support
from tests.integration.conftest import Stack
from tests.integration.test_member_tiers import adjust, tiered_world
from tests.integration.test_reports import report_world

ADDED = "customer.voucher.loyalty_card.points_added"
REDEEMED = "customer.reward_redemptions.completed"
REWARDED = "customer.rewarded.loyalty_points"
JOINED, LEFT, UPGRADED = "customer.loyalty.tier.joined", "customer.loyalty.tier.left", "customer.loyalty.tier.upgraded"


def observe(stack: Stack) -> str:
    """A queue receiving every event the API puts on the bus (a rule on `source: loyalty.api` with an SQS target)."""
    plain_moto_event_targets()
    events = boto3.client("events", region_name="us-east-1")
    bus = os.environ["EVENT_BUS_NAME"]
    url = stack.sqs.create_queue(QueueName="observed-events")["QueueUrl"]
    arn = stack.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="all-loyalty", EventBusName=bus, EventPattern=json.dumps({"source": ["loyalty.api"]}))
    events.put_targets(Rule="all-loyalty", EventBusName=bus, Targets=[{"Id": "queue", "Arn": arn}])
    return url


def published(stack: Stack, url: str) -> list[dict[str, Any]]:
    """The bus's envelopes delivered to the observing queue since the last call (each deleted once read)."""
    found: list[dict[str, Any]] = []
    while True:
        messages = stack.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return found
        for m in messages:
            found.append(json.loads(m["Body"]))
            stack.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def event_items(stack: Stack) -> list[dict[str, Any]]:
    return [i for i in stack.items() if i["SK"]["S"] == "EVENT" and "#EVT#" in i["PK"]["S"]]


def redeliver_publish_jobs(stack: Stack) -> None:
    """Send every event's publish job again (as a redelivered or re-swept message would arrive)."""
    for item in event_items(stack):
        project = item["PK"]["S"].split("#")[0]
        body = PublishEvent(project_id=project, event_id=item["PK"]["S"].split("#")[-1]).to_json()
        stack.sqs.send_message(QueueUrl=stack.queue_url, MessageBody=body)


def test_a_purchase_an_earning_and_an_adjustment_each_publish_one_event_despite_replays_and_redeliveries(stack: Stack) -> None:
    url = observe(stack)
    w = report_world(stack)  # 500 points added, a reward purchased (approved by the worker), an order's points earned
    first = published(stack, url)
    assert all(e["source"] == "loyalty.api" and e["detail-type"] == e["detail"]["type"] for e in first)
    details = [e["detail"] for e in first]
    assert Counter(d["type"] for d in details) == Counter({ADDED: 1, REDEEMED: 1, REWARDED: 1})
    txs = {t["type"]: t for t in support.call("list_card_transactions", "GET",
                                              f"/v2/loyalties/programs/{w['program']}/members/{w['member']}/cards/{w['card']}/transactions",
                                              None, stack.headers, None, None)[1]["data"]}
    for d in details:
        ctx = d["data"]["transaction"]
        assert d["id"] == event_id(ctx["id"], d["type"]) and d["object"] == "event" and d["project_id"] == "acme"
        assert ctx == txs[ctx["type"]]  # the transaction as the v2 API shows it
        assert d["data"]["member_id"] == w["member"] and d["data"]["program_id"] == w["program"]
        assert d["data"]["card_id"] == w["card"] and d["data"]["customer_id"].startswith("cust_")
    # every event item is PUBLISHED and out of the PendingJobs index
    items = event_items(stack)
    assert len(items) == 3 and all(i["status"]["S"] == "PUBLISHED" and "JOBPK" not in i for i in items)
    # Given the stream replayed from its start and every publish job delivered again, Then nothing more is published
    assert support.drain_stream(support.stream_poller(function=support.CARD_TRANSACTIONS)) > 0
    redeliver_publish_jobs(stack)
    stack.drain()
    assert published(stack, url) == []
    assert len(event_items(stack)) == 3


def test_a_tier_change_publishes_its_tier_events_once(stack: Stack) -> None:
    url = observe(stack)
    w = tiered_world(stack)  # enrolled: joins Bronze
    adjust(stack, w, 150)  # Bronze -> Silver
    stack.drain()
    tier_events = [e["detail"] for e in published(stack, url) if e["detail"]["type"].startswith("customer.loyalty.tier.")]
    got = Counter((d["type"], d["data"]["tier_id"]) for d in tier_events)
    assert got == Counter({(JOINED, w["tiers"]["Bronze"]): 1, (JOINED, w["tiers"]["Silver"]): 1,
                           (LEFT, w["tiers"]["Bronze"]): 1, (UPGRADED, w["tiers"]["Silver"]): 1})
    upgrade = next(d for d in tier_events if d["type"] == UPGRADED)
    assert upgrade["data"]["tier_from"] == w["tiers"]["Bronze"] and upgrade["data"]["tier_to"] == w["tiers"]["Silver"]
    assert upgrade["data"]["customer_id"] == w["customer"] and upgrade["data"]["program_id"] == w["program"]
    assert upgrade["data"]["tier_transaction"]["type"] == "UPGRADED"
    assert upgrade["id"] == event_id(upgrade["data"]["tier_transaction"]["id"], UPGRADED)
    # Given the card-changes stream replayed and the publish jobs redelivered, Then nothing more is published
    support.drain_stream(support.stream_poller(function=support.CARD_CHANGES))
    redeliver_publish_jobs(stack)
    stack.drain()
    assert published(stack, url) == []


class _Refusing:
    """An EventBridge client whose PutEvents answers 200 with the entry failed (as EventBridge does under throttling)."""

    calls = 0

    def put_events(self, **_: Any) -> dict[str, Any]:
        type(self).calls += 1
        return {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "ThrottlingException", "ErrorMessage": "Rate exceeded"}]}


def _invoke_refused(name: str, event: dict[str, Any]) -> dict[str, Any]:
    """The worker invoked as Lambda does: a batch whose every record failed (Powertools raises) leaves them all queued."""
    try:
        return _INVOKE(name, event)
    except BatchProcessingError:
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]]}


_INVOKE = support.invoke


def test_a_refused_put_is_retried_and_the_event_then_published_once(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    url = observe(stack)
    refusing = _Refusing()
    with monkeypatch.context() as m:
        m.setattr(clients, "events", lambda: refusing)
        m.setattr(support, "invoke", _invoke_refused)
        report_world(stack)
        stack.drain()
    assert refusing.calls >= 3 and published(stack, url) == []
    items = event_items(stack)
    assert len(items) == 3 and {i["status"]["S"] for i in items} == {"PENDING"}
    assert all("JOBPK" in i for i in items), "an unpublished event stays on the sweeper's list"
    # When the bus takes events again, the sweeper re-sends every pending job (beside the messages SQS still retries)
    assert sweep_pending_jobs(older_than_seconds=0)["sent"] >= 3
    stack.drain()
    # Then each event is on the bus once, and recorded published
    assert Counter(e["detail"]["type"] for e in published(stack, url)) == Counter({ADDED: 1, REDEEMED: 1, REWARDED: 1})
    assert {i["status"]["S"] for i in event_items(stack)} == {"PUBLISHED"}
    assert not any("JOBPK" in i for i in event_items(stack))


def test_a_publish_job_out_of_attempts_retires_its_event_failed(stack: Stack) -> None:
    from loyalty.jobs.worker import run_job

    url = observe(stack)
    report_world(stack)
    published(stack, url)
    item = event_items(stack)[0]
    project, evt = item["PK"]["S"].split("#")[0], item["PK"]["S"].split("#")[-1]
    retire = PublishEvent(project_id=project, event_id=evt, attempt=6, retire=True)
    assert run_job(retire.to_json()) == "ALREADY_SETTLED"  # published already: the marker is gone
    db = stack.db(project)
    db.update(db.keys.notify_event(evt), "SET #s = :p, job = :j", names={"#s": "status"},
              values={"p": "PENDING", "j": retire.to_json()})
    assert run_job(retire.to_json()) == "RETIRED"
    again = next(i for i in event_items(stack) if i["PK"]["S"].endswith(evt))
    assert again["status"]["S"] == "FAILED" and "job" not in again


def test_one_project_s_events_carry_its_project_id_only(stack: Stack) -> None:
    url = observe(stack)
    stack.drain()
    report_world(stack)
    globex = dataclasses.replace(stack, headers=stack.other_headers, other_headers=stack.headers)
    report_world(globex)
    by_project = Counter(e["detail"]["project_id"] for e in published(stack, url))
    assert by_project == Counter({"acme": 3, "globex": 3})
    for item in event_items(stack):
        project = item["PK"]["S"].split("#")[0]
        detail = json.loads(json.dumps(item))  # raw attribute map
        assert detail["data"]["M"]["project_id"]["S"] == project
