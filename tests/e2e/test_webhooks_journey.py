"""Webhooks (ours) over HTTP against the local runtime: a webhook pointed at a local receiver (http: the local runtime
allows it) gets an event's delivery through the runtime's webhook queue poller, signed (verified with the README's
example), after its receiver failed once; the deliveries endpoint shows the attempts (recorded for test_conformance.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from loyalty.core.clock import now_iso
from loyalty.webhooks.service import fan_out
from tests.e2e import conformance
from tests.e2e.conftest import SERVED, Client
from tests.integration.test_webhooks import README_EXAMPLE, Receiver
from tests.support import eventually, served_table

pytestmark = pytest.mark.e2e
UNKNOWN = "wh_0000000000000000ff"


def test_a_webhook_gets_a_signed_delivery_from_the_local_runtime(client: Client) -> None:
    _webhooks(client)


def drive_webhooks(client: Client) -> None:
    """Every webhook route with a success and its typical errors (test_conformance.py runs it when this module did not)."""
    conformance.DRIVEN.add("webhooks")
    _webhooks(client)


def publish(client: Client, event: dict[str, Any]) -> list[str]:
    """What the event publisher does, on the served stack: fan the event out to the project's webhooks in one transaction,
    then send the delivery jobs to the runtime's webhook queue. Returns the webhooks it went to (other tests of the
    shared project may have theirs)."""
    state = SERVED[client.base_url]
    db = served_table(state, event["project_id"])
    tx = db.transaction()
    jobs = fan_out(db, tx, event)
    tx.commit()
    info = json.loads((Path(state) / "endpoints.json").read_text())
    sqs = boto3.client("sqs", endpoint_url=info["endpoints"]["sqs"], region_name=info["region"],
                       aws_access_key_id="test", aws_secret_access_key="test")
    for job in jobs:
        sqs.send_message(QueueUrl=info["resources"]["WebhookQueue"], MessageBody=job.to_json())
    return [job.webhook_id for job in jobs]


def _webhooks(client: Client) -> None:
    project = str(client.session.headers["X-App-Id"]).split(".", 1)[0]
    receiver = Receiver(failures=1)
    try:
        created = client.post("/v1/webhooks", {"url": receiver.url, "events": ["customer.rewarded.loyalty_points"],
                                               "description": "e2e"})
        assert created["secret"].startswith("whsec_")
        assert client.get(f"/v1/webhooks/{created['id']}") == created
        assert created["id"] in [w["id"] for w in client.get("/v1/webhooks")["webhooks"]]
        status, _ = client.request("POST", "/v1/webhooks", {"url": receiver.url, "events": ["nope"]})
        assert status == 400
        for method, path, sent in (("GET", f"/v1/webhooks/{UNKNOWN}", None), ("PUT", f"/v1/webhooks/{UNKNOWN}", {"active": True}),
                                   ("DELETE", f"/v1/webhooks/{UNKNOWN}", None), ("GET", f"/v1/webhooks/{UNKNOWN}/deliveries", None)):
            status, data = client.request(method, path, sent)
            assert (status, data["key"]) == (404, "not_found"), (method, path, data)
        assert client.request("GET", f"/v1/webhooks/{created['id']}/deliveries", params={"limit": "0"})[0] == 400
        anonymous = Client(client.base_url, {}, client.recorder)
        assert anonymous.request("GET", "/v1/webhooks")[0] == 401
        event = {"id": f"evt_e2e{created['id'][3:]}", "object": "event", "type": "customer.rewarded.loyalty_points",
                 "created_at": now_iso(), "project_id": project, "data": {"points": 5}}
        assert publish(client, event).count(created["id"]) == 1
        eventually(lambda: receiver.delivered, timeout=60)
        headers, body, _ = receiver.delivered[0]
        namespace: dict[str, Any] = {}
        exec(README_EXAMPLE, namespace)  # noqa: S102 - the README's own example, run as is
        assert namespace["verify"](created["secret"], headers["x-loyalty-signature"], body)
        assert json.loads(body) == event

        def delivered() -> dict[str, Any] | None:
            page = client.get(f"/v1/webhooks/{created['id']}/deliveries")
            return page if page["deliveries"] and page["deliveries"][0]["status"] == "DELIVERED" else None

        page = eventually(delivered, timeout=30)
        assert [a["status_code"] for a in page["deliveries"][0]["attempts"]] == [500, 200]
        assert len(receiver.requests) == 2
        status, updated = client.request("PUT", f"/v1/webhooks/{created['id']}", {"active": False})
        assert status == 200 and updated["active"] is False
        assert client.request("DELETE", f"/v1/webhooks/{created['id']}")[0] == 204
        assert client.request("GET", f"/v1/webhooks/{created['id']}/deliveries")[0] == 404
    finally:
        receiver.close()
