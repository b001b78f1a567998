"""Bad input on the points-bucket endpoints: malformed or unknown ids, bad list parameters and bad bodies answer the
documented 4xx with Voucherify's error body, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest

from bench.buckets import card_ref, seed_expiring, seed_pending
from loyalty.core import clock
from loyalty.points import service as points
from tests.integration.conftest import Stack
from tests.integration.test_points_buckets import _shift, card_path
from tests.integration.test_points_lifecycle import PENDING_7D, ROLLING_6M, order, setup_program
from tests.integration.test_v2_bad_input import error_of

UNKNOWN = {"program": "lprg_00000000000000000a", "member": "lmbr_00000000000000000a", "card": "lcrd_00000000000000000a",
           "pending": "lcppb_00000000000000000a", "expiring": "lcpeb_00000000000000000a"}


@pytest.fixture(scope="module")
def world(module_stack: Stack) -> dict[str, Any]:
    """Given a card with a pending and an expiring bucket, and a v1 card with a pending entry and a points bucket."""
    stack = module_stack
    w = setup_program(stack, pending=PENDING_7D, expiration=ROLLING_6M)
    db = stack.db()
    points.earn(db, w["customer_id"], "ord_0b01", order=order("ord_0b01", 1000))
    today = points.local_day(clock.now_iso())
    seed_expiring(db, card_ref(w["card_id"], w["member"]["id"], w["program"]["id"], w["cdef"]["id"], w["customer_id"]), 40,
                  _shift(today, 60))
    status, camp = stack.call("create_loyalty_program_v1", "POST", "/v1/loyalties", {
        "name": "Bad input loyalty", "type": "AUTO_UPDATE", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}})
    assert status == 200, camp
    status, voucher = stack.call("add_member_v1", "POST", f"/v1/loyalties/{camp['id']}/members", {"customer": "bad-input-v1"})
    assert status == 200, voucher
    claim = db.get(db.keys.card_code(voucher["code"]))
    assert claim is not None
    entry = seed_pending(db, card_ref(claim["card_id"], claim["member_id"], camp["id"], camp["id"], voucher["holder_id"]), 25,
                         _shift(today, 5))
    _, pending = stack.call("list_card_pending_points", "GET", f"{card_path(w)}/pending-points")
    _, expiring = stack.call("list_card_expiring_points", "GET", f"{card_path(w)}/expiring-points")
    return {**w, "pending": pending["data"][0]["id"], "expiring": expiring["data"][0]["id"], "campaign": camp["id"],
            "code": voucher["code"], "lopp": "lopp_" + entry["id"].removeprefix("lcppb_")}


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    return module_stack


def v2(w: dict[str, Any], *, program: str | None = None, member: str | None = None, card: str | None = None) -> str:
    return (f"/v2/loyalties/programs/{program or w['program']['id']}/members/{member or w['member']['id']}"
            f"/cards/{card or w['card_id']}")


V2_ROUTES = [
    ("list_card_pending_points", "GET", "/pending-points"),
    ("activate_card_pending_points_bucket", "POST", "/pending-points/{pending}/activate"),
    ("cancel_card_pending_points_bucket", "POST", "/pending-points/{pending}/cancel"),
    ("list_card_expiring_points", "GET", "/expiring-points"),
    ("expire_card_points_bucket", "POST", "/expiring-points/{expiring}/expire"),
]


WRONG_IDS = [(name, method, suffix, wrong) for name, method, suffix in V2_ROUTES
             for wrong in ("program", "member", "card", "bucket") if wrong != "bucket" or "{" in suffix]


@pytest.mark.parametrize(("name", "method", "suffix", "wrong"), WRONG_IDS, ids=[f"{r[0]}-{r[3]}" for r in WRONG_IDS])
def test_unknown_or_malformed_ids_are_404(stack: Stack, world: dict[str, Any], name: str, method: str, suffix: str, wrong: str) -> None:
    ids = {"pending": world["pending"], "expiring": world["expiring"]}
    if wrong == "bucket":
        ids = {"pending": UNKNOWN["pending"], "expiring": UNKNOWN["expiring"]}
        path = v2(world) + suffix.format(**ids)
        expected = "card_pending_points_bucket" if "pending" in suffix else "card_points_bucket"
    else:
        path = v2(world, **{wrong: UNKNOWN[wrong]}) + suffix.format(**ids)
        expected = {"program": "program", "member": "member", "card": "card"}[wrong]
    body = error_of(stack, 404, "not_found", name, method, path)
    if method == "POST" or wrong == "card":
        assert body["resource_type"] == expected, body
    for malformed in ("x", "lcrd_XYZ", "lprg_" + "0" * 80):
        bad = path.replace(UNKNOWN[wrong] if wrong != "bucket" else ids["pending" if "pending" in suffix else "expiring"], malformed)
        error_of(stack, 404, "not_found", name, method, bad)


@pytest.mark.parametrize(("name", "suffix", "prefix"), [("list_card_pending_points", "/pending-points", "lcrscppb_"),
                                                        ("list_card_expiring_points", "/expiring-points", "lcrspeb_")])
def test_bad_list_parameters_are_400(stack: Stack, world: dict[str, Any], name: str, suffix: str, prefix: str) -> None:
    path = v2(world) + suffix
    field = "date" if "pending" in suffix else "expiration_date"
    for query in ({"limit": "0"}, {"limit": "101"}, {"limit": "x"}, {"order": "created_at"}, {"order": f"{field},-{field}"},
                  {"filters[id][conditions][$is]": "x"}, {"starting_after": "x"}):
        error_of(stack, 400, "invalid_query_params", name, "GET", path, query=query)
    for cursor in (prefix + "00ff", "lcrsctx_00ff", "garbage"):
        error_of(stack, 400, "invalid_or_expired_cursor", name, "GET", path, query={"cursor": cursor})


V1_LISTS = [("list_member_pending_points_v1", "/v1/loyalties/{campaign}/members/{code}/pending-points"),
            ("list_member_pending_points_by_code_v1", "/v1/loyalties/members/{code}/pending-points"),
            ("list_points_expiration_v1", "/v1/loyalties/{campaign}/members/{code}/points-expiration")]


@pytest.mark.parametrize(("name", "template"), V1_LISTS, ids=[n for n, _ in V1_LISTS])
def test_v1_lists_refuse_bad_parameters_and_unknown_cards(stack: Stack, world: dict[str, Any], name: str, template: str) -> None:
    path = template.format(campaign=world["campaign"], code=world["code"])
    for query in ({"limit": "0"}, {"limit": "101"}, {"limit": "1.5"}, {"cursor": "x"}):
        error_of(stack, 400, "invalid_query_params", name, "GET", path, query=query)
    bad = {"order": "created_at"} if "pending" in template else {"page": "0"}
    error_of(stack, 400, "invalid_query_params", name, "GET", path, query=bad)
    body = error_of(stack, 404, "not_found", name, "GET", template.format(campaign=world["campaign"], code="NO-SUCH-CODE"))
    assert body["resource_type"] == "voucher"
    if "{campaign}" in template:
        error_of(stack, 404, "not_found", name, "GET", template.format(campaign="camp_unknown", code=world["code"]))


V1_ACTIONS = [("activate_member_pending_points_v1", "activate", None), ("cancel_member_pending_points_v1", "cancel", None),
              ("adjust_member_pending_points_v1", "balance", {"points": 5})]


@pytest.mark.parametrize(("name", "action", "body"), V1_ACTIONS, ids=[n for n, _, _ in V1_ACTIONS])
def test_v1_actions_on_unknown_entries_or_cards_are_404(stack: Stack, world: dict[str, Any], name: str, action: str, body: Any) -> None:
    base = f"/v1/loyalties/members/{world['code']}/pending-points"
    for entry in ("lopp_00000000000000000a", "lcppb_" + world["lopp"].removeprefix("lopp_"), "nonsense", "lopp_XYZ"):
        found = error_of(stack, 404, "not_found", name, "POST", f"{base}/{entry}/{action}", body)
        assert found["resource_type"] == "pending_points"
    found = error_of(stack, 404, "not_found", name, "POST", f"/v1/loyalties/members/NO-SUCH/pending-points/{world['lopp']}/{action}", body)
    assert found["resource_type"] == "voucher"


@pytest.mark.parametrize("body", [{}, {"points": "5"}, {"points": 1.5}, {"points": True}, {"points": 0}, {"points": 5, "extra": 1},
                                  {"points": 9007199254740992}, [], None])
def test_v1_pending_adjustment_bodies_are_checked(stack: Stack, world: dict[str, Any], body: Any) -> None:
    path = f"/v1/loyalties/members/{world['code']}/pending-points/{world['lopp']}/balance"
    error_of(stack, 400, "invalid_payload", "adjust_member_pending_points_v1", "POST", path, body)


def test_v1_pending_adjustment_may_not_empty_the_entry(stack: Stack, world: dict[str, Any]) -> None:
    path = f"/v1/loyalties/members/{world['code']}/pending-points/{world['lopp']}/balance"
    error_of(stack, 400, "invalid_amount", "adjust_member_pending_points_v1", "POST", path, {"points": -25})
