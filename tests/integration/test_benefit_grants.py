"""Benefits granted by earning rules, on moto through the API and the worker: each BENEFIT effect writes one benefit
transaction (FULFILLMENT) once, with its points, product or SKU, or its rejection; LIMITED stock is taken once per grant,
never below zero; and the member's benefit transactions list."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.components import store as components
from loyalty.jobs.worker import run_job
from loyalty.points import service as points
from tests import support
from tests.integration.conftest import Stack
from tests.integration.test_order_earning import paid, post, receive
from tests.integration.test_points_lifecycle import PENDING_7D
from tests.integration.test_v2_journey import BASE, make_customer, make_member

PRODUCT = {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}}
SKU = {"type": "SKU", "sku": {"product_id": "prod_0ba649b6893cf33a80", "id": "sku_0ba649b6893cf33a81"}}


def ok(stack: Stack, name: str, method: str, path: str, body: Any = None, query: dict[str, str] | None = None) -> dict[str, Any]:
    status, got = stack.call(name, method, path, body, query=query)
    assert status == 200, got
    return dict(got)


def benefit(stack: Stack, name: str, **body: Any) -> dict[str, Any]:
    return ok(stack, "create_benefit", "POST", f"{BASE}/benefits", {"name": name, "status": "ACTIVE", **body})


def world(stack: Stack, *, stock: int | None = 1, pending: dict[str, Any] | None = None,
          trigger_limits: dict[str, Any] | None = None, only_material: bool = False) -> dict[str, Any]:
    """A program whose one order rule grants four benefits (fixed points, points per 1.00, a product with `stock`, and
    points on a card definition the member holds no card of), and a member of it."""
    cdef = ok(stack, "create_card_definition", "POST", f"{BASE}/card-definitions", {
        "name": "Main", "type": "INDIVIDUAL", "status": "ACTIVE", **({"pending_points": pending} if pending else {})})
    other = ok(stack, "create_card_definition", "POST", f"{BASE}/card-definitions", {"name": "Other", "type": "INDIVIDUAL", "status": "ACTIVE"})
    stocked = {"stock": {"type": "LIMITED", "limited": {"quantity": stock}}} if stock is not None else {}
    made = {
        "material": benefit(stack, "Tote bag", type="MATERIAL", material=PRODUCT, **stocked),
        "points": benefit(stack, "Welcome points", type="POINTS", points={"value": 50, "card_definition_id": cdef["id"]}),
        "proportional": benefit(stack, "Double points", type="POINTS_PROPORTIONAL", points_proportional={
            "calculation_type": "POST_DISCOUNT_ORDER_AMOUNT", "card_definition_id": cdef["id"],
            "order": {"total_amount": {"every": 100, "value": 2}}}),
        "no_card": benefit(stack, "Other points", type="POINTS", points={"value": 10, "card_definition_id": other["id"]}),
    }
    granted = [made["material"]] if only_material else list(made.values())
    rule = ok(stack, "create_earning_rule", "POST", f"{BASE}/earning-rules", {
        "name": "Order perks", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "BENEFIT", "benefit": {"id": b["id"]}} for b in granted]}],
        **({"trigger_limits": trigger_limits} if trigger_limits else {})})
    program = ok(stack, "create_program", "POST", f"{BASE}/programs", {
        "name": "Club", "status": "ACTIVE", "card_definitions": [{"id": cdef["id"]}], "earning_rules": [{"id": rule["id"]}]})
    customer_id = make_customer(stack)
    member = make_member(stack, program["id"], customer_id)
    points.SETUPS.clear()
    stack.drain()
    return {"program": program, "member": member, "customer_id": customer_id, "cdef": cdef, "rule": rule, "benefits": made,
            "card_id": member["cards"][0]["card"]["id"],
            "btx": f"{BASE}/programs/{program['id']}/members/{member['id']}/benefits/transactions",
            "ctx": f"{BASE}/programs/{program['id']}/members/{member['id']}/cards/{member['cards'][0]['card']['id']}/transactions"}


def granted(stack: Stack, w: dict[str, Any], **query: str) -> list[dict[str, Any]]:
    return list(ok(stack, "list_member_benefit_transactions", "GET", w["btx"], query={"limit": "100", **query})["data"])


def by_benefit(stack: Stack, w: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    names = {b["id"]: name for name, b in w["benefits"].items()}
    found: dict[str, list[dict[str, Any]]] = {}
    for btx in granted(stack, w, order="created_at"):
        found.setdefault(names[btx["benefit_id"]], []).append(btx)
    return found


def card_transactions(stack: Stack, w: dict[str, Any]) -> list[dict[str, Any]]:
    return list(ok(stack, "list_card_transactions", "GET", w["ctx"], query={"limit": "100"})["data"])


def stock_left(stack: Stack, w: dict[str, Any]) -> int:
    got = ok(stack, "get_benefit", "GET", f"{BASE}/benefits/{w['benefits']['material']['id']}")
    return int(got["stock"]["limited"]["quantity"])


def test_a_paid_order_grants_each_benefit_once_with_its_result(stack: Stack) -> None:
    w = world(stack, stock=2)
    # Given a PAID order whose earning job is delivered twice (a redelivered message)
    order = post(stack, paid(w, amount=12000))
    [message] = receive(stack)
    run_job(message["Body"])
    run_job(message["Body"])
    post(stack, paid(w, amount=12000))  # and the same order resent
    stack.drain()
    # Then each benefit was granted once, and the stock gave one unit
    got = by_benefit(stack, w)
    assert {name: len(btxs) for name, btxs in got.items()} == {"material": 1, "points": 1, "proportional": 1, "no_card": 1}
    assert stock_left(stack, w) == 1
    material, fixed, per_euro, no_card = got["material"][0], got["points"][0], got["proportional"][0], got["no_card"][0]
    assert material == {
        "id": material["id"], "benefit_id": w["benefits"]["material"]["id"], "program_id": w["program"]["id"],
        "member_id": w["member"]["id"], "earning_rule_id": w["rule"]["id"], "type": "FULFILLMENT",
        "details": {"reason": "Club / Order perks", "rejection": None,
                    "metadata": {"order_id": order["id"], "earning_item_id": material["details"]["metadata"]["earning_item_id"]},
                    "result": {"product": {"id": "prod_0ba649b6893cf33a80"}}},
        "status": "APPROVED", "created_at": material["created_at"], "updated_at": None, "object": "benefit_transaction"}
    assert material["id"].startswith("lbtx_")
    # Points benefits: a POINTS_EARNED transaction each on the member's card, named in the result
    ctxs = {t["id"]: t for t in card_transactions(stack, w)}
    assert fixed["status"] == per_euro["status"] == "APPROVED"
    fixed_ctx = ctxs[fixed["details"]["result"]["card_transaction"]["id"]]
    per_euro_ctx = ctxs[per_euro["details"]["result"]["card_transaction"]["id"]]
    assert (fixed_ctx["type"], fixed_ctx["details"]["points"]["total"]) == ("POINTS_EARNED", 50)
    assert (per_euro_ctx["type"], per_euro_ctx["details"]["points"]["total"]) == ("POINTS_EARNED", 240)
    assert fixed_ctx["details"]["metadata"]["benefit_transaction_id"] == fixed["id"]
    assert len(ctxs) == 2
    member = ok(stack, "get_program_member", "GET", f"{BASE}/programs/{w['program']['id']}/members/{w['member']['id']}")
    assert member["cards"][0]["card"]["balance"]["points"] == 290
    # A card definition the member holds no card of: REJECTED, nothing taken
    assert no_card["status"] == "REJECTED" and no_card["details"]["result"] is None
    assert no_card["details"]["rejection"]["reason"] == "no_card"


def test_limited_stock_grants_one_and_rejects_the_next_as_out_of_stock(stack: Stack) -> None:
    w = world(stack, stock=1, only_material=True)
    post(stack, paid(w, "o-1"))
    post(stack, paid(w, "o-2"))
    stack.drain()
    btxs = granted(stack, w, order="created_at")
    assert [b["status"] for b in btxs] == ["APPROVED", "REJECTED"]
    assert btxs[1]["details"]["rejection"]["reason"] == "out_of_stock" and btxs[1]["details"]["result"] is None
    assert stock_left(stack, w) == 0
    # and both jobs ended (their marker rode in the grant's transaction: the rule gives no points)
    assert support.scan_pending_jobs(stack.ddb, support.TABLE, 10**13) == []


def test_points_benefits_follow_the_card_definitions_pending_policy(stack: Stack) -> None:
    w = world(stack, pending=PENDING_7D)
    post(stack, paid(w, amount=1000))
    stack.drain()
    ctxs = card_transactions(stack, w)
    assert sorted((t["type"], t["details"]["points"]["total"]) for t in ctxs) == [("PENDING_POINTS_ADDED", 20), ("PENDING_POINTS_ADDED", 50)]
    member = ok(stack, "get_program_member", "GET", f"{BASE}/programs/{w['program']['id']}/members/{w['member']['id']}")
    assert member["cards"][0]["card"]["balance"] == {"points": 0, "pending_points": 70}


def test_a_benefit_that_is_no_longer_active_is_rejected(stack: Stack) -> None:
    w = world(stack, only_material=True)
    # (drafting it is refused while an ACTIVE rule grants it: written through the store, as an older stored state)
    db = stack.db()
    stored = components.get_stored(db, "BEN", w["benefits"]["material"]["id"])
    assert stored is not None
    components.save_component(db, "BEN", stored, {**stored.data, "status": "DRAFT"}, "drafted")
    post(stack, paid(w))
    stack.drain()
    [btx] = granted(stack, w)
    assert (btx["status"], btx["details"]["rejection"]["reason"]) == ("REJECTED", "benefit_not_active")
    assert stock_left(stack, w) == 1


def test_a_rule_that_only_grants_benefits_still_counts_its_trigger_limits(stack: Stack) -> None:
    cooldown = {"cooldown": {"type": "FIXED_COOLDOWN", "fixed_cooldown": {"period": {"unit": "DAY", "value": 1}}}}
    w = world(stack, stock=5, only_material=True, trigger_limits=cooldown)
    post(stack, paid(w, "o-1"))
    post(stack, paid(w, "o-2"))
    stack.drain()
    assert [b["status"] for b in granted(stack, w)] == ["APPROVED"]
    assert stock_left(stack, w) == 4


def test_the_list_pages_filters_and_answers_404(stack: Stack) -> None:
    w = world(stack, stock=None)
    post(stack, paid(w))
    stack.drain()
    everything = granted(stack, w)
    assert len(everything) == 4
    first = ok(stack, "list_member_benefit_transactions", "GET", w["btx"], query={"limit": "3"})
    assert first["object"] == "list" and len(first["data"]) == 3 and first["cursor"]["next"].startswith("lcrsbtx_")
    second = ok(stack, "list_member_benefit_transactions", "GET", w["btx"], query={"limit": "3", "cursor": first["cursor"]["next"]})
    assert [b["id"] for b in first["data"] + second["data"]] == [b["id"] for b in everything] and second["cursor"] is None
    only = granted(stack, w, **{"filters[benefit_id][conditions][$is]": w["benefits"]["points"]["id"]})
    assert [b["benefit_id"] for b in only] == [w["benefits"]["points"]["id"]]
    # unknown member, a member of another program, a bad cursor
    status, body = stack.call("list_member_benefit_transactions", "GET",
                              f"{BASE}/programs/{w['program']['id']}/members/lmbr_00000000000000000a/benefits/transactions")
    assert (status, body["key"]) == (404, "not_found")
    status, body = stack.call("list_member_benefit_transactions", "GET",
                              f"{BASE}/programs/lprg_00000000000000000a/members/{w['member']['id']}/benefits/transactions")
    assert status == 404
    status, body = stack.call("list_member_benefit_transactions", "GET", w["btx"], query={"cursor": "lcrsctx_00"})
    assert status == 400


@pytest.mark.parametrize("kind", ["PRODUCT", "SKU"])
def test_material_results_name_the_product_or_sku(stack: Stack, kind: str) -> None:
    w = world(stack, only_material=True)
    material = PRODUCT if kind == "PRODUCT" else SKU
    db = stack.db()  # (an ACTIVE benefit's material cannot change through the API)
    stored = components.get_stored(db, "BEN", w["benefits"]["material"]["id"])
    assert stored is not None
    components.save_component(db, "BEN", stored, {**stored.data, "material": material}, "updated")
    post(stack, paid(w))
    stack.drain()
    [btx] = granted(stack, w)
    assert btx["details"]["result"] == {kind.lower(): material[kind.lower()]}
