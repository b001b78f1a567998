"""Stored benefits: components of kind BEN, each with a claim on its name (unique per project) that moves with a rename
and goes with a delete, in the same transaction; the earning rules that grant a benefit are found in the rules' list."""

from __future__ import annotations

from typing import Any

from loyalty.components import store as components
from loyalty.components.store import BENEFIT, CARD_DEFINITION, EARNING_RULE, Stored
from loyalty.db.keys import GSI1, key_names
from loyalty.db.table import Table
from loyalty.db.transact import Transaction


def _claim(tx: Transaction, db: Table, benefit_id: str, name: str) -> None:
    tx.put("name", db.keys.benefit_name(name), {"benefit_id": benefit_id})


def _release(tx: Transaction, db: Table, benefit_id: str, name: str) -> None:
    tx.delete("released_name", db.keys.benefit_name(name), condition="attribute_not_exists(PK) OR benefit_id = :id",
              values={"id": benefit_id})


def _require_card_definition(tx: Transaction, db: Table, cdef_id: str | None, active: bool) -> None:
    """The card definition a points benefit credits must still exist (and be ACTIVE for an ACTIVE benefit) when the write
    lands (label `card_definition`)."""
    if cdef_id is None:
        return
    if active:
        tx.check("card_definition", db.keys.component(CARD_DEFINITION, cdef_id), "#s = :active", names={"#s": "status"},
                 values={"active": "ACTIVE"})
    else:
        tx.check("card_definition", db.keys.component(CARD_DEFINITION, cdef_id), "attribute_exists(PK) AND #s <> :deleted",
                 names={"#s": "status"}, values={"deleted": components.DELETED})


def create_benefit(db: Table, benefit: dict[str, Any], cdef_id: str | None) -> None:
    """Store a new benefit with its name claim and `created` activity, in one transaction.

    Labels: `name` (the name is taken), `card_definition` (it vanished, or is no longer ACTIVE for an ACTIVE benefit)."""
    tx = db.transaction()
    components.add_create(tx, db, BENEFIT, benefit)
    _claim(tx, db, benefit["id"], benefit["name"])
    _require_card_definition(tx, db, cdef_id, benefit["status"] == "ACTIVE")
    tx.commit()


def save_benefit(db: Table, stored: Stored, benefit: dict[str, Any], event: str, cdef_id: str | None) -> None:
    """Replace a benefit's object (an update or a status change) with its activity; a new name moves the claim; in one
    transaction. Labels: `component` (the benefit changed since it was read), `name` (the new name is taken),
    `card_definition` (as for create)."""
    tx = db.transaction()
    components.add_save(tx, db, BENEFIT, stored, benefit, event)
    old_name = stored.data["name"]
    if benefit["name"] != old_name:
        _release(tx, db, benefit["id"], old_name)
        _claim(tx, db, benefit["id"], benefit["name"])
    _require_card_definition(tx, db, cdef_id, benefit["status"] == "ACTIVE")
    tx.commit()


def delete_benefit(db: Table, stored: Stored, benefit: dict[str, Any]) -> None:
    """Soft-delete a benefit (it leaves its list) and release its name, with its `deleted` activity, in one transaction.
    Labels: `component` (the benefit changed since it was read)."""
    tx = db.transaction()
    components.add_delete(tx, db, BENEFIT, stored, benefit)
    _release(tx, db, benefit["id"], stored.data["name"])
    tx.commit()


def earning_rules_granting(db: Table, benefit_id: str) -> list[dict[str, Any]]:
    """The project's earning rules (deleted ones excluded) with an effect that grants the benefit: a Query of the rules'
    list (GSI1, eventually consistent) per 1 MB page of rules, usually one."""
    pk, _ = key_names(GSI1)
    kw: dict[str, Any] = {"IndexName": GSI1, "ConsistentRead": False, "key_condition": f"{pk} = :pk"}
    found: list[dict[str, Any]] = []
    while True:
        items, last = db.query(db.keys.collection(db.keys.components_list(EARNING_RULE)), **kw)
        found += [item["data"] for item in items if _grants(item["data"], benefit_id)]
        if last is None:
            return found
        kw["ExclusiveStartKey"] = last


def _grants(rule: dict[str, Any], benefit_id: str) -> bool:
    return any(effect.get("type") == "BENEFIT" and (effect.get("benefit") or {}).get("id") == benefit_id
               for earning in rule.get("earnings") or [] for effect in earning.get("effects") or [])
