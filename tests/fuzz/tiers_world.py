"""The tier-structure and benefit part of the fuzz world: real ids that the fuzzers' changes cannot take away.

The tier structure is ACTIVE and assigned to a DRAFT program (so it can be neither deleted, deactivated nor drafted, and
its tiers neither removed nor re-ranked); the benefit is ACTIVE and granted by an ACTIVE earning rule outside the world
(so it can be neither drafted nor deleted); that rule is assigned to a program of its own (ranked by the second tier
structure), whose member two PAID orders granted the benefit twice and a credit moved up a tier (the member's benefit and
tier transactions have a second page). Each list and activity list has a
second page."""

from __future__ import annotations

import uuid
from typing import Any

from tests.support import eventually

V2 = "/v2/loyalties"


def tiers_world(api: Any, cdef: str) -> dict[str, str]:
    """Create the resources; their ids under the path parameter names of the tier and benefit routes."""
    tag = uuid.uuid4().hex[:8]
    structures = [api.ok("POST", f"{V2}/tier-structures", {"name": f"Fuzz levels {tag} {i}", "type": "POINT_BALANCE",
                                                           "point_balance": {"card_definition_id": cdef}}) for i in range(2)]
    ts = structures[0]["id"]
    tiers = [api.ok("POST", f"{V2}/tier-structures/{ts}/tiers", {
        "name": name, "qualification_rules": {"type": "POINTS", "points": {"min_value": low, "max_value": low + 99}}})
        for name, low in (("Bronze", 0), ("Silver", 100))]
    api.ok("POST", f"{V2}/tier-structures/{ts}/activate")
    api.ok("POST", f"{V2}/programs", {"name": f"Fuzz tiers {tag}", "tier_structures": [{"id": ts}]})
    benefits = [api.ok("POST", f"{V2}/benefits", {"name": f"Fuzz perk {tag} {i}", "type": "POINTS", "status": "ACTIVE",
                                                  "points": {"value": 5, "card_definition_id": cdef}}) for i in range(2)]
    benefit = benefits[0]["id"]
    api.ok("PUT", f"{V2}/benefits/{benefit}", {"stock": {"type": "LIMITED", "limited": {"quantity": 100}}})
    grant = api.ok("POST", f"{V2}/earning-rules", {"name": f"Fuzz grant {tag}", "status": "ACTIVE",
                                                   "trigger": {"event": "customer.order.paid"},
                                                   "earnings": [{"effects": [{"type": "BENEFIT", "benefit": {"id": benefit}}]}]})
    levels = structures[1]["id"]
    for name, span in (("Bronze", {"min_value": 0, "max_value": 99}), ("Silver", {"min_value": 100})):
        api.ok("POST", f"{V2}/tier-structures/{levels}/tiers", {"name": name, "qualification_rules": {"type": "POINTS", "points": span}})
    api.ok("POST", f"{V2}/tier-structures/{levels}/activate")
    perks = api.ok("POST", f"{V2}/programs", {"name": f"Fuzz perks {tag}", "status": "ACTIVE", "card_definitions": [{"id": cdef}],
                                              "earning_rules": [{"id": grant["id"]}], "tier_structures": [{"id": levels}]})
    customer = api.ok("POST", "/v1/customers", {"source_id": f"fuzz-perks-{tag}"})
    member = api.ok("POST", f"{V2}/programs/{perks['id']}/members", {"customer_id": customer["id"]})
    for n in range(2):
        api.ok("POST", "/v1/orders", {"source_id": f"fuzz-perks-{tag}-{n}", "status": "PAID", "amount": 1000,
                                      "customer": {"id": customer["id"]}})
    granted = f"{V2}/programs/{perks['id']}/members/{member['id']}/benefits/transactions"
    eventually(lambda: len(api.ok("GET", granted)["data"]) == 2, timeout=60)
    card = member["cards"][0]["card"]["id"]
    api.ok("POST", f"{V2}/programs/{perks['id']}/members/{member['id']}/cards/{card}/points", {"points": 150})
    moved = f"{V2}/programs/{perks['id']}/members/{member['id']}/tiers/transactions"
    eventually(lambda: len(api.ok("GET", moved)["data"]) == 2, timeout=60)
    return {"tierStructureId": ts, "tierId": tiers[0]["id"], "benefitId": benefit,
            "perks/programId": perks["id"], "perks/memberId": member["id"]}
