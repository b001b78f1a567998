"""The tier-structure and benefit part of the fuzz world: real ids that the fuzzers' changes cannot take away.

The tier structure is ACTIVE and assigned to a DRAFT program (so it can be neither deleted, deactivated nor drafted, and
its tiers neither removed nor re-ranked); the benefit is ACTIVE and granted by an ACTIVE earning rule outside the world
(so it can be neither drafted nor deleted). Each list and activity list has a second page."""

from __future__ import annotations

import uuid
from typing import Any

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
    api.ok("POST", f"{V2}/earning-rules", {"name": f"Fuzz grant {tag}", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
                                          "earnings": [{"effects": [{"type": "BENEFIT", "benefit": {"id": benefit}}]}]})
    return {"tierStructureId": ts, "tierId": tiers[0]["id"], "benefitId": benefit}
