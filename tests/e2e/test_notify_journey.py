"""Domain events out, end to end on the local runtime: `serve` creates the stack's EventBridge bus on its moto server, and
a reward purchase (approved by the worker, counted by the stream consumer) puts its event on that bus once: a rule with
an SQS target, set up here as a subscriber would, receives it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.e2e.conftest import SERVED, Client
from tests.support import eventually

pytestmark = pytest.mark.e2e
V2 = "/v2/loyalties"
REDEEMED = "customer.reward_redemptions.completed"


def _subscribe(state_dir: str) -> tuple[Any, str]:
    """An SQS queue on the runtime's moto server that a rule on the runtime's bus feeds (every `loyalty.api` event)."""
    info = json.loads((Path(state_dir) / "endpoints.json").read_text())
    creds = {"region_name": info["region"], "aws_access_key_id": "test", "aws_secret_access_key": "test"}
    sqs = boto3.client("sqs", endpoint_url=info["endpoints"]["sqs"], **creds)
    events = boto3.client("events", endpoint_url=info["endpoints"]["events"], **creds)
    bus = info["resources"]["EventBus"]
    tag = uuid.uuid4().hex[:8]
    url = sqs.create_queue(QueueName=f"e2e-events-{tag}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=f"e2e-{tag}", EventBusName=bus, EventPattern=json.dumps({"source": ["loyalty.api"]}))
    events.put_targets(Rule=f"e2e-{tag}", EventBusName=bus, Targets=[{"Id": "queue", "Arn": arn}])
    return sqs, url


def test_a_reward_purchase_s_event_reaches_the_bus_once(client: Client) -> None:
    sqs, url = _subscribe(SERVED[client.base_url])
    tag = uuid.uuid4().hex[:8]
    cdef = client.post(f"{V2}/card-definitions", {"name": f"Event wallet {tag}", "type": "INDIVIDUAL", "status": "ACTIVE"})["id"]
    reward = client.post(f"{V2}/rewards", {"name": f"Tea {tag}", "type": "MATERIAL", "status": "ACTIVE",
                                           "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}},
                                           "costs": [{"spending": [{"points": 30, "card_definition_id": cdef}]}]})["id"]
    rule = client.post(f"{V2}/earning-rules", {
        "name": f"Paid {tag}", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": cdef}}]}]})["id"]
    program = client.post(f"{V2}/programs", {"name": f"Evented {tag}", "status": "ACTIVE", "card_definitions": [{"id": cdef}],
                                            "earning_rules": [{"id": rule}], "rewards": [{"id": reward}]})["id"]
    customer = client.post("/v1/customers", {"source_id": f"e2e-events-{tag}", "name": "Eve"})["id"]
    member = client.post(f"{V2}/programs/{program}/members", {"customer_id": customer})
    card = member["cards"][0]["card"]["id"]
    path = f"{V2}/programs/{program}/members/{member['id']}/cards/{card}"
    client.post(f"{path}/points", {"points": 50, "reason": "welcome"})
    eventually(lambda: any(t["status"] == "APPROVED" for t in client.get(f"{path}/transactions")["data"]), timeout=30)
    client.post(f"{V2}/programs/{program}/members/{member['id']}/rewards/purchases", {"reward_id": reward}, expect=202)
    seen: list[dict[str, Any]] = []

    def redeemed() -> dict[str, Any] | None:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            seen.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return next((e for e in seen if e["detail"]["type"] == REDEEMED and e["detail"]["data"]["card_id"] == card), None)

    event = eventually(redeemed, timeout=60)
    assert event["source"] == "loyalty.api" and event["detail-type"] == REDEEMED
    detail = event["detail"]
    assert detail["id"].startswith("evt_") and detail["data"]["program_id"] == program
    assert detail["data"]["customer_id"] == customer and detail["data"]["transaction"]["type"] == "POINTS_SPENT_ON_REWARD"
    # the points added before it were published too, and nothing twice
    mine = [e["detail"] for e in seen if e["detail"]["data"].get("card_id") == card]
    assert len({d["id"] for d in mine}) == len(mine)
