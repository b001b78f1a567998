"""Programs: create (with component assignments, in one transaction), read, and the runtime gates on a program's state."""

from __future__ import annotations

from typing import Any

from loyalty.components import store as components
from loyalty.components.store import CARD_DEFINITION as CDEF
from loyalty.components.store import EARNING_RULE as ERULE
from loyalty.components.store import REWARD
from loyalty.components.store import TIER_STRUCTURE as TS
from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.errors import LoyaltyError, locked, not_found
from loyalty.core.validity import in_validity_window
from loyalty.db.table import Table
from loyalty.db.transact import TransactionConflict
from loyalty.programs import store
from loyalty.programs.models import ProgramCreate
from loyalty.programs.records import Assignment, Program
from loyalty.programs.views import KINDS, program_view


def _stock_object(quantity: int | None) -> dict[str, Any]:
    if quantity is None:
        return {"type": "UNLIMITED", "limited": None}
    return {"type": "LIMITED", "limited": {"quantity": quantity}}


def _assignment(kind: str, component: dict[str, Any], created_at: str, **extra: Any) -> Assignment:
    if kind == CDEF:
        data = {
            "card_definition_id": component["id"],
            "card_type": component.get("type", "INDIVIDUAL"),
            "allow_negative": bool((component.get("balance_settings") or {}).get("allow_negative")),
            "code_config": component.get("code_config") or {},
            "object": "program_card_definition",
        }
    elif kind == ERULE:
        data = {"earning_rule_id": component["id"], "object": "program_earning_rule"}
    elif kind == TS:
        data = {"tier_structure_id": component["id"], "object": "program_tier_structure"}
    else:
        data = {"reward_id": component["id"], "costs": extra["costs"], "reward_type": component["type"],
                "updated_at": None, "object": "program_reward"}
    assignment: Assignment = {"kind": kind, "id": component["id"], "data": {**data, "created_at": created_at}}
    if extra.get("stock_quantity") is not None:
        assignment["stock_quantity"] = extra["stock_quantity"]
    return assignment


def create_program(db: Table, body: ProgramCreate) -> dict[str, Any]:
    """Create a program; referenced components must exist, and an ACTIVE program needs active ones."""
    refs: list[tuple[str, str]] = []
    for kind, (_, field) in KINDS.items():
        refs += [(kind, r.id) for r in getattr(body, field) or []]
    found = components.get_components(db, refs) if refs else {}
    for kind, item_id in refs:
        if (kind, item_id) not in found or found[(kind, item_id)].get("status") == "DELETED":
            raise not_found(KINDS[kind][0], item_id)

    status = body.status or "DRAFT"
    if status == "ACTIVE":
        if not any(found[(CDEF, r.id)]["status"] == "ACTIVE" for r in body.card_definitions or []):
            raise locked("missing_active_card_definition", "Missing active card definition",
                         "An ACTIVE program requires at least one ACTIVE card definition")
        if not any(found[(ERULE, r.id)]["status"] == "ACTIVE" for r in body.earning_rules or []):
            raise locked("missing_active_earning_rule", "Missing active earning rule",
                         "An ACTIVE program requires at least one ACTIVE earning rule")

    now = now_iso()
    program: Program = {
        "id": ids.PROGRAM.new(),
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
    assignments = [_assignment(kind, found[(kind, r.id)], now) for kind, field in ((CDEF, "card_definitions"),
                   (ERULE, "earning_rules"), (TS, "tier_structures")) for r in getattr(body, field) or []]
    for r in body.rewards or []:
        reward = found[(REWARD, r.id)]
        costs = [c.model_dump(exclude_none=True) for c in r.costs] if r.costs else reward.get("costs") or []
        assignments.append(_assignment(REWARD, reward, now, costs=costs, stock_quantity=r.stock_quantity()))
    for a in assignments:
        if a["kind"] == REWARD:
            a["data"]["stock"] = _stock_object(a.get("stock_quantity"))
    present = {field for _, field in KINDS.values() if getattr(body, field) is not None}
    view = program_view(program, assignments, present)
    try:
        store.create_program(db, program, assignments, found, view)
    except TransactionConflict as conflict:
        raise changed_components(db, conflict, refs) from None
    return view


def changed_components(db: Table, conflict: TransactionConflict, refs: list[tuple[str, str]]) -> Exception:
    """The answer to an assignment refused because a component changed meanwhile: 404 when it is gone, else a 409 the
    caller may retry."""
    changed = [(kind, item_id) for kind, item_id in refs if conflict.failed(store.component_label(kind, item_id))]
    if not changed:
        return conflict
    kind, item_id = changed[0]
    now = components.get_components(db, [(kind, item_id)]).get((kind, item_id))
    if now is None or now.get("status") == "DELETED":
        return not_found(KINDS[kind][0], item_id)
    return LoyaltyError(409, "concurrent_modification", "Concurrent modification",
                        f"{KINDS[kind][0]} {item_id} changed while it was being assigned; retry the request")


def get_program(db: Table, program_id: str) -> dict[str, Any]:
    """One program with its assignments."""
    program, assignments = require_program(db, program_id)
    return program_view(program, assignments, set())


def require_program(db: Table, program_id: str) -> tuple[Program, list[Assignment]]:
    """The program (not deleted) and its assignments, or 404."""
    ids.PROGRAM.check(program_id)
    found = store.get_program_with_assignments(db, program_id)
    if found is None or found[0].get("status") == "DELETED":
        raise not_found("program", program_id)
    return found


def require_active_program(program: Program, message: str) -> None:
    """423 unless the program is ACTIVE and inside its validity window."""
    if program["status"] != "ACTIVE":
        raise locked("non_active_program", "Invalid program status", message, resource_type="program", resource_id=program["id"])
    if not in_validity_window(program):
        raise locked("program_outside_validity_window", "Program is not available at this time",
                     "The program is outside its validity window", resource_type="program", resource_id=program["id"])
