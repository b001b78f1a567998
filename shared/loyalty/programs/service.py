"""Programs: create, read, list, update, delete, the DRAFT -> ACTIVE <-> INACTIVE lifecycle, component assignments
(batches of assign/unassign, reward stock), activities, and the runtime gates on a program's state."""

from __future__ import annotations

from typing import Any, cast

from loyalty.activities import records as activity_kinds
from loyalty.activities import service as activities
from loyalty.components import store as components
from loyalty.components.fulfilment import unfulfillable_reason
from loyalty.components.references import card_definitions_named
from loyalty.components.store import CARD_DEFINITION as CDEF
from loyalty.components.store import EARNING_RULE as ERULE
from loyalty.components.store import REWARD
from loyalty.components.store import TIER_STRUCTURE as TS
from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.errors import (
    LoyaltyError,
    invalid_payload,
    invalid_state_transition,
    locked,
    not_found,
    resource_in_use,
    resource_locked,
)
from loyalty.core.listing import DATE, STRING, ListSpec, enum_field, id_field, parse
from loyalty.core.lists import list_view
from loyalty.core.validity import in_validity_window
from loyalty.db.table import Table
from loyalty.db.transact import TransactionConflict
from loyalty.programs import store
from loyalty.programs.models import (
    CardDefinitionBatch,
    EarningRuleBatch,
    ProgramCreate,
    ProgramUpdate,
    RewardAssignmentUpdate,
    RewardBatch,
    TierStructureBatch,
)
from loyalty.programs.records import Assignment, Program
from loyalty.programs.views import KINDS, assignment_view, program_view


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
                "stock": _stock_object(extra.get("stock_quantity")), "updated_at": None, "object": "program_reward"}
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
        _require_deliverable(kind, found[(kind, item_id)])

    status = body.status or "DRAFT"
    if status == "ACTIVE":
        _require_active_components([found[(CDEF, r.id)] for r in body.card_definitions or []],
                                   [found[(ERULE, r.id)] for r in body.earning_rules or []])
        for kind, item_id in refs:
            _require_assignable(kind, found[(kind, item_id)], "ACTIVE")

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


# ---------------------------------------------------------------------------------------------- lifecycle rules
ASSIGNMENT_NAMES = {kind: name for kind, (name, _) in KINDS.items()}
MAX_ASSIGNED = {CDEF: 10, ERULE: 100, REWARD: 100, TS: 1}  # per program (spec-map A10)


def _missing_active_card_definition() -> LoyaltyError:
    return locked("missing_active_card_definition", "Missing active card definition",
                  "An ACTIVE program requires at least one ACTIVE card definition")


def _missing_active_earning_rule() -> LoyaltyError:
    return locked("missing_active_earning_rule", "Missing active earning rule",
                  "An ACTIVE program requires at least one ACTIVE earning rule")


def _require_active_components(cards: list[dict[str, Any]], rules: list[dict[str, Any]]) -> tuple[str, str]:
    """The ids of one ACTIVE card definition and one ACTIVE earning rule among these; 423 when there is none."""
    card = next((c["id"] for c in cards if c["status"] == "ACTIVE"), None)
    if card is None:
        raise _missing_active_card_definition()
    rule = next((r["id"] for r in rules if r["status"] == "ACTIVE"), None)
    if rule is None:
        raise _missing_active_earning_rule()
    return card, rule


def _require_deliverable(kind: str, component: dict[str, Any]) -> None:
    """423 `resource_locked` for a reward this server cannot deliver (a coupon or gift voucher reward stored before such
    rewards were refused): it never joins a program, whatever the program's status."""
    reason = unfulfillable_reason(component) if kind == REWARD else None
    if reason is not None:
        raise resource_locked(ASSIGNMENT_NAMES[kind], component["id"], reason)


def _require_assignable(kind: str, component: dict[str, Any], program_status: str) -> None:
    """423 `resource_locked` unless the component may join a program in this status: card definitions and tier
    structures must be ACTIVE; anything assigned to an ACTIVE program must be ACTIVE."""
    if component["status"] != "ACTIVE" and (kind in (CDEF, TS) or program_status == "ACTIVE"):
        raise resource_locked(ASSIGNMENT_NAMES[kind], component["id"],
                              f"{ASSIGNMENT_NAMES[kind]} {component['id']} is {component['status']}; only ACTIVE ones can be "
                              + ("assigned" if kind in (CDEF, TS) else "assigned to an ACTIVE program"))


