"""Webhooks (ours): signed deliveries through the webhook queue to a local HTTP receiver that fails, then recovers;
exactly one successful POST per event and webhook, redeliveries that POST nothing, attempts visible through the API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.settings import get_settings
from loyalty.db.transact import TransactionConflict
from loyalty.jobs.models import DeliverWebhook
from loyalty.jobs.queue import enqueue
from loyalty.jobs.sweeper import sweep_pending_jobs
from loyalty.webhooks import delivery, store
from loyalty.webhooks.models import MAX_ATTEMPTS
from loyalty.webhooks.service import fan_out
from tests import support

README_EXAMPLE = '''
import hashlib, hmac, time

def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """True when `header` (X-Loyalty-Signature) signs `body` (the raw request body) with the webhook's secret."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    timestamp = int(fields["t"])
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return abs(time.time() - timestamp) <= tolerance and hmac.compare_digest(expected, fields["v1"])
'''
"""The verification example proposed for the README, run as is against real deliveries below."""

POINTS = "customer.rewarded.loyalty_points"


class Receiver:
    """A local HTTP receiver: answers 500 to its first `failures` POSTs, then 200; keeps every request."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.requests: list[tuple[dict[str, str], bytes, int]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = 500 if len(receiver.requests) < receiver.failures else 200
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body, status))
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def delivered(self) -> list[tuple[dict[str, str], bytes, int]]:
        """The requests answered 2xx."""
        return [r for r in self.requests if r[2] == 200]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hooks(stack: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The stack with the webhook queue (and its DLQ) and http URLs allowed, as the local runtime has them."""
    dlq = stack.sqs.create_queue(QueueName="webhooks-dlq")["QueueUrl"]
    arn = stack.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    stack.webhook_queue = stack.sqs.create_queue(QueueName="webhooks", Attributes={
        "VisibilityTimeout": "30", "RedrivePolicy": f'{{"deadLetterTargetArn":"{arn}","maxReceiveCount":"8"}}'})["QueueUrl"]
    monkeypatch.setenv("WEBHOOK_QUEUE_URL", stack.webhook_queue)
    monkeypatch.setenv("WEBHOOKS_ALLOW_HTTP", "1")
    get_settings.cache_clear()
    yield stack
    get_settings.cache_clear()


def _webhook(stack: Any, url: str, events: list[str] | None = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    status, body = stack.call("create_webhook", "POST", "/v1/webhooks", {"url": url, "events": events or [POINTS]}, headers=headers)
    assert status == 200, body
    return dict(body)


def _publish(stack: Any, project: str = "acme", event_type: str = POINTS, event_id: str | None = None) -> tuple[dict[str, Any], list[DeliverWebhook]]:
    """What the event publisher does: fan the event out in its transaction, commit, then send the delivery jobs."""
    db = stack.db(project)
    event = {"id": event_id or f"evt_{ids.EVENT.new()[6:]}", "object": "event", "type": event_type, "created_at": now_iso(),
             "project_id": project, "data": {"customer": {"id": "cust_1"}, "points": 10}}
    tx = db.transaction()
    jobs = fan_out(db, tx, event)
    tx.commit()
    for job in jobs:
        enqueue(job)
    return event, jobs


def _drain(stack: Any, rounds: int = 30) -> list[str]:
    """Run the delivery function over the webhook queue until it is empty, as the SQS trigger does; a failed message is
    checked to be backed off (invisible), then made visible again as if its backoff had passed. Returns the outcomes."""
    outcomes: list[str] = []
    for _ in range(rounds):
        messages = stack.sqs.receive_message(QueueUrl=stack.webhook_queue, MaxNumberOfMessages=4,
                                             AttributeNames=["All"]).get("Messages", [])
        if not messages:
            return outcomes
        result = support.invoke("deliver_webhooks", support.sqs_event(messages, "arn:aws:sqs:us-east-1:000000000000:webhooks"))
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        for m in messages:
            if m["MessageId"] in failed:
                outcomes.append("retry")
            else:
                stack.sqs.delete_message(QueueUrl=stack.webhook_queue, ReceiptHandle=m["ReceiptHandle"])
                outcomes.append("done")
        if failed:
            assert not stack.sqs.receive_message(QueueUrl=stack.webhook_queue).get("Messages"), "a failed delivery is backed off"
            for m in messages:
                if m["MessageId"] in failed:
                    stack.sqs.change_message_visibility(QueueUrl=stack.webhook_queue, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    return outcomes


def _deliveries(stack: Any, webhook_id: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    return stack.call("list_webhook_deliveries", "GET", f"/v1/webhooks/{webhook_id}/deliveries", headers=headers)


def test_a_failing_receiver_that_recovers_gets_exactly_one_signed_delivery(hooks: Any) -> None:
    receiver = Receiver(failures=3)
    try:
        webhook = _webhook(hooks, receiver.url)
        _webhook(hooks, receiver.url + "/tiers", ["customer.loyalty.tier.joined"])  # not subscribed: nothing
        event, jobs = _publish(hooks)
        assert len(jobs) == 1
        assert _drain(hooks) == ["retry", "retry", "retry", "done"]
        assert [r[2] for r in receiver.requests] == [500, 500, 500, 200]
        headers, body, _ = receiver.delivered[0]
        assert json.loads(body) == event
        assert headers["x-loyalty-event-id"] == event["id"] and headers["x-loyalty-event-type"] == POINTS
        assert headers["x-loyalty-delivery-id"] == jobs[0].delivery_id
        namespace: dict[str, Any] = {}
        exec(README_EXAMPLE, namespace)  # noqa: S102 - the README's own example, run as is
        assert namespace["verify"](webhook["secret"], headers["x-loyalty-signature"], body)
        assert not namespace["verify"](webhook["secret"], headers["x-loyalty-signature"], body + b" ")
        assert not namespace["verify"]("whsec_other", headers["x-loyalty-signature"], body)
        status, page = _deliveries(hooks, webhook["id"])
        assert status == 200 and page["has_more"] is False
        [shown] = page["deliveries"]
        assert shown["status"] == "DELIVERED" and shown["event_id"] == event["id"]
        assert [a["status_code"] for a in shown["attempts"]] == [500, 500, 500, 200]
        assert all(set(a) == {"at", "status_code", "duration_ms", "error"} for a in shown["attempts"])
        assert [a["error"] is None for a in shown["attempts"]] == [False, False, False, True]
        assert not [i for i in hooks.items() if "JOBPK" in i], "a delivered delivery leaves the pending-job index"
        assert sweep_pending_jobs(older_than_seconds=0)["found"] == 0
    finally:
        receiver.close()


def test_a_redelivered_message_posts_nothing_more(hooks: Any) -> None:
    receiver = Receiver()
    try:
        _webhook(hooks, receiver.url)
        _, [job] = _publish(hooks)
        assert _drain(hooks) == ["done"]
        enqueue(job)  # SQS delivers the message again (at least once)
        enqueue(job.resent(2, retire=False))  # and the sweeper re-sends it
        assert _drain(hooks) == ["done", "done"]
        assert len(receiver.requests) == 1
    finally:
        receiver.close()


def test_two_receivers_of_one_message_do_not_both_post(hooks: Any) -> None:
    receiver = Receiver()
    try:
        _webhook(hooks, receiver.url)
        _, [job] = _publish(hooks)
        db = hooks.db()
        assert store.lease(db, job, "other-receiver", delivery.now_ms(), 30_000)  # another receiver is POSTing it
        sent: list[str] = []

        def send(url: str, body: bytes, headers: dict[str, str]) -> delivery.Response:
            sent.append(url)
            return delivery.Response(200, None)

        with pytest.raises(delivery.DeliveryFailed):
            delivery.deliver(db, job, send=send)
        assert sent == [] and receiver.requests == []
        assert store.get_delivery(db, job)["status"] == "PENDING"  # type: ignore[index]
    finally:
        receiver.close()


def test_an_event_fans_out_once(hooks: Any) -> None:
    receiver = Receiver()
    try:
        _webhook(hooks, receiver.url)
        event, _ = _publish(hooks)
        db = hooks.db()
        tx = db.transaction()
        again = fan_out(db, tx, event)  # the publisher's job ran twice
        with pytest.raises(TransactionConflict):
            tx.commit()
        assert len(again) == 1 and len([i for i in hooks.items() if i["SK"]["S"].endswith(again[0].delivery_id)]) == 1
        inactive = _webhook(hooks, receiver.url)
        assert hooks.call("update_webhook", "PUT", f"/v1/webhooks/{inactive['id']}", {"active": False})[0] == 200
        _, jobs = _publish(hooks)
        assert [j.webhook_id for j in jobs] != [inactive["id"]] and len(jobs) == 1  # an inactive webhook gets nothing
    finally:
        receiver.close()


def test_out_of_attempts_the_delivery_fails(hooks: Any) -> None:
    receiver = Receiver(failures=1000)
    try:
        webhook = _webhook(hooks, receiver.url)
        _publish(hooks)
        assert _drain(hooks) == ["retry"] * (MAX_ATTEMPTS - 1) + ["done"]
        assert len(receiver.requests) == MAX_ATTEMPTS
        [shown] = _deliveries(hooks, webhook["id"])[1]["deliveries"]
        assert shown["status"] == "FAILED" and len(shown["attempts"]) == MAX_ATTEMPTS
        assert not [i for i in hooks.items() if "JOBPK" in i]
    finally:
        receiver.close()


def test_the_sweeper_sends_lost_deliveries_to_the_webhook_queue_and_retires_them(hooks: Any) -> None:
    receiver = Receiver(failures=1000)
    try:
        webhook = _webhook(hooks, receiver.url)
        db = hooks.db()
        event = {"id": "evt_0123abcd", "object": "event", "type": POINTS, "created_at": now_iso(), "project_id": "acme", "data": {}}
        tx = db.transaction()
        [job] = fan_out(db, tx, event)
        tx.commit()  # and the send is lost
        assert sweep_pending_jobs(older_than_seconds=0)["sent"] == 1
        assert not hooks.sqs.receive_message(QueueUrl=hooks.queue_url).get("Messages"), "not the jobs queue"
        [message] = hooks.sqs.receive_message(QueueUrl=hooks.webhook_queue, VisibilityTimeout=0)["Messages"]
        assert json.loads(message["Body"])["delivery_id"] == job.delivery_id
        _lose(hooks, [message])
        for _ in range(get_settings().job_max_attempts - 2):  # every send lost: the sweeper then retires the delivery
            sweep_pending_jobs(older_than_seconds=0)
            _lose(hooks, hooks.sqs.receive_message(QueueUrl=hooks.webhook_queue, MaxNumberOfMessages=10)["Messages"])
        assert sweep_pending_jobs(older_than_seconds=0)["retiring"] == 1
        assert _drain(hooks) == ["done"]
        [shown] = _deliveries(hooks, webhook["id"])[1]["deliveries"]
        assert shown["status"] == "FAILED" and receiver.requests == []
    finally:
        receiver.close()


def _lose(stack: Any, messages: list[dict[str, Any]]) -> None:
    for m in messages:
        stack.sqs.delete_message(QueueUrl=stack.webhook_queue, ReceiptHandle=m["ReceiptHandle"])


def test_a_deleted_webhook_gets_no_more_posts(hooks: Any) -> None:
    receiver = Receiver(failures=1)
    try:
        webhook = _webhook(hooks, receiver.url)
        _publish(hooks)
        assert _drain(hooks, rounds=1) == ["retry"]
        assert hooks.call("delete_webhook", "DELETE", f"/v1/webhooks/{webhook['id']}")[0] == 204
        assert _drain(hooks) == ["done"]
        assert len(receiver.requests) == 1
        assert _deliveries(hooks, webhook["id"])[0] == 404
    finally:
        receiver.close()


def test_crud_and_paging(hooks: Any) -> None:
    created = _webhook(hooks, "https://example.com/a", ["*"])
    assert created["secret"].startswith("whsec_") and created["active"] is True
    assert hooks.call("get_webhook", "GET", f"/v1/webhooks/{created['id']}")[1] == created
    status, updated = hooks.call("update_webhook", "PUT", f"/v1/webhooks/{created['id']}",
                                 {"url": "https://example.com/b", "description": "b"})
    assert status == 200 and updated["url"] == "https://example.com/b" and updated["secret"] == created["secret"]
    status, listed = hooks.call("list_webhooks", "GET", "/v1/webhooks")
    assert status == 200 and [w["id"] for w in listed["webhooks"]] == [created["id"]] and "secret" not in listed["webhooks"][0]
    for n in range(3):
        _publish(hooks, event_id=f"evt_{n:04x}")
    first = hooks.call("list_webhook_deliveries", "GET", f"/v1/webhooks/{created['id']}/deliveries", query={"limit": "2"})[1]
    assert first["has_more"] is True and len(first["deliveries"]) == 2
    rest = hooks.call("list_webhook_deliveries", "GET", f"/v1/webhooks/{created['id']}/deliveries",
                      query={"limit": "2", "cursor": first["cursor"]["next"]})[1]
    assert rest["has_more"] is False
    shown = [d["event_id"] for d in first["deliveries"] + rest["deliveries"]]
    assert sorted(shown) == ["evt_0000", "evt_0001", "evt_0002"] and len(set(shown)) == 3
    times = [d["created_at"] for d in first["deliveries"] + rest["deliveries"]]
    assert times == sorted(times, reverse=True)
    assert hooks.call("delete_webhook", "DELETE", f"/v1/webhooks/{created['id']}")[0] == 204
    assert hooks.call("get_webhook", "GET", f"/v1/webhooks/{created['id']}")[0] == 404
    assert hooks.call("list_webhooks", "GET", "/v1/webhooks")[1]["webhooks"] == []
