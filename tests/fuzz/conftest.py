"""Fuzz fixtures: one `python -m local serve` for the fuzz modules, and a small world of real resources in it."""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from bench.buckets import card_ref, seed_expiring, seed_pending, served_table
from local.runtime import ServeProcess
from local.template import Route, load_template, match_route
from tests.fuzz.tiers_world import tiers_world
from tests.support import eventually, served_event_schema

ROOT = Path(__file__).resolve().parents[2]
OPENAPI = ROOT / "openapi.json"
TEMPLATE = load_template(ROOT / "template.yaml")
ROUTES: list[Route] = TEMPLATE.routes
# Generated cases per operation and per property-based test; FUZZ_EXAMPLES=200 for a long run.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 20)
SEED = int(os.environ.get("FUZZ_SEED") or 20250101)
V2 = "/v2/loyalties"


def routed(method: str, url_path: str) -> bool:
    """Whether a request reaches an operation's function (else the $default route answers 404 `not_found`)."""
    found = match_route(ROUTES, method, url_path)
    return found is not None and found[0].path != "$default"


class Api:
    """A session on the runtime with the dev key; `call` answers (status, parsed JSON or None, response)."""

    def __init__(self, server: ServeProcess) -> None:
        self.base_url = server.base_url
        self.state_dir = server.state_dir
        self.headers = dict(server.dev_key.headers)
        self.session = requests.Session()

    def call(self, method: str, path: str, body: Any = None, *, data: str | bytes | None = None,
             headers: dict[str, str] | None = None, params: Any = None, auth: bool = True) -> tuple[int, Any, requests.Response]:
        sent = {**(self.headers if auth else {}), "Content-Type": "application/json", **(headers or {})}
        resp = self.session.request(method, self.base_url + path, json=body if data is None else None, data=data,
                                    headers=sent, params=params, timeout=60)
        try:
            parsed = resp.json()
        except ValueError:
            parsed = None
        return resp.status_code, parsed, resp

    def ok(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        status, data, _ = self.call(method, path, body)
        assert status == expect, (method, path, status, data)
        return data


@pytest.fixture(scope="package")
def server() -> Iterator[ServeProcess]:
    """The whole stack (embedded backend) on a free port, in a temporary state dir, for the tests of this package."""
    with tempfile.TemporaryDirectory(prefix="loyalty-fuzz-") as state:
        proc = ServeProcess(port=0, state_dir=state, env={"PROJECT_RATE_LIMIT": "0"})  # fuzzing outpaces the per-project limit
        proc.start()
        try:
            yield proc
        finally:
            proc.stop()


@pytest.fixture(scope="package")
def api(server: ServeProcess) -> Api:
    return Api(server)


@pytest.fixture(scope="package")
def world(server: ServeProcess, api: Api) -> dict[str, str]:
    """Real ids the fuzzers aim at: an ACTIVE v2 program with a member whose card has points and two transactions
    (so list endpoints have a next cursor), a reward, a v1 campaign with a published card, and a custom event schema."""
    tag = uuid.uuid4().hex[:8]
    event_name = f"fuzz_event_{tag}"
    served_event_schema(server.state_dir, event_name, {"rating": "number"})
    cdef = api.ok("POST", f"{V2}/card-definitions", {"name": f"Fuzz wallet {tag}", "type": "INDIVIDUAL", "status": "ACTIVE",
                                                     "pending_points": PENDING_7D, "points_expiration": ROLLING_6M,
                                                     "pay_with_points": {"type": "EXCHANGE_RATIO", "exchange_ratio": {"formula": 1}}})
    rule = api.ok("POST", f"{V2}/earning-rules", {
        "name": "Order paid", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": cdef["id"]}}]}]})
    reward = api.ok("POST", f"{V2}/rewards", {
        "name": "Coffee", "type": "MATERIAL", "status": "ACTIVE",
        "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}},
        "costs": [{"spending": [{"points": 100, "card_definition_id": cdef["id"]}]}]})
    # a second of each component, so that every assignment list has a second page
    cdef2 = api.ok("POST", f"{V2}/card-definitions", {"name": f"Fuzz wallet 2 {tag}", "type": "INDIVIDUAL", "status": "ACTIVE"})
    rule2 = api.ok("POST", f"{V2}/earning-rules", {
        "name": "Order paid 2", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 5, "card_definition_id": cdef["id"]}}]}]})
    reward2 = api.ok("POST", f"{V2}/rewards", {
        "name": "Tea", "type": "MATERIAL", "status": "ACTIVE", "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a81"}},
        "costs": [{"spending": [{"points": 100, "card_definition_id": cdef["id"]}]}]})
    program = api.ok("POST", f"{V2}/programs", {
        "name": f"Fuzz {tag}", "status": "ACTIVE", "card_definitions": [{"id": cdef["id"]}, {"id": cdef2["id"]}],
        "earning_rules": [{"id": rule["id"]}, {"id": rule2["id"]}],
        "rewards": [{"id": reward["id"], "stock": {"type": "LIMITED", "limited": {"quantity": 5}}}, {"id": reward2["id"]}]})
    api.ok("PUT", f"{V2}/programs/{program['id']}", {"name": f"Fuzz {tag}!"})  # a second program activity
    victim = api.ok("POST", f"{V2}/programs", {"name": f"Fuzz draft {tag}"})  # a second program, for the destructive operations
    # A second (unassigned) card definition, earning rule and reward, so that their lists have a second page too
    spare = api.ok("POST", f"{V2}/card-definitions", {"name": f"Fuzz spare {tag}", "type": "INDIVIDUAL"})
    api.ok("POST", f"{V2}/earning-rules", {"name": "Spare", "trigger": {"event": "customer.order.paid"},
                                          "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 1, "card_definition_id": spare["id"]}}]}]})
    api.ok("POST", f"{V2}/rewards", {"name": "Spare", "type": "MATERIAL", "material": {"type": "PRODUCT", "product": {"id": "prod_0a"}},
                                    "costs": [{"spending": [{"points": 1, "card_definition_id": spare["id"]}]}]})
    customer = api.ok("POST", "/v1/customers", {"source_id": f"fuzz-{tag}", "name": "Fuzz"})
    member = api.ok("POST", f"{V2}/programs/{program['id']}/members", {"customer_id": customer["id"]})
    card = next(c["card"]["id"] for c in member["cards"] if c["card"]["card_definition_id"] == cdef["id"])
    m = f"{V2}/programs/{program['id']}/members/{member['id']}"
    for points in (500, 300):
        api.ok("POST", f"{m}/cards/{card}/points", {"points": points, "reason": "fuzz"})

    def balance_settles_at(points: int) -> None:  # the worker settles credits and purchases
        eventually(lambda: any(c["card"]["id"] == card and c["card"]["balance"]["points"] == points for c in api.ok("GET", m)["cards"]),
                   timeout=60)

    balance_settles_at(800)  # buy only once the credits are on the balance, or a slow worker makes the purchase a 423
    api.ok("POST", f"{m}/rewards/purchases", {"reward_id": reward["id"]}, expect=202)
    bought = api.ok("POST", f"{m}/rewards/purchases", {"reward_id": reward["id"]}, expect=202)
    balance_settles_at(600)
    api.ok("PUT", m, {"metadata": {"fuzz": True}})  # a second member activity
    others = []
    for other in ("a", "b"):  # the members list keeps a second page even after the fuzzers delete a member
        someone = api.ok("POST", "/v1/customers", {"source_id": f"fuzz-{tag}-{other}"})
        others.append(api.ok("POST", f"{V2}/programs/{program['id']}/members", {"customer_id": someone["id"]})["id"])
    victim_customer = api.ok("POST", "/v1/customers", {"source_id": f"fuzz-{tag}-victim", "name": "Victim"})  # updated, deleted
    action = api.ok("POST", f"{V2}/programs/{program['id']}/members/batch", [{"customer_id": customer["id"]}], expect=202)
    campaign = api.ok("POST", "/v1/loyalties", {
        "name": f"Fuzz campaign {tag}", "type": "AUTO_UPDATE",
        "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}, "code_config": {"pattern": "F-########"}}})
    v1_card = api.ok("POST", f"/v1/loyalties/{campaign['id']}/members", {"customer": customer["id"]})
    someone_else = api.ok("POST", "/v1/customers", {"source_id": f"fuzz-{tag}-v1-source"})
    v1_source = api.ok("POST", f"/v1/loyalties/{campaign['id']}/members", {"customer": someone_else["id"]})  # transfers' source
    api.ok("POST", f"/v1/loyalties/{campaign['id']}/members/{v1_source['code']}/balance", {"points": 1000})
    victim_campaign = api.ok("POST", "/v1/loyalties", {  # the sacrifice of DELETE /v1/loyalties/{campaignId}
        "name": f"Fuzz victim campaign {tag}", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}})
    # two v1 earning rules (a list with a second page), and a third for the destructive DELETE
    v1_rules = api.ok("POST", f"/v1/loyalties/{campaign['id']}/earning-rules", [
        {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT",
                                            "order": {"amount": {"every": 100, "points": 1}}}},
        {"event": "order.paid", "loyalty": {"type": "FIXED", "points": 5}},
        {"event": "order.paid", "loyalty": {"type": "FIXED", "points": 1}, "source": {"banner": "victim"}}])
    v1_rewards = v1_rewards_world(api, campaign["id"], tag)
    export = api.ok("POST", f"/v1/loyalties/{campaign['id']}/transactions/export", {"parameters": {"fields": ["id"]}})
    webhooks = seed_webhooks(api, tag)
    v1_tiers = api.ok("POST", f"/v1/loyalties/{campaign['id']}/tiers", [  # two tiers: the tier list has more than one
        {"name": "Fuzz silver", "points": {"from": 0, "to": 999}}, {"name": "Fuzz gold", "points": {"from": 1000, "to": 99999}}])
    order = api.ok("POST", "/v1/orders", {"source_id": f"fuzz-order-{tag}", "status": "CREATED", "amount": 1000,
                                          "customer": {"id": customer["id"]}, "items": [{"quantity": 1, "price": 1000}]})
    api.ok("POST", "/v1/orders", {"source_id": f"fuzz-order-{tag}-2"})  # the orders list has a second page
    buckets = seed_world_buckets(api, {"program": program["id"], "member": member["id"], "card": card, "cdef": cdef["id"],
                                       "customer": customer["id"], "campaign": campaign["id"], "code": v1_card["code"]})
    for _ in range(2):  # two order payments of 1 point: the member's order payments list has a second page
        api.ok("POST", f"{m}/orders/payments", {"card_id": card, "order": {"id": order["id"]},
                                                "payment_limit": {"type": "POINTS_LIMIT", "points_limit": {"max": 1}}}, expect=202)
    return {
        "programId": program["id"], "memberId": member["id"], "cardId": card, "rewardId": reward["id"],
        "cardDefinitionId": cdef["id"], "earningRuleId": rule["id"], "customerId": customer["id"],
        "campaignId": campaign["id"], "v1/memberId": v1_card["code"], "v1/customerId": customer["id"],
        "kind": "qr", "assetId": v1_card["assets"]["qr"]["id"],  # the public card asset route (an image, tests/fuzz/test_fuzz.py)
        "v1/earningRuleId": v1_rules[0]["id"],
        "victim-v1-rule/campaignId": campaign["id"], "victim-v1-rule/earningRuleId": v1_rules[2]["id"],
        "victim-campaign/campaignId": victim_campaign["id"], "v1SourceCode": v1_source["code"],
        "victim-program/programId": victim["id"],
        **v1_rewards,
        "loyaltyTierId": v1_tiers[0]["id"],
        "victim-customer/customerId": victim_customer["id"],
        "victim-member/programId": program["id"], "victim-member/memberId": others[0],
        **tiers_world(api, cdef["id"]),
        "asyncActionId": action["async_action_id"],
        "exportId": export["id"],
        "webhookId": webhooks[0]["id"], "victim-webhook/webhookId": webhooks[1]["id"],  # ours; the second for DELETE
        "orderId": order["id"],
        # a purchase of a reward that is not REFUNDABLE: refunded only by a body with policies.refund ALLOW (that returns points)
        "rewardTransactionId": bought["transaction"]["details"]["reward_transaction"]["id"],
        "resource": event_name,
        **buckets,
    }


def seed_webhooks(api: Api, tag: str) -> list[dict[str, Any]]:
    """Two webhooks (ours; the second for DELETE) at a local port nothing listens on, the first with two deliveries (its
    deliveries list has a second page), fanned out into the served table as the event publisher does (their jobs are not
    sent: a delivery the sweeper re-sends is refused at once, and ends FAILED)."""
    from loyalty.core.clock import now_iso
    from loyalty.webhooks.service import fan_out

    webhooks = [api.ok("POST", "/v1/webhooks", {"url": f"https://127.0.0.1:9/fuzz-{tag}-{n}", "events": ["*"]}) for n in range(2)]
    api.ok("PUT", f"/v1/webhooks/{webhooks[1]['id']}", {"active": False})
    project = api.headers["X-App-Id"].split(".", 1)[0]
    db = served_table(api.state_dir, project)
    for n in range(2):
        tx = db.transaction()
        fan_out(db, tx, {"id": f"evt_fuzz{tag}{n}", "object": "event", "type": "customer.rewarded.loyalty_points",
                         "created_at": now_iso(), "project_id": project, "data": {}})
        tx.commit()
    return webhooks


def v1_rewards_world(api: Api, campaign_id: str, tag: str) -> dict[str, str]:
    """v1 rewards: two assigned to the world's campaign (its lists have a second page), the first also to a second campaign
    (the reward's list of assignments has a second page), two more assigned as the victims of the two assignment deletes,
    and an unassigned victim of the reward delete."""
    rewards = [api.ok("POST", "/v1/rewards", {"name": f"Fuzz reward {n} {tag}", "type": "MATERIAL", "stock": 5,
                                              "parameters": {"product": {"id": "prod_0f0f0f0f0f0f0f0f0f"}}}) for n in range(5)]
    points = {"parameters": {"loyalty": {"points": 1}}}
    assigned = api.ok("POST", f"/v1/loyalties/{campaign_id}/rewards", [{"reward": r["id"], **points} for r in rewards[:4]])
    other = api.ok("POST", "/v1/loyalties", {"name": f"Fuzz campaign 2 {tag}", "type": "AUTO_UPDATE",
                                             "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}})
    api.ok("POST", f"/v1/rewards/{rewards[0]['id']}/assignments", {"campaign": other["id"], **points})
    return {"v1/rewardId": rewards[0]["id"], "v1/assignmentId": assigned[0]["id"],
            "victim-v1-assignment/rewardId": rewards[2]["id"], "victim-v1-assignment/assignmentId": assigned[2]["id"],
            "victim-v1-campaign-assignment/campaignId": campaign_id,
            "victim-v1-campaign-assignment/assignmentId": assigned[3]["id"],
            "victim-v1-reward/rewardId": rewards[4]["id"]}


PENDING_7D = {"type": "PERIOD_BASED", "period_based": {"period": {"unit": "DAY", "value": 7}}}
ROLLING_6M = {"type": "ROLLING_EXPIRATION", "rolling_expiration": {"period": {"unit": "MONTH", "value": 6}}}


def seed_world_buckets(api: Api, w: dict[str, str]) -> dict[str, str]:
    """Points buckets on the world's cards, written into the served table as earning writes them (no route earns into
    them yet): three pending and three expiring buckets on the v2 card (two stay, so its lists keep a second page; the
    third is the sacrifice of activate/cancel/expire), and two pending entries and a points bucket on the v1 card."""
    db = served_table(api.state_dir, api.headers["X-App-Id"].split(".", 1)[0])
    ahead = (date.today() + timedelta(days=30)).isoformat()
    v2 = card_ref(w["card"], w["member"], w["program"], w["cdef"], w["customer"])
    pending = [seed_pending(db, v2, 10 * (n + 1), ahead) for n in range(3)]
    # Large enough that no debit of the run (debits and payments take the soonest-expiring points first) empties two: the
    # run's credits can lift the balance to about 10^11, so 100,000 each was not enough once payments joined the run.
    for n in range(3):
        seed_expiring(db, v2, 10**15, (date.today() + timedelta(days=60 + 30 * n)).isoformat())
    expiring = api.ok("GET", f"{V2}/programs/{w['program']}/members/{w['member']}/cards/{w['card']}/expiring-points")["data"]
    claim = db.get(db.keys.card_code(w["code"]))
    assert claim is not None, w
    v1 = card_ref(claim["card_id"], claim["member_id"], w["campaign"], w["campaign"], w["customer"])
    entries = ["lopp_" + seed_pending(db, v1, 5, ahead)["id"].removeprefix("lcppb_") for _ in range(2)]
    seed_expiring(db, v1, 15, ahead)
    return {"bucketId": pending[0]["id"], "victim-pending/bucketId": pending[2]["id"], "victim-expiring/bucketId": expiring[2]["id"],
            "pendingPointsId": entries[0], "victim-v1/pendingPointsId": entries[1]}


# Operations that change the state of what they are aimed at for good: aimed at the world's own resources they would
# delete or deactivate them under the other tests, so they are aimed at sacrificial ones (`<group>/<param>` in the world).
DESTRUCTIVE = {
    ("DELETE", "/v2/loyalties/programs/{programId}"): "victim-program",
    ("POST", "/v2/loyalties/programs/{programId}/deactivate"): "victim-program",
    ("POST", "/v2/loyalties/programs/{programId}/activate"): "victim-program",
    ("DELETE", "/v2/loyalties/programs/{programId}/members/{memberId}"): "victim-member",
    ("POST", "/v2/loyalties/programs/{programId}/members/{memberId}/deactivate"): "victim-member",
    ("POST", "/v2/loyalties/programs/{programId}/members/{memberId}/activate"): "victim-member",
    ("DELETE", "/v1/loyalties/{campaignId}/earning-rules/{earningRuleId}"): "victim-v1-rule",
    ("DELETE", "/v1/rewards/{rewardId}"): "victim-v1-reward",
    ("DELETE", "/v1/rewards/{rewardId}/assignments/{assignmentId}"): "victim-v1-assignment",
    ("DELETE", "/v1/loyalties/{campaignId}/rewards/{assignmentId}"): "victim-v1-campaign-assignment",
    ("DELETE", "/v1/customers/{customerId}"): "victim-customer",
    ("PUT", "/v1/customers/{customerId}"): "victim-customer",
    ("POST", "/v1/customers/{customerId}/permanent-deletion"): "victim-customer",
    ("DELETE", "/v1/loyalties/{campaignId}"): "victim-campaign",
    ("DELETE", "/v1/webhooks/{webhookId}"): "victim-webhook",
    ("POST", "/v2/loyalties/programs/{programId}/members/{memberId}/cards/{cardId}/pending-points/{bucketId}/activate"): "victim-pending",
    ("POST", "/v2/loyalties/programs/{programId}/members/{memberId}/cards/{cardId}/pending-points/{bucketId}/cancel"): "victim-pending",
    ("POST", "/v2/loyalties/programs/{programId}/members/{memberId}/cards/{cardId}/expiring-points/{bucketId}/expire"): "victim-expiring",
    ("POST", "/v1/loyalties/members/{memberId}/pending-points/{pendingPointsId}/activate"): "victim-v1",
    ("POST", "/v1/loyalties/members/{memberId}/pending-points/{pendingPointsId}/cancel"): "victim-v1",
    ("POST", "/v1/loyalties/members/{memberId}/pending-points/{pendingPointsId}/balance"): "victim-v1",
}


# Operations aimed at other resources than the world's program and member: a member's benefit and tier transactions are
# written only by earning and tier moves, so they are aimed at tiers_world's member, whom orders and a credit moved.
ELSEWHERE = {
    ("GET", "/v2/loyalties/programs/{programId}/members/{memberId}/benefits/transactions"): "perks",
    ("GET", "/v2/loyalties/programs/{programId}/members/{memberId}/tiers/transactions"): "perks",
}


def world_ids(world: dict[str, str], path: str, names: list[str], method: str = "GET") -> dict[str, str]:
    """The world's ids for an operation's path parameters (v1 `memberId` is a card code; a destructive operation gets the
    sacrificial resources)."""
    version = path.split("/")[1]
    group = DESTRUCTIVE.get((method.upper(), path)) or ELSEWHERE.get((method.upper(), path))
    return {name: world.get(f"{group}/{name}") or world.get(f"{version}/{name}", world.get(name, "")) for name in names}


KNOWN_BUGS: dict[str, Any] = {}


def known_bug(method: str, status: int, request_body: str | bytes | None) -> str | None:
    """The KNOWN_BUGS entry an answer is explained by, if any."""
    text = request_body.decode("utf-8", "replace") if isinstance(request_body, bytes) else (request_body or "")
    return next((name for name, matches in KNOWN_BUGS.items() if matches(method, status, text)), None)


def describe(resp: requests.Response) -> str:
    """The exact request and the answer, for failure messages and bug reports."""
    req = resp.request
    body = req.body.decode("utf-8", "replace") if isinstance(req.body, bytes) else req.body
    headers = {k: ("<dev key>" if k.lower() in ("x-app-id", "x-app-token") else v) for k, v in req.headers.items()}
    return (f"{req.method} {req.url}\nheaders: {json.dumps(headers)}\nbody: {body!r}"[:4000]
            + f"\n-> {resp.status_code} {resp.headers.get('Content-Type')}: {resp.text[:1000]}")
