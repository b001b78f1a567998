"""Tier re-evaluation under concurrency on DynamoDB Local: a member's standing is written conditioned on the version
read, so evaluations racing on one member (stream batches retried, the daily job, a replay) record a tier change once."""

from __future__ import annotations

from loyalty.tiering import service as tiering
from tests.contract.harness import BASE, Contract, concurrently


def test_twenty_concurrent_evaluations_of_one_member_record_one_tier_change(contract: Contract) -> None:
    # Given a program whose tier structure follows the balance (Bronze 0-99, Silver 100+), and a member holding 150
    world = contract.build_program()
    ts = contract.ok("create_tier_structure", "POST", f"{BASE}/tier-structures", {
        "name": "Levels", "type": "POINT_BALANCE", "point_balance": {"card_definition_id": world["cdef"]}})["id"]
    for name, points in (("Bronze", {"min_value": 0, "max_value": 99}), ("Silver", {"min_value": 100})):
        contract.ok("create_tier", "POST", f"{BASE}/tier-structures/{ts}/tiers",
                    {"name": name, "qualification_rules": {"type": "POINTS", "points": points}})
    contract.ok("activate_tier_structure", "POST", f"{BASE}/tier-structures/{ts}/activate")
    program = contract.ok("create_program", "POST", f"{BASE}/programs", {
        "name": "Tiered", "status": "ACTIVE", "card_definitions": [{"id": world["cdef"]}], "earning_rules": [{"id": world["rule"]}],
        "tier_structures": [{"id": ts}]})
    world = contract.build_member({**world, "program": program["id"]}, points=150)

    # When 20 evaluations of its card run at the same moment
    changes = concurrently([lambda: tiering.re_evaluate(contract.db, world["member"], world["card"], origin="card_operations")
                            for _ in range(20)])

    # Then one of them joined it to Silver, and one tier transaction records it
    assert sorted(map(str, changes)) == ["JOINED"] + ["None"] * 19
    transactions = contract.items(f"MBR#{world['member']}#TTX")
    assert [(t["data"]["type"], t["data"]["details"]["points"]) for t in transactions] == [("JOINED", 150)]
    standing = contract.item(f"MBR#{world['member']}", "TIER")
    assert standing is not None and standing["version"] == 1
