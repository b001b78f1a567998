"""Issue 11's proof, end to end on moto: a reward purchase, an order's earning and a tier change each put exactly one
event on the stack's EventBridge bus and make exactly one signed 2xx webhook delivery of it, although the receiver fails
its first POSTs, the table's stream is replayed from its start, every publish job and every delivery job is delivered
again, and the sweeper runs."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from loyalty.jobs.models import DeliverWebhook
from loyalty.jobs.queue import enqueue
from loyalty.jobs.sweeper import sweep_pending_jobs
from tests import support
from tests.integration.test_member_tiers import adjust, tiered_world
from tests.integration.test_notify import (
    ADDED,
    JOINED,
    LEFT,
    REDEEMED,
    REWARDED,
    UPGRADED,
    observe,
    published,
    redeliver_publish_jobs,
)
from tests.integration.test_reports import report_world
from tests.integration.test_webhooks import README_EXAMPLE, Receiver, _drain, _webhook
from tests.integration.test_webhooks import hooks as hooks  # the fixture: the webhook queue, http URLs allowed


def _verify() -> Any:
    namespace: dict[str, Any] = {}
    exec(README_EXAMPLE, namespace)  # noqa: S102 - the README's own verification example, run as is
    return namespace["verify"]


def _delivered_jobs(stack: Any, webhook_id: str) -> list[DeliverWebhook]:
    """One delivery job per delivery the API lists (what a redelivered message would carry)."""
    status, page = stack.call("list_webhook_deliveries", "GET", f"/v1/webhooks/{webhook_id}/deliveries", query={"limit": "100"})
    assert status == 200, page
    return [DeliverWebhook(project_id="acme", webhook_id=webhook_id, delivery_id=d["id"], sort_key=f"{d['created_at']}#{d['id']}")
            for d in page["deliveries"]]


def _prove_once(stack: Any, url: str, receiver: Receiver, webhook: dict[str, Any], expected: Counter[str],
                replay: list[str], also_on_bus: Counter[str] | None = None) -> None:
    """The webhook's 2xx deliveries are exactly `expected` (by type), one each, and the bus has each of those events
    once too (with `also_on_bus`, the events the webhook is not subscribed to); the failed POSTs came first; then
    replays and redeliveries of everything add nothing."""
    stack.drain()
    outcomes = _drain(stack)
    assert "retry" in outcomes, "the receiver failed first"
    on_bus = [e["detail"] for e in published(stack, url)]
    assert Counter(d["type"] for d in on_bus) == expected + (also_on_bus or Counter())
    delivered = receiver.delivered
    assert Counter(h["x-loyalty-event-type"] for h, _, _ in delivered) == expected
    assert sorted(h["x-loyalty-event-id"] for h, _, _ in delivered) == sorted(d["id"] for d in on_bus if d["type"] in expected)
    verify = _verify()
    for headers, body, _ in delivered:
        assert verify(webhook["secret"], headers["x-loyalty-signature"], body)
        assert json.loads(body)["id"] == headers["x-loyalty-event-id"]
    assert sum(1 for r in receiver.requests if r[2] != 200) >= 1
    posts = len(receiver.requests)

    # When the stream is replayed, every publish job and every delivery job arrives again, and the sweeper runs
    for function in replay:
        support.drain_stream(support.stream_poller(function=function))
    redeliver_publish_jobs(stack)
    jobs = _delivered_jobs(stack, webhook["id"])
    assert len(jobs) == sum(expected.values())
    for job in jobs:
        enqueue(job)
    stack.drain()
    sweep_pending_jobs(older_than_seconds=0)
    stack.drain()
    _drain(stack)

    # Then nothing more reaches the bus or the receiver, and every delivery is DELIVERED
    assert published(stack, url) == []
    assert len(receiver.requests) == posts
    status, page = stack.call("list_webhook_deliveries", "GET", f"/v1/webhooks/{webhook['id']}/deliveries", query={"limit": "100"})
    assert status == 200 and {d["status"] for d in page["deliveries"]} == {"DELIVERED"}


def test_a_purchase_and_an_earning_each_make_one_bus_event_and_one_signed_delivery(hooks: Any) -> None:
    url = observe(hooks)
    receiver = Receiver(failures=2)
    try:
        webhook = _webhook(hooks, receiver.url, ["*"])
        report_world(hooks)  # 500 points added, a reward purchased and approved, an order's points earned
        _prove_once(hooks, url, receiver, webhook, Counter({ADDED: 1, REDEEMED: 1, REWARDED: 1}), [support.CARD_TRANSACTIONS])
    finally:
        receiver.close()


def test_a_tier_change_makes_one_bus_event_and_one_signed_delivery_per_tier_event(hooks: Any) -> None:
    url = observe(hooks)
    receiver = Receiver(failures=3)
    try:
        webhook = _webhook(hooks, receiver.url, [JOINED, LEFT, UPGRADED])
        w = tiered_world(hooks)  # enrolled: joins Bronze
        adjust(hooks, w, 150)  # Bronze -> Silver
        _prove_once(hooks, url, receiver, webhook, Counter({JOINED: 2, LEFT: 1, UPGRADED: 1}),
                    [support.CARD_CHANGES, support.CARD_TRANSACTIONS], also_on_bus=Counter({ADDED: 1}))
    finally:
        receiver.close()
