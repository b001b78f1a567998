"""Stored benefits: components of kind BEN, each with a claim on its name (unique per project) that moves with a rename
and goes with a delete, in the same transaction; the earning rules that grant a benefit are found in the rules' list.
Benefit transactions (one list partition per member, newest first) are written by earning with the grant's claim and
the benefit's stock move, in the transaction of its effect."""

from __future__ import annotations

from typing import Any

from loyalty.components import store as components
from loyalty.components.store import BENEFIT, CARD_DEFINITION, EARNING_RULE, Stored
from loyalty.core import ids
from loyalty.core.listing import ListQuery, ListSpec
from loyalty.db import lists
from loyalty.db.keys import BENEFIT_TRANSACTION_SK_PREFIX, GSI1, key_names
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


# ---------------------------------------------------------------------------------------------------- grants
def get_benefits(db: Table, benefit_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Benefits by id, as stored now (one BatchGetItem; deleted ones included, with their status)."""
    found = components.get_components(db, [(BENEFIT, b) for b in benefit_ids])
    return {cid: data for (_, cid), data in found.items()}


def add_grant(tx: Transaction, db: Table, source_id: str, claim: str, btx: dict[str, Any], take_stock: bool | None) -> None:
    """Add to `tx` one grant of a benefit: its claim (label `claim`: refused when the effect already granted it), its
    benefit transaction (label `btx`) and, for an APPROVED grant, the benefit's stock move (label `benefit`): with
    `take_stock`, one taken from a LIMITED stock on condition that the benefit is still ACTIVE with one left; without,
    on condition that it is still ACTIVE and UNLIMITED. A REJECTED grant (`take_stock` None) moves nothing. A taken unit
    bumps the benefit's version, so an update that read the stock before it is refused rather than putting it back."""
    tx.put("claim", db.keys.benefit_claim(source_id, claim), {"benefit_id": btx["benefit_id"], "member_id": btx["member_id"],
                                                               "transaction_id": btx["id"], "status": btx["status"],
                                                               "created_at": btx["created_at"]})
    tx.put("btx", db.keys.benefit_transaction(btx["member_id"], btx["id"]), {"status": btx["status"], "data": btx})
    if take_stock is None:
        return
    key = db.keys.component(BENEFIT, btx["benefit_id"])
    names = {"#s": "status", "#d": "data", "#st": "stock", "#t": "type"}
    if take_stock:
        tx.update("benefit", key, "SET #d.#st.#li.#q = #d.#st.#li.#q - :one, version = if_not_exists(version, :zero) + :one",
                  condition="#s = :active AND #d.#st.#t = :limited AND #d.#st.#li.#q > :zero",
                  names={**names, "#li": "limited", "#q": "quantity"},
                  values={"one": 1, "zero": 0, "active": "ACTIVE", "limited": "LIMITED"})
    else:
        tx.check("benefit", key, "#s = :active AND (attribute_not_exists(#d.#st) OR #d.#st.#t <> :limited)", names=names,
                 values={"active": "ACTIVE", "limited": "LIMITED"})


def list_member_benefit_transactions(db: Table, program_id: str, member_id: str, query: ListQuery,
                                     spec: ListSpec) -> tuple[list[dict[str, Any]], dict[str, str] | None] | None:
    """A page of a member's benefit transactions (one Query in creation order); None unless the member is the program's."""
    return lists.member_page(db, db.keys.benefit_transactions(member_id), BENEFIT_TRANSACTION_SK_PREFIX, ids.BENEFIT_TRANSACTION.prefix,
                             program_id, member_id, query, spec, lambda item: dict(item["data"]))
