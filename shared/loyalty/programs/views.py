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


def stock_view(quantity: int | None) -> dict[str, Any]:
    """A reward assignment's stock: LIMITED with what remains, or UNLIMITED."""
    return {"type": "UNLIMITED"} if quantity is None else {"type": "LIMITED", "limited": {"quantity": quantity}}


def assignment_view(a: Assignment) -> dict[str, Any]:
    """An assignment as the assignment lists and batches answer it (ProgramCardDefinitionAssignment, ...)."""
    data = a["data"]
    if a["kind"] == CDEF:
        return {"card_type": data.get("card_type", "INDIVIDUAL"), "card_definition_id": a["id"], "created_at": data["created_at"],
                "object": "program_card_definition"}
    if a["kind"] == ERULE:
        return {"earning_rule_id": a["id"], "created_at": data["created_at"], "object": "program_earning_rule"}
    if a["kind"] == TS:
        return {"tier_structure_id": a["id"], "created_at": data["created_at"], "object": "program_tier_structure"}
    return {"reward_id": a["id"], "stock": stock_view(a.get("stock_quantity")), "redeemed": a.get("redeemed", 0),
            "created_at": data["created_at"], "updated_at": data.get("updated_at"), "object": "program_reward"}
