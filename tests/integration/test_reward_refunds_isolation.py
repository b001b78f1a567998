"""Tenant isolation of the reward purchase refund: with project B's keys, A's real purchase is not found and nothing of
A changes; B's own refund path cannot reach it either."""

from __future__ import annotations

from tests.integration.conftest import Stack, error_of
from tests.integration.test_isolation import _as_b
from tests.integration.test_reward_refunds import bought, material_world, purchases, refund_path


def test_a_purchase_of_a_cannot_be_refunded_with_b_keys(stack: Stack) -> None:
    a = material_world(stack)
    rtx_id = bought(stack, a)
    b = material_world(_as_b(stack))
    before = [i for i in stack.items() if i["PK"]["S"].startswith("acme#")]
    for path in (refund_path(a, rtx_id), refund_path(b, rtx_id)):
        resp = error_of(stack, 404, "not_found", "refund_reward_purchase", "POST", path, {"policies": {"refund": "ALLOW"}},
                        headers=stack.other_headers)
        assert a["member"] not in str(resp) and a["reward"] not in str(resp)
    assert [i for i in stack.items() if i["PK"]["S"].startswith("acme#")] == before
    assert purchases(stack, a)["PURCHASE"]["status"] == "APPROVED"
