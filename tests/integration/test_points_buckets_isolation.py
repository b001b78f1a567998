"""Tenant isolation of the points-bucket endpoints: with project B's keys, A's pending and expiring buckets (v2) and A's v1
pending entries and points buckets can be neither read, listed, settled, adjusted nor paged into."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench.buckets import card_ref, seed_expiring, seed_pending
from loyalty.core import clock
from loyalty.points import service as points
from tests.integration.conftest import Stack
from tests.integration.test_isolation import ERROR_FIELDS, assert_refused_without_data
from tests.integration.test_points_buckets import _shift, card_path
from tests.integration.test_points_lifecycle import PENDING_7D, ROLLING_6M, order, setup_program


@pytest.fixture(scope="module")
def world(module_stack: Stack) -> dict[str, Any]:
    """Given, in project acme, a card with two pending and two expiring buckets, and a v1 card with a pending entry and
    a points bucket; and in project globex a program of its own."""
    stack = module_stack
    a = setup_program(stack, pending=PENDING_7D, expiration=ROLLING_6M)
    db = stack.db()
    points.earn(db, a["customer_id"], "ord_00a1", order=order("ord_00a1", 1000))
    points.earn(db, a["customer_id"], "ord_00a2", order=order("ord_00a2", 2000))
    ref = card_ref(a["card_id"], a["member"]["id"], a["program"]["id"], a["cdef"]["id"], a["customer_id"])
    today = points.local_day(clock.now_iso())
    seed_expiring(db, ref, 40, _shift(today, 60))
    seed_expiring(db, ref, 50, _shift(today, 90))
    status, camp = stack.call("create_loyalty_program_v1", "POST", "/v1/loyalties", {
        "name": "A loyalty", "type": "AUTO_UPDATE", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}})
    assert status == 200, camp
    status, voucher = stack.call("add_member_v1", "POST", f"/v1/loyalties/{camp['id']}/members", {"customer": "a-v1"})
    assert status == 200, voucher
    claim = db.get(db.keys.card_code(voucher["code"]))
    assert claim is not None
    v1_ref = card_ref(claim["card_id"], claim["member_id"], camp["id"], camp["id"], voucher["holder_id"])
    entry = seed_pending(db, v1_ref, 25, _shift(today, 5))
    seed_expiring(db, v1_ref, 35, _shift(today, 30))
    status, pending = stack.call("list_card_pending_points", "GET", f"{card_path(a)}/pending-points")
    assert status == 200 and len(pending["data"]) == 2, pending
    status, expiring = stack.call("list_card_expiring_points", "GET", f"{card_path(a)}/expiring-points")
    assert status == 200 and len(expiring["data"]) == 2, expiring
    return {"a": a, "campaign": camp["id"], "code": voucher["code"], "lopp": "lopp_" + entry["id"].removeprefix("lcppb_"),
            "pending": pending["data"][0]["id"], "expiring": expiring["data"][0]["id"], "customer": a["customer_id"],
            "program": a["program"]["id"], "member": a["member"]["id"], "card": a["card_id"]}


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


def requests_on_a(w: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
    card = card_path(w["a"])
    v1 = f"/v1/loyalties/members/{w['code']}/pending-points"
    return [
        ("list_card_pending_points", "GET", f"{card}/pending-points", None),
        ("activate_card_pending_points_bucket", "POST", f"{card}/pending-points/{w['pending']}/activate", None),
        ("cancel_card_pending_points_bucket", "POST", f"{card}/pending-points/{w['pending']}/cancel", None),
        ("list_card_expiring_points", "GET", f"{card}/expiring-points", None),
        ("expire_card_points_bucket", "POST", f"{card}/expiring-points/{w['expiring']}/expire", None),
        ("list_member_pending_points_v1", "GET", f"/v1/loyalties/{w['campaign']}/members/{w['code']}/pending-points", None),
        ("list_member_pending_points_by_code_v1", "GET", v1, None),
        ("activate_member_pending_points_v1", "POST", f"{v1}/{w['lopp']}/activate", None),
        ("cancel_member_pending_points_v1", "POST", f"{v1}/{w['lopp']}/cancel", None),
        ("adjust_member_pending_points_v1", "POST", f"{v1}/{w['lopp']}/balance", {"points": 100}),
        ("list_points_expiration_v1", "GET", f"/v1/loyalties/{w['campaign']}/members/{w['code']}/points-expiration", None),
    ]


def test_a_s_buckets_are_not_found_with_b_keys_and_nothing_changes(stack: Stack, world: dict[str, Any]) -> None:
    before = [i for i in stack.items() if i["PK"]["S"].startswith("acme#")]
    secrets = {k: v for k, v in world.items() if isinstance(v, str)}
    for name, method, path, body in requests_on_a(world):
        resp = stack.call(name, method, path, body, headers=stack.other_headers)
        assert resp[0] == 404, (name, resp)
        assert_refused_without_data(resp, secrets, path + json.dumps(body))
    assert [i for i in stack.items() if i["PK"]["S"].startswith("acme#")] == before


def test_a_s_bucket_cursors_cannot_be_replayed_with_b_keys_or_on_another_list(stack: Stack, world: dict[str, Any]) -> None:
    card = card_path(world["a"])
    for name, kind in (("list_card_pending_points", "pending-points"), ("list_card_expiring_points", "expiring-points")):
        status, page = stack.call(name, "GET", f"{card}/{kind}", query={"limit": "1"})
        assert status == 200 and page["cursor"], page
        cursor = page["cursor"]["next"]
        status, body = stack.call(name, "GET", f"{card}/{kind}", headers=stack.other_headers, query={"limit": "1", "cursor": cursor})
        assert status in (400, 404) and set(body) <= ERROR_FIELDS and page["data"][0]["id"] not in json.dumps(body), body
        other = "list_card_expiring_points" if kind == "pending-points" else "list_card_pending_points"
        other_kind = "expiring-points" if kind == "pending-points" else "pending-points"
        status, body = stack.call(other, "GET", f"{card}/{other_kind}", query={"limit": "1", "cursor": cursor})
        assert (status, body["key"]) == (400, "invalid_or_expired_cursor"), body
