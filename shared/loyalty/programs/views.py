"""Response shapes of programs."""

from __future__ import annotations

from typing import Any

from loyalty.components.store import CARD_DEFINITION as CDEF
from loyalty.components.store import EARNING_RULE as ERULE
from loyalty.components.store import REWARD
from loyalty.components.store import TIER_STRUCTURE as TS
from loyalty.programs.records import Assignment, Program

# assignment kind -> (resource type in errors, request field)
KINDS = {
    CDEF: ("card_definition", "card_definitions"),
    ERULE: ("earning_rule", "earning_rules"),
    REWARD: ("reward", "rewards"),
    TS: ("tier_structure", "tier_structures"),
}


def program_view(program: Program, assignments: list[Assignment], present: set[str]) -> dict[str, Any]:
    """The program with its assignment arrays in the seed's shape (`null` for arrays never given)."""

    def ids(kind: str) -> list[dict[str, Any]] | None:
        rows = [{"id": a["id"]} for a in assignments if a["kind"] == kind]
        return rows if rows or KINDS[kind][1] in present else None

    rewards = [
        {"id": a["id"], "costs": [{"rules": None, **cost} for cost in a["data"]["costs"]], "stock": a.get("stock_quantity")}
        for a in assignments
        if a["kind"] == REWARD
    ]
    return {
        **program,
        "card_definitions": ids(CDEF),
        "earning_rules": ids(ERULE),
        "rewards": rewards if rewards or "rewards" in present else None,
        "tier_structures": ids(TS),
    }
