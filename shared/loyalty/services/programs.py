"""Programs: create (with component assignments, in one transaction) and read."""

from __future__ import annotations

from typing import Any

from loyalty.clock import new_id, now_iso
from loyalty.errors import check_id, locked, not_found
from loyalty.models.v2 import ProgramCreate
from loyalty.repository import Repository, TransactionConflict
from loyalty.services.gates import require_program

# assignment kind -> (resource type in errors, request field)
KINDS = {
    "CDEF": ("card_definition", "card_definitions"),
    "ERULE": ("earning_rule", "earning_rules"),
    "REWARD": ("reward", "rewards"),
    "TS": ("tier_structure", "tier_structures"),
}


def _stock_object(quantity: int | None) -> dict[str, Any]:
    if quantity is None:
        return {"type": "UNLIMITED", "limited": None}
    return {"type": "LIMITED", "limited": {"quantity": quantity}}


def _assignment(kind: str, component: dict[str, Any], created_at: str, **extra: Any) -> dict[str, Any]:
    if kind == "CDEF":
        data = {
            "card_definition_id": component["id"],
            "card_type": component.get("type", "INDIVIDUAL"),
            "allow_negative": bool((component.get("balance_settings") or {}).get("allow_negative")),
            "code_config": component.get("code_config") or {},
            "object": "program_card_definition",
        }
    elif kind == "ERULE":
        data = {"earning_rule_id": component["id"], "object": "program_earning_rule"}
    elif kind == "TS":
        data = {"tier_structure_id": component["id"], "object": "program_tier_structure"}
    else:
        data = {"reward_id": component["id"], "costs": extra["costs"], "reward_type": component["type"],
                "updated_at": None, "object": "program_reward"}
    return {"kind": kind, "id": component["id"], "data": {**data, "created_at": created_at}, **(
        {"stock_quantity": extra["stock_quantity"]} if extra.get("stock_quantity") is not None else {})}


def program_view(program: dict[str, Any], assignments: list[dict[str, Any]], present: set[str]) -> dict[str, Any]:
    """The program with its assignment arrays in the seed's shape (`null` for arrays never given)."""

    def ids(kind: str) -> list[dict[str, Any]] | None:
        rows = [{"id": a["id"]} for a in assignments if a["kind"] == kind]
        return rows if rows or KINDS[kind][1] in present else None

    rewards = [
        {"id": a["id"], "costs": [{"rules": None, **cost} for cost in a["data"]["costs"]], "stock": a.get("stock_quantity")}
        for a in assignments
        if a["kind"] == "REWARD"
    ]
    return {
        **program,
        "card_definitions": ids("CDEF"),
        "earning_rules": ids("ERULE"),
        "rewards": rewards if rewards or "rewards" in present else None,
        "tier_structures": ids("TS"),
    }


def create_program(repo: Repository, body: ProgramCreate) -> dict[str, Any]:
    """Create a program; referenced components must exist, and an ACTIVE program needs active ones."""
    refs: list[tuple[str, str]] = []
    for kind, (_, field) in KINDS.items():
        refs += [(kind, r.id) for r in getattr(body, field) or []]
    found = repo.get_components(refs) if refs else {}
    for kind, item_id in refs:
        if (kind, item_id) not in found or found[(kind, item_id)].get("status") == "DELETED":
            raise not_found(KINDS[kind][0], item_id)

    status = body.status or "DRAFT"
    if status == "ACTIVE":
        if not any(found[("CDEF", r.id)]["status"] == "ACTIVE" for r in body.card_definitions or []):
            raise locked("missing_active_card_definition", "Missing active card definition",
                         "An ACTIVE program requires at least one ACTIVE card definition")
        if not any(found[("ERULE", r.id)]["status"] == "ACTIVE" for r in body.earning_rules or []):
            raise locked("missing_active_earning_rule", "Missing active earning rule",
                         "An ACTIVE program requires at least one ACTIVE earning rule")

    now = now_iso()
    program = {
        "id": new_id("lprg_"),
        "name": body.name,
        "status": status,
        "start_date": body.start_date,
        "end_date": body.end_date,
        "validity_hours": body.validity_hours.model_dump() if body.validity_hours else {"type": "ANY_TIME"},
        "metadata": body.metadata or {},
        "created_at": now,
        "updated_at": None,
        "object": "program",
    }
    assignments = [_assignment(kind, found[(kind, r.id)], now) for kind, field in (("CDEF", "card_definitions"),
                   ("ERULE", "earning_rules"), ("TS", "tier_structures")) for r in getattr(body, field) or []]
    for r in body.rewards or []:
        reward = found[("REWARD", r.id)]
        costs = [c.model_dump(exclude_none=True) for c in r.costs] if r.costs else reward.get("costs") or []
        assignments.append(_assignment("REWARD", reward, now, costs=costs, stock_quantity=r.stock_quantity()))
    for a in assignments:
        if a["kind"] == "REWARD":
            a["data"]["stock"] = _stock_object(a.get("stock_quantity"))
    try:
        repo.create_program(program, assignments, refs)
    except TransactionConflict as conflict:
        # a component vanished between the read and the write: report the first one that did
        for index, (kind, item_id) in enumerate(refs):
            if conflict.failed(1 + len(assignments) + index):
                raise not_found(KINDS[kind][0], item_id) from None
        raise
    present = {field for _, field in KINDS.values() if getattr(body, field) is not None}
    return program_view(program, assignments, present)


def get_program(repo: Repository, program_id: str) -> dict[str, Any]:
    """One program with its assignments."""
    check_id(program_id, "lprg_", "program")
    program, assignments = require_program(repo.get_program_with_assignments(program_id), program_id)
    return program_view(program, assignments, set())
