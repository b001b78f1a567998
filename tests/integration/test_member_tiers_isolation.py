"""Tenant isolation of members' tiers: with project B's keys, A's member's tier transactions are not found (404, nothing
of A in the answer) and a cursor of A's list does not open B's."""

from __future__ import annotations

from tests.integration.conftest import Stack, error_of
from tests.integration.test_isolation import _as_b
from tests.integration.test_member_tiers import adjust, tier_transactions, tiered_world

BASE = "/v2/loyalties"


def test_tier_transactions_of_a_are_not_reachable_with_b_keys(stack: Stack) -> None:
    a = tiered_world(stack)
    adjust(stack, a, 150)
    b = tiered_world(_as_b(stack))
    for w in (a, {**b, "member": a["member"]}):
        resp = error_of(stack, 404, "not_found", "list_member_tier_transactions", "GET",
                        f"{BASE}/programs/{w['program']}/members/{w['member']}/tiers/transactions", headers=stack.other_headers)
        assert a["card"] not in str(resp) and a["tiers"]["Silver"] not in str(resp)
    page = tier_transactions(stack, a, limit="1")
    code, body = stack.call("list_member_tier_transactions", "GET", f"{BASE}/programs/{b['program']}/members/{b['member']}/tiers/transactions",
                            query={"limit": "1", "cursor": page["cursor"]["next"]}, headers=stack.other_headers)
    assert (code, body["key"]) == (400, "invalid_or_expired_cursor"), body
