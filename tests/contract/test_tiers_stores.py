"""The tier and benefit stores' access patterns against DynamoDB Local: tiers as children of their structure's partition
(each write serialised by the structure's version), benefit name claims, the card-definition checks and the rules' list."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.benefits import store as benefits
from loyalty.components import store as components
from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.listing import ListQuery
from loyalty.db.transact import TransactionConflict
from loyalty.tiers import store as tiers
from loyalty.tiers.service import TIERS
from tests.contract.harness import Contract, lq


def refused(exc: pytest.ExceptionInfo[TransactionConflict]) -> list[str]:
    return exc.value.failed_labels


def structure(contract: Contract, status: str = "DRAFT") -> components.Stored:
    obj = {"id": ids.TIER_STRUCTURE.new(), "name": "Levels", "type": "POINT_BALANCE", "status": status, "created_at": now_iso()}
    components.create_component(contract.db, "TS", obj)
    stored = components.get_stored(contract.db, "TS", obj["id"])
    assert stored is not None
    return stored


def tier(ts_id: str, name: str) -> dict[str, Any]:
    return {"id": ids.TIER.new(), "tier_structure_id": ts_id, "name": name, "qualification_rules": {"type": "POINTS"},
            "created_at": now_iso(), "object": "tier"}


def activity_types(contract: Contract, resource_id: str) -> list[str]:
    return sorted(a["data"]["type"] for a in contract.items(f"ACT#{resource_id}"))


def test_tiers_are_children_read_with_their_structure_in_one_query(contract: Contract) -> None:
    db = contract.db
    ts = structure(contract)
    # When two tiers are added, each with the structure's version as it was read
    bronze = tier(ts.data["id"], "Bronze")
    tiers.create_tier(db, ts, bronze)
    found = tiers.get_structure_with_tiers(db, ts.data["id"])
    assert found is not None
    silver = tier(ts.data["id"], "Silver")
    tiers.create_tier(db, found[0], silver)
    # Then one Query reads the structure and its tiers, oldest first, and every write moved the version
    found = tiers.get_structure_with_tiers(db, ts.data["id"])
    assert found is not None and found[0].version == 2 and found[1] == [bronze, silver]
    assert activity_types(contract, ts.data["id"]) == ["vl.tier_structure.created", "vl.tier_structure.tier.created",
                                                        "vl.tier_structure.tier.created"]


def test_a_tier_write_with_a_stale_structure_is_refused_whole(contract: Contract) -> None:
    db = contract.db
    stale = structure(contract)
    tiers.create_tier(db, stale, tier(stale.data["id"], "First"))
    before = contract.items()
    # A second write made with the structure as it was before the first one: its version condition fails
    for write in (lambda: tiers.create_tier(db, stale, tier(stale.data["id"], "Late")),
                  lambda: components.save_component(db, "TS", stale, {**stale.data, "status": "ACTIVE"}, "activated")):
        with pytest.raises(TransactionConflict) as exc:
            write()
        assert refused(exc) == ["component"]
    assert contract.items() == before


def test_a_tier_id_is_written_once_and_a_missing_tier_cannot_be_saved_or_deleted(contract: Contract) -> None:
    db = contract.db
    ts = structure(contract)
    bronze = tier(ts.data["id"], "Bronze")
    tiers.create_tier(db, ts, bronze)
    fresh = tiers.get_structure_with_tiers(db, ts.data["id"])
    assert fresh is not None
    with pytest.raises(TransactionConflict) as exc:
        tiers.create_tier(db, fresh[0], {**bronze, "name": "impostor"})
    assert refused(exc) == ["tier"]
    ghost = tier(ts.data["id"], "Ghost")
    for write in (tiers.save_tier, tiers.delete_tier):
        with pytest.raises(TransactionConflict) as exc:
            write(db, fresh[0], ghost)
        assert refused(exc) == ["tier"]
    tiers.delete_tier(db, fresh[0], bronze)
    after = tiers.get_structure_with_tiers(db, ts.data["id"])
    assert after is not None and after[1] == []


def test_tiers_page_through_cursors_and_leave_their_list_with_a_deleted_structure(contract: Contract) -> None:
    db = contract.db
    ts = structure(contract)
    made = []
    for name in ("A", "B", "C"):
        current = tiers.get_structure_with_tiers(db, ts.data["id"])
        assert current is not None
        made.append(tier(ts.data["id"], name))
        tiers.create_tier(db, current[0], made[-1])
    exists = lambda: True  # noqa: E731
    first = tiers.list_tiers(db, ts.data["id"], lq(2), TIERS, exists)
    assert first is not None and [t["name"] for t in first[0]] == ["C", "B"] and first[1] is not None
    second = tiers.list_tiers(db, ts.data["id"], lq(2, first[1]["next"]), TIERS, exists)
    assert second is not None and [t["name"] for t in second[0]] == ["A"] and second[1] is None
    by_name = tiers.list_tiers(db, ts.data["id"], ListQuery(limit=10, order=(("name", True),)), TIERS, exists)
    assert by_name is not None and [t["name"] for t in by_name[0]] == ["C", "B", "A"]
    # When the structure is deleted, its tiers are marked in the same transaction and the list is gone
    current = tiers.get_structure_with_tiers(db, ts.data["id"])
    assert current is not None
    tiers.delete_structure(db, current[0], {**current[0].data, "status": "DELETED"}, current[1])
    assert tiers.list_tiers(db, ts.data["id"], lq(2), TIERS, exists) is None
    assert components.get_stored(db, "TS", ts.data["id"]).status == "DELETED"  # type: ignore[union-attr]
    # An empty list of a structure that does not exist is None too
    assert tiers.list_tiers(db, ids.TIER_STRUCTURE.new(), lq(2), TIERS, lambda: False) is None


# ---------------------------------------------------------------------- benefits
def card_definition(contract: Contract, status: str) -> str:
    cdef = {"id": ids.CARD_DEFINITION.new(), "name": "Wallet", "status": status, "created_at": now_iso()}
    components.create_component(contract.db, "CDEF", cdef)
    return str(cdef["id"])


def benefit(name: str, status: str = "DRAFT", cdef: str | None = None) -> dict[str, Any]:
    settings = {"points": {"value": 1, "card_definition_id": cdef}} if cdef else {"material": {"type": "PRODUCT"}}
    return {"id": ids.BENEFIT.new(), "name": name, "type": "POINTS" if cdef else "MATERIAL", "status": status, **settings,
            "created_at": now_iso(), "object": "benefit"}


def claim(contract: Contract, name: str) -> dict[str, Any] | None:
    return contract.db.get(contract.db.keys.benefit_name(name))


def test_a_benefit_name_is_claimed_once_moved_by_a_rename_and_freed_by_a_delete(contract: Contract) -> None:
    db = contract.db
    first = benefit("Perk")
    benefits.create_benefit(db, first, None)
    assert claim(contract, "Perk") is not None and claim(contract, "Perk")["benefit_id"] == first["id"]  # type: ignore[index]
    before = contract.items()
    with pytest.raises(TransactionConflict) as exc:
        benefits.create_benefit(db, benefit("Perk"), None)
    assert refused(exc) == ["name"]
    assert contract.items() == before
    stored = components.get_stored(db, "BEN", first["id"])
    assert stored is not None
    benefits.save_benefit(db, stored, {**first, "name": "Better perk"}, "updated", None)
    assert claim(contract, "Perk") is None and claim(contract, "Better perk")["benefit_id"] == first["id"]  # type: ignore[index]
    benefits.create_benefit(db, benefit("Perk"), None)  # the old name is free
    other = benefit("Other")
    benefits.create_benefit(db, other, None)
    stored_other = components.get_stored(db, "BEN", other["id"])
    assert stored_other is not None
    with pytest.raises(TransactionConflict) as exc:
        benefits.save_benefit(db, stored_other, {**other, "name": "Better perk"}, "updated", None)
    assert refused(exc) == ["name"]
    stored = components.get_stored(db, "BEN", first["id"])
    assert stored is not None
    benefits.delete_benefit(db, stored, {**stored.data, "status": "DELETED"})
    assert claim(contract, "Better perk") is None and components.get_stored(db, "BEN", first["id"]).status == "DELETED"  # type: ignore[union-attr]


@pytest.mark.parametrize(("cdef_status", "benefit_status", "ok"), [
    ("ACTIVE", "ACTIVE", True), ("DRAFT", "DRAFT", True), ("DRAFT", "ACTIVE", False), ("DELETED", "DRAFT", False)])
def test_a_points_benefit_is_written_only_while_its_card_definition_allows(contract: Contract, cdef_status: str, benefit_status: str,
                                                                           ok: bool) -> None:
    cdef = card_definition(contract, cdef_status)
    made = benefit("Points", benefit_status, cdef)
    if ok:
        benefits.create_benefit(contract.db, made, cdef)
        assert components.get_component(contract.db, "BEN", made["id"]) == made
        return
    before = contract.items()
    with pytest.raises(TransactionConflict) as exc:
        benefits.create_benefit(contract.db, made, cdef)
    assert refused(exc) == ["card_definition"]
    assert contract.items() == before


def test_the_rules_that_grant_a_benefit_are_found_in_the_rules_list(contract: Contract) -> None:
    db = contract.db
    target, other = ids.BENEFIT.new(), ids.BENEFIT.new()

    def rule(*benefit_ids: str, status: str = "ACTIVE") -> dict[str, Any]:
        effects = [{"type": "POINTS", "points": {"value": 1}}] + [{"type": "BENEFIT", "benefit": {"id": b}} for b in benefit_ids]
        made = {"id": ids.EARNING_RULE.new(), "name": "Rule", "status": status, "earnings": [{"effects": effects}], "created_at": now_iso()}
        components.create_component(db, "ERULE", made)
        return made

    granting, drafted, _, gone = rule(target), rule(other, target, status="DRAFT"), rule(other), rule(target)
    stored = components.get_stored(db, "ERULE", gone["id"])
    assert stored is not None
    components.delete_component(db, "ERULE", stored, {**gone, "status": "DELETED"})
    found = benefits.earning_rules_granting(db, target)
    assert sorted(r["id"] for r in found) == sorted([granting["id"], drafted["id"]])
    assert benefits.earning_rules_granting(db, ids.BENEFIT.new()) == []
