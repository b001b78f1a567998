"""Stored programs: the program item and one item per component assignment, in one partition (read with one Query);
programs listed in creation order. An unassigned component's item stays, marked removed, so a purchase still settling
against it finds its stock; every read of assignments skips removed ones."""

from __future__ import annotations

from typing import Any, cast

from loyalty.activities import records as activity_kinds
from loyalty.activities.store import add_activity
from loyalty.components import store as components
from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.listing import ListQuery, ListSpec
from loyalty.db import lists
from loyalty.db.keys import ASSIGNMENT_SK_PREFIX, GSI1, PROGRAM_SK, Keys
from loyalty.db.lists import Collection
from loyalty.db.table import Table
from loyalty.db.transact import Transaction
from loyalty.programs.records import Assignment, Program

REMOVED = "removed_at"  # set on an assignment item when its component is unassigned


def component_label(kind: str, component_id: str) -> str:
    """The label of a component's update in an assignment transaction: it fails when the component changed status (or
    vanished) since it was read."""
    return f"component:{kind}:{component_id}"


def assignment_label(kind: str, component_id: str) -> str:
    """The label of an assignment item in a batch: it fails when the component is already assigned (assign) or not
    assigned (unassign)."""
    return f"assignment:{kind}:{component_id}"


def assignment_row(a: Assignment) -> dict[str, Any]:
    """An assignment's item attributes: the assignment object, the remaining stock of a LIMITED reward, times redeemed."""
    row: dict[str, Any] = {"data": a["data"], "redeemed": a.get("redeemed", 0)}
    if a.get("stock_quantity") is not None:
        row["stock_quantity"] = a["stock_quantity"]
    return row


def program_ref(program: Program) -> dict[str, Any]:
    """How a program appears in its components' activities (ProgramSimple)."""
    return {"id": program["id"], "name": program["name"], "status": program["status"], "metadata": program["metadata"],
            "object": "program"}


def _assignment_of(item: dict[str, Any]) -> Assignment:
    kind, component_id = Keys.parse_assignment_sk(item["SK"])
    return {"kind": kind, "id": component_id, "data": item["data"], "stock_quantity": item.get("stock_quantity"),
            "redeemed": item.get("redeemed", 0)}


# ---------------------------------------------------------------------------------------------- reads
def get_program_with_assignments(db: Table, program_id: str) -> tuple[Program, list[Assignment]] | None:
    """The program and its current assignments (one Query); None when it does not exist."""
    items, _ = db.query(db.keys.program_partition(program_id))
    program = next((i for i in items if i["SK"] == PROGRAM_SK), None)
    if program is None:
        return None
    assignments = [_assignment_of(i) for i in items if i["SK"].startswith(ASSIGNMENT_SK_PREFIX) and REMOVED not in i]
    return cast(Program, program["data"]), assignments


def get_program(db: Table, program_id: str) -> Program | None:
    """The program item alone (GetItem)."""
    item = db.get(db.keys.program(program_id))
    return cast(Program, item["data"]) if item else None


def list_programs(db: Table, query: ListQuery, spec: ListSpec) -> tuple[list[dict[str, Any]], dict[str, str] | None]:
    """A page of the project's programs (deleted ones leave the list)."""
    collection = Collection(db.keys.collection(db.keys.PROGRAMS), index=GSI1, id_prefix=ids.PROGRAM.prefix)
    page = lists.page(db, collection, query, spec, lambda item: item["data"])
    assert page is not None
    return page


def list_assignments(db: Table, program_id: str, kind: str, query: ListQuery, spec: ListSpec,
                     to_view: Any) -> tuple[list[dict[str, Any]], dict[str, str] | None] | None:
    """A page of a program's current assignments of one kind, sorted by when they were assigned (not the sort key's
    order, so the whole partition is read: the program item and its assignments, one Query); None when the program
    does not exist or is deleted."""
    prefix = f"{ASSIGNMENT_SK_PREFIX}{kind}#"
    program_status: list[str] = []

    def record(item: dict[str, Any]) -> dict[str, Any] | None:
        if item["SK"] == PROGRAM_SK:
            program_status.append(item["status"])
        if not item["SK"].startswith(prefix) or REMOVED in item:
            return None
        return {"id": Keys.parse_assignment_sk(item["SK"])[1], "created_at": item["data"].get("created_at"),
                "view": to_view(_assignment_of(item))}

    collection = Collection(db.keys.program_partition(program_id), time_ordered=False)
    page = lists.page(db, collection, query, spec, record)
    if page is None or program_status[:1] in ([], ["DELETED"]):
        return None
    return [r["view"] for r in page[0]], page[1]


