"""Stored programs: the program item and one item per component assignment, in one partition (read with one Query)."""

from __future__ import annotations

from typing import Any, cast

from loyalty.db.keys import ASSIGNMENT_SK_PREFIX, PROGRAM_SK, Keys
from loyalty.db.table import Table
from loyalty.programs.records import Assignment, Program


def component_label(kind: str, component_id: str) -> str:
    """The label of the check that a referenced component still exists, in `create_program`'s transaction."""
    return f"component:{kind}:{component_id}"


def create_program(db: Table, program: Program, assignments: list[Assignment], checks: list[tuple[str, str]]) -> None:
    """Program and its component assignments in one transaction; the components in `checks` must still exist.

    A refusal is a TransactionConflict whose failed labels are `component_label(kind, id)` of the vanished components."""
    keys = db.keys
    tx = db.transaction()
    tx.put("program", keys.program(program["id"]),
           {"status": program["status"], "data": program, **keys.listed(keys.PROGRAMS, program["id"])})
    for a in assignments:
        row: dict[str, Any] = {"data": a["data"]}
        if "stock_quantity" in a:
            row["stock_quantity"] = a["stock_quantity"]
        row["redeemed"] = 0
        tx.put("assignment", keys.assignment(program["id"], a["kind"], a["id"]), row)
    for kind, component_id in checks:
        tx.check(component_label(kind, component_id), keys.component(kind, component_id), "attribute_exists(PK)")
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
