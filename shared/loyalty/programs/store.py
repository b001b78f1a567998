"""Stored programs: the program item and one item per component assignment, in one partition (read with one Query)."""

from __future__ import annotations

from typing import Any, cast

from loyalty.activities import records as activity_kinds
from loyalty.activities.store import add_activity
from loyalty.components import store as components
from loyalty.db.keys import ASSIGNMENT_SK_PREFIX, PROGRAM_SK, Keys
from loyalty.db.table import Table
from loyalty.db.transact import Transaction
from loyalty.programs.records import Assignment, Program


def component_label(kind: str, component_id: str) -> str:
    """The label of a component's update in an assignment transaction: it fails when the component changed status (or
    vanished) since it was read."""
    return f"component:{kind}:{component_id}"


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


def add_assignment(tx: Transaction, db: Table, program: Program, a: Assignment, component: dict[str, Any]) -> None:
    """Add to `tx` an assignment item, the component's record of its use, and the component's `assigned` activity."""
    tx.put("assignment", db.keys.assignment(program["id"], a["kind"], a["id"]), assignment_row(a))
    components.add_assign(tx, db, a["kind"], component, program["id"], label=component_label(a["kind"], a["id"]),
                          program=program_ref(program), **{a["data"]["object"]: a["data"]})


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


def get_program_with_assignments(db: Table, program_id: str) -> tuple[Program, list[Assignment]] | None:
    """The program and its assignments (one Query); None when it does not exist."""
    items, _ = db.query(db.keys.program_partition(program_id))
    program = next((i for i in items if i["SK"] == PROGRAM_SK), None)
    if program is None:
        return None
    assignments: list[Assignment] = []
    for item in items:
        if item["SK"].startswith(ASSIGNMENT_SK_PREFIX):
            kind, component_id = Keys.parse_assignment_sk(item["SK"])
            assignments.append({"kind": kind, "id": component_id, "data": item["data"],
                                "stock_quantity": item.get("stock_quantity"), "redeemed": item.get("redeemed", 0)})
    return cast(Program, program["data"]), assignments