# ---------------------------------------------------------------------------------------------- writes
def add_assignment(tx: Transaction, db: Table, program: Program, a: Assignment, component: dict[str, Any], *,
                   replace_removed: bool = False, activity: bool = False) -> None:
    """Add to `tx` an assignment item, the component's record of its use and its `assigned` activity (and, with
    `activity`, the program's `vl.program.<kind>.assigned`). With `replace_removed` the item may overwrite a removed
    assignment of the same component (label `assignment_label`: it is already assigned)."""
    condition = "attribute_not_exists(PK)" + (f" OR attribute_exists({REMOVED})" if replace_removed else "")
    tx.put(assignment_label(a["kind"], a["id"]), db.keys.assignment(program["id"], a["kind"], a["id"]), assignment_row(a),
           condition=condition)
    data = {"program": program_ref(program), a["data"]["object"]: a["data"]}
    components.add_assign(tx, db, a["kind"], component, program["id"], label=component_label(a["kind"], a["id"]), **data)
    if activity:
        name = components.ACTIVITIES[a["kind"]][1]
        add_activity(tx, db, activity_kinds.PROGRAM, program["id"], f"vl.program.{name}.assigned", {**data, name: component})


def add_unassignment(tx: Transaction, db: Table, program: Program, a: Assignment, component: dict[str, Any]) -> None:
    """Add to `tx` the removal of an assignment (label `assignment_label`: it is not assigned any more), the component's
    record of it, and both sides' `unassigned` activities."""
    data = {"program": program_ref(program), a["data"]["object"]: a["data"]}
    tx.update(assignment_label(a["kind"], a["id"]), db.keys.assignment(program["id"], a["kind"], a["id"]), f"SET {REMOVED} = :now",
              condition=f"attribute_exists(PK) AND attribute_not_exists({REMOVED})", values={"now": now_iso()})
    components.add_unassign(tx, db, a["kind"], component, program["id"], label=component_label(a["kind"], a["id"]), **data)
    name = components.ACTIVITIES[a["kind"]][1]
    add_activity(tx, db, activity_kinds.PROGRAM, program["id"], f"vl.program.{name}.unassigned", {**data, name: component})


def add_program_check(tx: Transaction, db: Table, program: Program) -> None:
    """Add to `tx` the condition that the program still has the status it was read with (label `program`)."""
    tx.check("program", db.keys.program(program["id"]), "#s = :s", names={"#s": "status"}, values={"s": program["status"]})


def add_component_check(tx: Transaction, db: Table, kind: str, component_id: str, status: str) -> None:
    """Add to `tx` the condition that a component still has `status` (label `component_label`)."""
    tx.check(component_label(kind, component_id), db.keys.component(kind, component_id), "#s = :s",
             names={"#s": "status"}, values={"s": status})


def create_program(db: Table, program: Program, assignments: list[Assignment], found: dict[tuple[str, str], dict[str, Any]],
                   snapshot: dict[str, Any]) -> None:
    """Program, its component assignments (each component records its use) and the activities, in one transaction:
    `vl.program.created` with `snapshot` (the program as answered), and each component's `assigned`.

    A refusal names `component_label(kind, id)` of the components that changed (or vanished) since they were read."""
    keys = db.keys
    tx = db.transaction()
    tx.put("program", keys.program(program["id"]),
           {"status": program["status"], "data": program, **keys.listed(keys.PROGRAMS, program["id"])})
    for a in assignments:
        add_assignment(tx, db, program, a, found[(a["kind"], a["id"])])
    add_activity(tx, db, activity_kinds.PROGRAM, program["id"], "vl.program.created", {"program": snapshot})
    tx.commit()


def add_program_save(tx: Transaction, db: Table, before: Program, after: Program, activity_type: str, *,
                     delist: bool = False) -> None:
    """Add to `tx` the replacement of the program's object (and status), on condition that it still has the status it
    was read with (label `program`), and its activity. `delist` takes it out of the programs list (deletion)."""
    expression = "SET #d = :data, #s = :status" + (f" {db.keys.LISTED_REMOVE}" if delist else "")
    tx.update("program", db.keys.program(after["id"]), expression, condition="#s = :before",
              names={"#d": "data", "#s": "status"}, values={"data": after, "status": after["status"], "before": before["status"]})
    add_activity(tx, db, activity_kinds.PROGRAM, after["id"], activity_type, {"program": after})


def add_reward_stock(tx: Transaction, db: Table, program: Program, before: Assignment, after: Assignment) -> None:
    """Add to `tx` the new stock of a reward assignment (label `assignment_label`: it is no longer assigned) and the
    program's `vl.program.reward.updated`."""
    expression = "SET #d = :data" + (", stock_quantity = :q" if after.get("stock_quantity") is not None else " REMOVE stock_quantity")
    values: dict[str, Any] = {"data": after["data"]}
    if after.get("stock_quantity") is not None:
        values["q"] = after["stock_quantity"]
    tx.update(assignment_label(after["kind"], after["id"]), db.keys.assignment(program["id"], after["kind"], after["id"]), expression,
              condition=f"attribute_exists(PK) AND attribute_not_exists({REMOVED})", names={"#d": "data"}, values=values)
    add_activity(tx, db, activity_kinds.PROGRAM, program["id"], "vl.program.reward.updated",
                 {"program": program_ref(program), "program_reward": after["data"]})
