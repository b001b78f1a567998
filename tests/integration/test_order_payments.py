"""Pay with points on moto (spec-map #40-41, §2.12; earning-map §9.2, E20): a member's card pays part of an order at its
card definition's exchange ratio (the amount in cents one point pays). The payment is accepted at once (points locked,
PENDING transactions, 202; DRY_RUN 200 with nothing stored), approved by the worker exactly once (points spent
soonest-expiring first), and a canceled order returns the points its approved payments spent, once."""

from __future__ import annotations

from typing import Any

from loyalty.jobs.models import parse_job
from loyalty.jobs.worker import run_job
from tests import support
from tests.integration.conftest import Stack, error_of
from tests.integration.test_reward_fulfilment import ROLLING_3M, cards, ok
from tests.integration.test_v2_journey import BASE, credit, make_customer, make_member
from tests.integration.test_worker import receive_all

RETURN_ALL = {"spent_points": {"type": "REFUNDABLE", "methods": [{"type": "RETURN_POINTS", "mode": "REFUND_ALL"}]},
              "earned_points": {"type": "NONE"}}


def payments_world(stack: Stack, *, ratio: Any = 1, refunds: dict[str, Any] | None = RETURN_ALL, balance: int = 300,
                   expiration: dict[str, Any] | None = ROLLING_3M, amount: int = 1000,
                   spending: dict[str, Any] | None = None) -> dict[str, Any]:
    """A member holding `balance` points on a wallet paying at `ratio` (None: NO_PAYMENTS), and a CREATED order of the
    member's customer worth `amount` cents."""
    body: dict[str, Any] = {"name": "Wallet", "type": "INDIVIDUAL", "status": "ACTIVE"}
    if ratio is not None:
        body["pay_with_points"] = {"type": "EXCHANGE_RATIO", "exchange_ratio": {"formula": ratio}}
    if refunds is not None:
        body["refunds"] = refunds
    if expiration is not None:
        body["points_expiration"] = expiration
    if spending is not None:
        body["spending_limits"] = spending
    wallet = str(ok(stack, "create_card_definition", "POST", f"{BASE}/card-definitions", body)["id"])
    rule = ok(stack, "create_earning_rule", "POST", f"{BASE}/earning-rules", {
        "name": "Order paid", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
        "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 0, "card_definition_id": wallet}}]}]})
    prog = str(ok(stack, "create_program", "POST", f"{BASE}/programs", {
        "name": "VIP", "status": "ACTIVE", "card_definitions": [{"id": wallet}], "earning_rules": [{"id": rule["id"]}]})["id"])
    customer = make_customer(stack)
    member = make_member(stack, prog, customer)
    card = cards(stack, prog, member["id"])[wallet]
    if balance:
        credit(stack, prog, member["id"], card["id"], balance)
    order = ok(stack, "create_order", "POST", "/v1/orders", {"source_id": "o-1", "status": "CREATED", "amount": amount,
                                                              "customer": {"id": customer}})
    stack.drain()
    return {"program": prog, "member": member["id"], "cdef": wallet, "card": card["id"], "order": order["id"], "customer": customer}


def pay_path(w: dict[str, Any]) -> str:
    return f"{BASE}/programs/{w['program']}/members/{w['member']}/orders/payments"


def pay(stack: Stack, w: dict[str, Any], **extra: Any) -> tuple[int, Any]:
    body = {"card_id": w["card"], "order": {"id": w["order"]}, **extra}
    return stack.call("create_member_order_payment", "POST", pay_path(w), body)


def card_of(stack: Stack, w: dict[str, Any]) -> dict[str, Any]:
    return cards(stack, w["program"], w["member"])[w["cdef"]]


def card_txs(stack: Stack, w: dict[str, Any]) -> list[dict[str, Any]]:
    path = f"{BASE}/programs/{w['program']}/members/{w['member']}/cards/{w['card']}/transactions"
    return list(ok(stack, "list_card_transactions", "GET", path, query={"limit": "100"})["data"])


def listed(stack: Stack, w: dict[str, Any], query: dict[str, str] | None = None) -> Any:
    return ok(stack, "list_member_order_payments", "GET", pay_path(w), query=query)


def set_status(stack: Stack, w: dict[str, Any], status: str) -> None:
    ok(stack, "update_order", "PUT", f"/v1/orders/{w['order']}", {"status": status})


def test_a_payment_locks_then_spends_the_points_once(stack: Stack) -> None:
    w = payments_world(stack)
    status, resp = pay(stack, w, payment_limit={"type": "POINTS_LIMIT", "points_limit": {"max": 120}}, mode="TRANSACTION")
    assert status == 202, resp
    assert (resp["status"], resp["message"]) == ("TRANSACTION_CREATED", "Pay with points transaction created")
    otx = resp["transaction"]
    assert otx["id"].startswith("lotx_") and otx["card_transaction_id"].startswith("lctx_")
    assert (otx["status"], otx["type"], otx["object"], otx["order_id"]) == ("PENDING", "PAY_WITH_POINTS", "order_transaction", w["order"])
    assert otx["details"] == {"reason": "Points spent on order payment", "rejection": None, "metadata": {"points_limit": 120},
                              "payment": {"amount": 120, "points_spent": 120, "exchange_ratio": 1}}
    card = card_of(stack, w)
    assert card["balance"]["points"] == 180 and card["lifetime_bucket"]["points"]["locked"] == 120
    [spend] = [t for t in card_txs(stack, w) if t["type"] == "POINTS_SPENT_ON_ORDER"]
    assert spend["status"] == "PENDING" and spend["id"] == otx["card_transaction_id"]
    assert spend["details"]["order"] == {"id": w["order"]} and spend["details"]["order_transaction"] == {"id": otx["id"]}

    # the job, delivered twice: the second delivery changes nothing
    [message] = receive_all(stack)
    assert run_job(message["Body"]) == "APPROVED"
    assert run_job(message["Body"]) == "APPROVED"  # found settled already: reported, nothing written
    card = card_of(stack, w)
    p = card["lifetime_bucket"]["points"]
    assert (card["balance"]["points"], p["spent"], p["locked"], p["unlocked"]) == (180, 120, 120, 120)
    [spend] = [t for t in card_txs(stack, w) if t["type"] == "POINTS_SPENT_ON_ORDER"]
    assert spend["status"] == "APPROVED" and spend["details"]["points"]["total"] == -120
    [approved] = listed(stack, w)["data"]
    assert approved["status"] == "APPROVED" and approved["updated_at"] and approved["details"]["payment"]["id"].startswith("ordpay_")
    # the points were taken from the card's expiring bucket
    buckets = ok(stack, "list_card_expiring_points", "GET",
                 f"{BASE}/programs/{w['program']}/members/{w['member']}/cards/{w['card']}/expiring-points")["data"]
    assert sum(b["points"]["total"] for b in buckets) == 180


def test_the_payment_never_exceeds_what_the_order_owes_the_balance_or_the_limit(stack: Stack) -> None:
    w = payments_world(stack, amount=250)
    status, first = pay(stack, w, payment_limit={"type": "AMOUNT_LIMIT", "amount_limit": {"max": 200}})
    assert status == 202 and first["transaction"]["details"]["payment"]["amount"] == 200
    assert first["transaction"]["details"]["metadata"] == {"amount_limit": 200}
    status, second = pay(stack, w)  # CARD_BALANCE: only the 50 cents the order still owes
    assert status == 202 and second["transaction"]["details"]["payment"] == {"amount": 50, "points_spent": 50, "exchange_ratio": 1}
    error_of(stack, 423, "nothing_to_pay", "create_member_order_payment", "POST", pay_path(w),
             {"card_id": w["card"], "order": {"source_id": "o-1"}})
    stack.drain()
    assert card_of(stack, w)["balance"]["points"] == 50


def test_the_card_definition_s_spending_limits_cap_and_refuse_payments(stack: Stack) -> None:
    # Given a wallet allowing 100 points per spend and 150 a month
    monthly = {"type": "TIME_BASED", "period": {"type": "CURRENT_PERIOD", "current_period": {"unit": "MONTH"}}, "points": {"max": 150}}
    w = payments_world(stack, spending={"global": {"type": "LIMITED", "limits": [monthly]},
                                        "transactions": {"type": "LIMITED", "limits": [{"type": "POINTS", "max": 100}]}})
    # A payment takes at most 100 points; a second one of 100 would pass the month's 150: 423, nothing written
    status, first = pay(stack, w)
    assert status == 202 and first["transaction"]["details"]["payment"]["points_spent"] == 100
    error_of(stack, 423, "spending_limit_reached", "create_member_order_payment", "POST", pay_path(w),
             {"card_id": w["card"], "order": {"id": w["order"]}})
    # The limit caps what the payment asks for, so a payment limited to 50 points fits the 50 left this month
    status, second = pay(stack, w, payment_limit={"type": "POINTS_LIMIT", "points_limit": {"max": 50}})
    assert status == 202 and second["transaction"]["details"]["payment"]["points_spent"] == 50
    stack.drain()
    assert card_of(stack, w)["balance"]["points"] == 150


def test_the_exchange_ratio_is_the_amount_in_cents_one_point_pays(stack: Stack) -> None:
    # 1 point pays 2.5 cents: 300 points could pay 750 cents, but only an even number of points pays whole cents
    w = payments_world(stack, ratio="2.5", amount=1001)
    status, resp = pay(stack, w, mode="DRY_RUN")
    assert status == 200, resp
    assert resp["transaction"]["details"]["payment"] == {"amount": 750, "points_spent": 300, "exchange_ratio": 2.5}
    w2 = payments_world(stack, ratio=0.01, amount=7)  # 100 points per cent; 300 points pay 3 cents
    status, resp = pay(stack, w2, mode="DRY_RUN")
    assert resp["transaction"]["details"]["payment"] == {"amount": 3, "points_spent": 300, "exchange_ratio": 0.01}
    w3 = payments_world(stack, ratio=4, amount=1001)  # the order owes 1001 cents: 250 points pay 1000 of them
    status, resp = pay(stack, w3, mode="DRY_RUN")
    assert resp["transaction"]["details"]["payment"] == {"amount": 1000, "points_spent": 250, "exchange_ratio": 4}


def test_dry_run_simulates_and_stores_nothing(stack: Stack) -> None:
    w = payments_world(stack)
    before = stack.items()
    status, resp = pay(stack, w, mode="DRY_RUN", payment_limit={"type": "CARD_BALANCE"})
    assert status == 200, resp
    assert resp["status"] == "DRY_RUN" and resp["message"] == "Dry run mode. No transaction was created. This is only a simulation."
    t = resp["transaction"]
    assert "id" not in t and "created_at" not in t
    assert (t["status"], t["card_transaction_id"], t["updated_at"]) == ("SIMULATED", None, None)
    assert t["details"]["payment"] == {"amount": 300, "points_spent": 300, "exchange_ratio": 1} and t["details"]["metadata"] == {}
    assert stack.items() == before
    assert receive_all(stack) == []


def test_locked_refusals(stack: Stack) -> None:
    w = payments_world(stack, ratio=None)
    error_of(stack, 423, "pay_with_points_not_enabled", "create_member_order_payment", "POST", pay_path(w),
             {"card_id": w["card"], "order": {"id": w["order"]}})
    empty = payments_world(stack, balance=0)
    error_of(stack, 423, "zero_card_balance", "create_member_order_payment", "POST", pay_path(empty),
             {"card_id": empty["card"], "order": {"id": empty["order"]}})
    set_status(stack, empty, "CANCELED")
    full = payments_world(stack)
    set_status(stack, full, "CANCELED")
    error_of(stack, 423, "order_canceled", "create_member_order_payment", "POST", pay_path(full),
             {"card_id": full["card"], "order": {"id": full["order"]}})
    assert [i for i in stack.items() if "OTX#" in i["SK"]["S"] or "PAID_WITH_POINTS" in i["SK"]["S"]] == []
    inactive = payments_world(stack)
    ok(stack, "deactivate_program_member", "POST", f"{BASE}/programs/{inactive['program']}/members/{inactive['member']}/deactivate")
    error_of(stack, 423, "non_active_member", "create_member_order_payment", "POST", pay_path(inactive),
             {"card_id": inactive["card"], "order": {"id": inactive["order"]}})
    ok(stack, "deactivate_program", "POST", f"{BASE}/programs/{full['program']}/deactivate")
    error_of(stack, 423, "non_active_program", "create_member_order_payment", "POST", pay_path(full),
             {"card_id": full["card"], "order": {"id": full["order"]}})


def test_a_payment_of_an_order_canceled_before_approval_is_rejected(stack: Stack) -> None:
    w = payments_world(stack)
    assert pay(stack, w)[0] == 202
    set_status(stack, w, "CANCELED")
    stack.drain()
    [rejected] = listed(stack, w)["data"]
    assert rejected["status"] == "REJECTED" and rejected["details"]["rejection"]["reason"] == "ORDER_CANCELED"
    card = card_of(stack, w)
    p = card["lifetime_bucket"]["points"]
    assert (card["balance"]["points"], p["spent"], p["returned"]) == (300, 0, 0)


def test_a_canceled_paid_order_returns_the_spent_points_once(stack: Stack) -> None:
    w = payments_world(stack)
    assert pay(stack, w, payment_limit={"type": "POINTS_LIMIT", "points_limit": {"max": 100}})[0] == 202
    stack.drain()
    set_status(stack, w, "PAID")
    stack.drain()
    set_status(stack, w, "CANCELED")
    [message] = receive_all(stack)
    run_job(message["Body"])
    run_job(message["Body"])  # a redelivery returns nothing more
    stack.drain()
    card = card_of(stack, w)
    p = card["lifetime_bucket"]["points"]
    assert (card["balance"]["points"], p["spent"], p["returned"]) == (300, 100, 100)
    [returned] = [t for t in card_txs(stack, w) if t["type"] == "POINTS_RETURNED"]
    [otx] = listed(stack, w)["data"]
    assert returned["status"] == "APPROVED" and returned["details"]["points"]["total"] == 100
    assert returned["details"]["order"] == {"id": w["order"]} and returned["details"]["order_transaction"] == {"id": otx["id"]}
    assert returned["details"]["points"]["expiration_type"] == "ROLLING_EXPIRATION"
    assert otx["status"] == "APPROVED"


def test_spent_points_none_keeps_them(stack: Stack) -> None:
    w = payments_world(stack, refunds=None)
    assert pay(stack, w, payment_limit={"type": "POINTS_LIMIT", "points_limit": {"max": 100}})[0] == 202
    set_status(stack, w, "PAID")
    stack.drain()
    set_status(stack, w, "CANCELED")
    stack.drain()
    card = card_of(stack, w)
    assert (card["balance"]["points"], card["lifetime_bucket"]["points"]["returned"]) == (200, 0)


def test_list_pages_with_the_lcrsotx_cursor_and_filters(stack: Stack) -> None:
    w = payments_world(stack)
    made = []
    for _ in range(3):
        status, resp = pay(stack, w, payment_limit={"type": "POINTS_LIMIT", "points_limit": {"max": 10}})
        assert status == 202
        made.append(resp["transaction"]["id"])
    first = listed(stack, w, {"limit": "2"})
    assert [t["id"] for t in first["data"]] == made[::-1][:2] and first["object"] == "list"
    assert first["cursor"]["next"].startswith("lcrsotx_")
    second = listed(stack, w, {"limit": "2", "cursor": first["cursor"]["next"]})
    assert [t["id"] for t in second["data"]] == [made[0]] and second["cursor"] is None
    assert [t["id"] for t in listed(stack, w, {"order": "created_at"})["data"]] == made
    assert [t["id"] for t in listed(stack, w, {"filters[id][conditions][$is]": made[1]})["data"]] == [made[1]]
    error_of(stack, 400, "invalid_query_params", "list_member_order_payments", "GET", pay_path(w), None, query={"order": "amount"})


def test_a_payment_job_out_of_attempts_is_retired_once_as_rejected(stack: Stack) -> None:
    w = payments_world(stack, amount=100)
    status, made = pay(stack, w)
    assert status == 202
    [message] = receive_all(stack)
    retiring = parse_job(message["Body"]).resent(6, retire=True).to_json()
    # the sweeper's last send: the pending marker of the card transaction now holds the retire send
    stack.ddb.update_item(TableName=support.TABLE, Key={"PK": {"S": f"acme#CARD#{w['card']}"},
                                                         "SK": {"S": f"CTX#{made['transaction']['card_transaction_id']}"}},
                          UpdateExpression="SET #j = :j", ExpressionAttributeNames={"#j": "job"},
                          ExpressionAttributeValues={":j": {"S": retiring}})
    assert run_job(retiring) == "RETIRED"
    assert run_job(retiring) == "REJECTED"  # found settled already: nothing moves again
    assert run_job(message["Body"]) == "REJECTED"  # a late first send changes nothing either
    [otx] = listed(stack, w)["data"]
    assert otx["status"] == "REJECTED" and otx["details"]["rejection"]["reason"] == "processing_failed"
    card = card_of(stack, w)
    p = card["lifetime_bucket"]["points"]
    assert (card["balance"]["points"], p["locked"], p["unlocked"], p["spent"]) == (300, 100, 100, 0)
    # the order owes all of its amount again: a new payment may take it
    status, again = pay(stack, w, mode="DRY_RUN")
    assert status == 200 and again["transaction"]["details"]["payment"]["amount"] == 100


def test_a_formula_this_server_cannot_evaluate_is_refused_on_create_and_update(stack: Stack) -> None:
    w = payments_world(stack)
    for formula in ("POINTS * 0.5", "0", -1):
        bad = {"type": "EXCHANGE_RATIO", "exchange_ratio": {"formula": formula}}
        error_of(stack, 400, "invalid_payload", "create_card_definition", "POST", f"{BASE}/card-definitions",
                 {"name": "Formula", "type": "INDIVIDUAL", "pay_with_points": bad})
        error_of(stack, 400, "invalid_payload", "update_card_definition", "PUT", f"{BASE}/card-definitions/{w['cdef']}",
                 {"name": "Formula", "pay_with_points": bad})
    updated = ok(stack, "update_card_definition", "PUT", f"{BASE}/card-definitions/{w['cdef']}",
                 {"name": "Wallet", "pay_with_points": {"type": "EXCHANGE_RATIO", "exchange_ratio": {"formula": "0.5"}}})
    assert updated["pay_with_points"] == {"type": "EXCHANGE_RATIO", "exchange_ratio": {"formula": "0.5"}}
    status, resp = pay(stack, w, mode="DRY_RUN")  # 2 points per cent: 300 points pay 150 of the 1000 cents
    assert status == 200 and resp["transaction"]["details"]["payment"] == {"amount": 150, "points_spent": 300, "exchange_ratio": 0.5}