def _require_stored_program(db: Table, program_id: str) -> Program:
    """The program item alone (one GetItem), not deleted, or 404."""
    ids.PROGRAM.check(program_id)
    program = store.get_program(db, program_id)
    if program is None or program["status"] == "DELETED":
        raise not_found("program", program_id)
    return program


def _program_changed(program_id: str) -> LoyaltyError:
    return LoyaltyError(409, "concurrent_modification", "Concurrent modification",
                        f"Program {program_id} changed while this request was made; retry the request")


def _save(db: Table, before: Program, after: Program, activity_type: str, *, delist: bool = False,
          checks: list[tuple[str, str]] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    """Write the program's new object with its activity (and the components in `checks` still ACTIVE), in one transaction."""
    tx = db.transaction()
    store.add_program_save(tx, db, before, after, activity_type, delist=delist)
    for kind, component_id in checks:
        store.add_component_check(tx, db, kind, component_id, "ACTIVE")
    try:
        tx.commit()
    except TransactionConflict as conflict:
        if conflict.failed("program"):
            raise _program_changed(before["id"]) from None
        raise changed_components(db, conflict, list(checks)) from None
    return dict(after)


def _moved(program: Program, status: str) -> Program:
    return cast(Program, {**program, "status": status, "updated_at": now_iso()})


def activate_program(db: Table, program_id: str) -> dict[str, Any]:
    """DRAFT or INACTIVE -> ACTIVE, when at least one ACTIVE card definition and earning rule are assigned (and the tier
    structure, if any, is ACTIVE); 400 `invalid_state_transition` from another state, 423 when components are missing."""
    program, assignments = require_program(db, program_id)
    if program["status"] not in ("DRAFT", "INACTIVE"):
        raise invalid_state_transition(400, "program", program_id, program["status"], "activate")
    refs = [(a["kind"], a["id"]) for a in assignments if a["kind"] in (CDEF, ERULE, TS)]
    found = components.get_components(db, refs) if refs else {}
    card, rule = _require_active_components([found[r] for r in refs if r[0] == CDEF and r in found],
                                            [found[r] for r in refs if r[0] == ERULE and r in found])
    checks = [(CDEF, card), (ERULE, rule)]
    for ref in refs:
        if ref[0] == TS:
            structure = found.get(ref)
            if structure is None or structure["status"] != "ACTIVE":
                raise resource_locked("tier_structure", ref[1], f"tier_structure {ref[1]} must be ACTIVE to activate the program")
            checks.append(ref)
    return _save(db, program, _moved(program, "ACTIVE"), "vl.program.activated", checks=checks)


def deactivate_program(db: Table, program_id: str) -> dict[str, Any]:
    """ACTIVE -> INACTIVE (members can no longer join, earn or spend); 400 `invalid_state_transition` otherwise."""
    program = _require_stored_program(db, program_id)
    if program["status"] != "ACTIVE":
        raise invalid_state_transition(400, "program", program_id, program["status"], "deactivate")
    return _save(db, program, _moved(program, "INACTIVE"), "vl.program.deactivated")


def delete_program(db: Table, program_id: str) -> dict[str, Any]:
    """Soft delete: the program becomes DELETED and leaves the list; its assignments stop counting as uses of their
    components (they are read as the program's, which no longer exists)."""
    program = _require_stored_program(db, program_id)
    return _save(db, program, _moved(program, "DELETED"), "vl.program.deleted", delist=True)


# Fields a program that left DRAFT still lets an update change (spec-map §3.1).
_EDITABLE_AFTER_DRAFT = {"name", "metadata"}


def update_program(db: Table, program_id: str, body: ProgramUpdate) -> dict[str, Any]:
    """Replace the given fields (A18: `metadata` is replaced, null clears it); a non-DRAFT program takes only `name` and
    `metadata` (400 for any other field)."""
    program = _require_stored_program(db, program_id)
    given = body.model_fields_set
    if program["status"] != "DRAFT":
        refused = sorted(given - _EDITABLE_AFTER_DRAFT)
        if refused:
            raise invalid_payload(f"Property '{refused[0]}' cannot be changed when the program is {program['status']} "
                                  "(only name and metadata can)")
    changes: dict[str, Any] = {}
    for field in given:
        value = getattr(body, field)
        if field == "validity_hours":
            value = value.model_dump() if value is not None else {"type": "ANY_TIME"}
        elif field == "metadata":
            value = value or {}
        elif field == "name" and value is None:
            raise invalid_payload("Property 'name' must be a string")
        changes[field] = value
    after = cast(Program, {**program, **changes, "updated_at": now_iso()})
    if after.get("start_date") and after.get("end_date") and str(after["end_date"]) <= str(after["start_date"]):
        raise invalid_payload("'end_date' must be after 'start_date'")
    return _save(db, program, after, "vl.program.updated")


# ---------------------------------------------------------------------------------------------- lists
PROGRAMS = ListSpec("lcrsprg_", orders=("created_at", "name"), rounds_limit=True, filters={
    "id": id_field(ids.PROGRAM.prefix), "name": STRING, "status": enum_field("ACTIVE", "INACTIVE", "DRAFT"), "created_at": DATE})
ASSIGNMENTS = {
    CDEF: ListSpec("lcrscdefa_", rounds_limit=True),
    ERULE: ListSpec("lcrserna_", rounds_limit=True),
    TS: ListSpec("lcrstsa_", rounds_limit=True),
    REWARD: ListSpec("lcrsrewa_", rounds_limit=True),
}


PROGRAM_ACTIVITIES = activities.list_spec(activity_kinds.PROGRAM)


def list_programs(db: Table, params: list[tuple[str, str]]) -> dict[str, Any]:
    """A page of the project's programs (newest first unless ordered by name or oldest first)."""
    return list_view(*store.list_programs(db, parse(params, PROGRAMS), PROGRAMS))


def list_program_activities(db: Table, program_id: str, params: list[tuple[str, str]]) -> dict[str, Any]:
    """A page of a program's activities, newest first."""
    ids.PROGRAM.check(program_id)
    return activities.list_activities(db, activity_kinds.PROGRAM, "program", program_id, params,
                                      exists=lambda: store.get_program(db, program_id) is not None)


def list_assignments(db: Table, program_id: str, kind: str, params: list[tuple[str, str]]) -> dict[str, Any]:
    """A page of a program's assignments of one kind, newest first (by when they were assigned)."""
    spec = ASSIGNMENTS[kind]
    query = parse(params, spec)
    ids.PROGRAM.check(program_id)
    page = store.list_assignments(db, program_id, kind, query, spec, assignment_view)
    if page is None:
        raise not_found("program", program_id)
    return list_view(*page)


# ---------------------------------------------------------------------------------------------- assignments
def _label(kind: str) -> str:
    return f"program_{ASSIGNMENT_NAMES[kind]}"


def batch_assignments(db: Table, program_id: str, kind: str, assign: list[tuple[str, int | None]], unassign: list[str]
                      ) -> dict[str, Any]:
    """Unassign, then assign, components of one kind, in one transaction with both sides' activities.

    `assign` holds (component id, remaining stock) pairs (stock only for rewards). Strict: an unknown component, one
    not assigned (unassign) or already assigned (assign) fails the whole batch."""
    program, assignments = require_program(db, program_id)
    name = ASSIGNMENT_NAMES[kind]
    if kind in (CDEF, TS) and program["status"] != "DRAFT":
        raise locked("non_draft_program", "Program is not DRAFT",
                     f"{name.replace('_', ' ')}s of a program can be changed only while it is DRAFT",
                     resource_type="program", resource_id=program_id)
    current = {a["id"]: a for a in assignments if a["kind"] == kind}
    for component_id in unassign:
        if component_id not in current:
            raise not_found(_label(kind), component_id)
    for component_id, _ in assign:
        if component_id in current:
            raise LoyaltyError(409, "duplicate_found", "Duplicated resource found",
                               f"{name} {component_id} is already assigned to program {program_id}",
                               resource_type=_label(kind), resource_id=component_id)
    if len(current) - len(unassign) + len(assign) > MAX_ASSIGNED[kind]:
        raise invalid_payload(f"A program can have at most {MAX_ASSIGNED[kind]} {name}(s) assigned")

    # One read of every component the rules need: those named, and (for the checks below) the program's others.
    others = [(a["kind"], a["id"]) for a in assignments if a["kind"] in (ERULE, REWARD, TS) or a["kind"] == kind]
    named = [(kind, component_id) for component_id, _ in assign] + [(kind, component_id) for component_id in unassign]
    found = components.get_components(db, list(dict.fromkeys(named + others)))
    for component_id, _ in assign:
        component = found.get((kind, component_id))
        if component is None or component["status"] == "DELETED":
            raise not_found(name, component_id)
        _require_deliverable(kind, component)
        _require_assignable(kind, component, program["status"])
    if kind == CDEF:
        _require_unreferenced(unassign, [(ref[0], found[ref]) for ref in others if ref in found and ref[0] != CDEF], assignments)
    keep: str | None = None
    if kind == ERULE and program["status"] == "ACTIVE":
        remaining = [found[(ERULE, a["id"])] for a in assignments
                     if a["kind"] == ERULE and a["id"] not in unassign and (ERULE, a["id"]) in found]
        remaining += [found[(ERULE, component_id)] for component_id, _ in assign]
        keep = next((r["id"] for r in remaining if r["status"] == "ACTIVE"), None)
        if keep is None:
            raise _missing_active_earning_rule()

    now = now_iso()
    tx = db.transaction()
    store.add_program_check(tx, db, program)
    unassigned = []
    for component_id in unassign:
        store.add_unassignment(tx, db, program, current[component_id], found.get((kind, component_id)) or {"id": component_id})
        unassigned.append(assignment_view(current[component_id]))
    assigned = []
    for component_id, stock in assign:
        component = found[(kind, component_id)]
        extra: dict[str, Any] = {"costs": component.get("costs") or [], "stock_quantity": stock} if kind == REWARD else {}
        a = _assignment(kind, component, now, **extra)
        store.add_assignment(tx, db, program, a, component, replace_removed=True, activity=True)
        assigned.append(assignment_view(a))
    if keep is not None and keep not in [c for c, _ in assign]:
        store.add_component_check(tx, db, ERULE, keep, "ACTIVE")
    try:
        tx.commit()
    except TransactionConflict as conflict:
        if conflict.failed("program") or any(conflict.failed(store.assignment_label(kind, c))
                                             for c in [*(c for c, _ in assign), *unassign]):
            raise _program_changed(program_id) from None
        raise changed_components(db, conflict, named + ([(ERULE, keep)] if keep else [])) from None
    return {"assigned": assigned if assign else None, "unassigned": unassigned if unassign else None}


def batch_card_definitions(db: Table, program_id: str, body: CardDefinitionBatch) -> dict[str, Any]:
    """POST .../card-definitions/batch (DRAFT programs only; card definitions must be ACTIVE)."""
    return batch_assignments(db, program_id, CDEF, [(r.id, None) for r in body.assign or []], body.ids("unassign"))


def batch_earning_rules(db: Table, program_id: str, body: EarningRuleBatch) -> dict[str, Any]:
    """POST .../earning-rules/batch (an ACTIVE program keeps at least one ACTIVE earning rule)."""
    return batch_assignments(db, program_id, ERULE, [(r.id, None) for r in body.assign or []], body.ids("unassign"))


def batch_tier_structures(db: Table, program_id: str, body: TierStructureBatch) -> dict[str, Any]:
    """POST .../tier-structures/batch (DRAFT programs only; at most one, ACTIVE)."""
    return batch_assignments(db, program_id, TS, [(r.id, None) for r in body.assign or []], body.ids("unassign"))


def batch_rewards(db: Table, program_id: str, body: RewardBatch) -> dict[str, Any]:
    """POST .../rewards/batch (each assigned reward with its stock)."""
    return batch_assignments(db, program_id, REWARD, [(r.id, r.stock_quantity()) for r in body.assign or []], body.ids("unassign"))


def _require_unreferenced(card_definitions: list[str], users: list[tuple[str, dict[str, Any]]], assignments: list[Assignment]
                          ) -> None:
    """400 `resource_in_use` when a card definition to unassign is still named by another component assigned to the
    program ((kind, component) pairs), or priced in one of its reward assignments."""
    priced = {a["id"]: [s.get("card_definition_id") for cost in a["data"].get("costs") or [] for s in cost.get("spending") or []]
              for a in assignments if a["kind"] == REWARD}
    for cdef in card_definitions:
        using = [component["id"] for kind, component in users
                 if cdef in card_definitions_named(kind, component) + priced.get(component["id"], [])]
        if using:
            raise resource_in_use("card_definition", cdef, "component", sorted(set(using)), "unassign")


def update_reward_assignment(db: Table, program_id: str, reward_id: str, body: RewardAssignmentUpdate) -> dict[str, Any]:
    """Replace a reward's stock in this program (LIMITED `quantity` is what remains); `vl.program.reward.updated`."""
    ids.REWARD.check(reward_id)
    program, assignments = require_program(db, program_id)
    before = next((a for a in assignments if a["kind"] == REWARD and a["id"] == reward_id), None)
    if before is None:
        raise not_found("reward", reward_id)
    quantity = body.stock.limited.quantity if body.stock.limited is not None else None
    after: Assignment = {**before, "data": {**before["data"], "stock": _stock_object(quantity), "updated_at": now_iso()},
                         "stock_quantity": quantity}
    tx = db.transaction()
    store.add_reward_stock(tx, db, program, before, after)
    try:
        tx.commit()
    except TransactionConflict:
        raise not_found("reward", reward_id) from None
    return assignment_view(after)
