"""Tenant isolation of pay with points: with project B's keys, A's member, card and order are not found, A's payments are
not listed, and nothing of A changes; B's member cannot pay A's order either."""

from __future__ import annotations

from tests.integration.conftest import Stack, error_of
from tests.integration.test_isolation import _as_b
from tests.integration.test_order_payments import card_of, listed, pay, pay_path, payments_world


def test_a_payment_of_a_cannot_be_made_or_listed_with_b_keys(stack: Stack) -> None:
    a = payments_world(stack)
    assert pay(stack, a)[0] == 202
    stack.drain()
    b = payments_world(_as_b(stack))
    before = [i for i in stack.items() if i["PK"]["S"].startswith("acme#")]
    for path, body in [(pay_path(a), {"card_id": a["card"], "order": {"id": a["order"]}}),
                       (pay_path(b), {"card_id": b["card"], "order": {"id": a["order"]}}),
                       (pay_path(b), {"card_id": a["card"], "order": {"id": b["order"]}})]:
        resp = error_of(stack, 404, "not_found", "create_member_order_payment", "POST", path, body, headers=stack.other_headers)
        assert a["member"] not in str(resp).replace(path, "") or resp["resource_type"] in ("program", "member")
    resp = error_of(stack, 404, "not_found", "list_member_order_payments", "GET", pay_path(a), None, headers=stack.other_headers)
    assert resp["resource_type"] in ("program", "member")
    assert [i for i in stack.items() if i["PK"]["S"].startswith("acme#")] == before
    assert [t["status"] for t in listed(stack, a)["data"]] == ["APPROVED"]
    assert card_of(stack, a)["balance"]["points"] == 0
