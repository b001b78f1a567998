"""Benefits: create (unique names), list, read, update (merged), soft delete, the DRAFT/ACTIVE lifecycle, the
activities, and a member's benefit transactions (the grants earning rules made: points/service.py writes them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from loyalty.activities import records as activity_kinds
from loyalty.activities.service import list_activities
from loyalty.activities.service import list_spec as list_activities_spec
from loyalty.benefits import store
from loyalty.benefits.models import (
    VARIANT_FIELDS,
    BenefitCreate,
    BenefitUpdate,
    benefit_object,
    card_definition_of,
    unsupported_reason,
)
from loyalty.components import service as component_service
from loyalty.components import store as components
from loyalty.components.store import BENEFIT, CARD_DEFINITION, DELETED
from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.errors import (
    LoyaltyError,
    conflict,
    invalid_payload,
    invalid_state_transition,
    locked,
    not_found,
    resource_in_use,
    resource_locked,
)
from loyalty.core.listing import DATE, STRING, ListSpec, enum_field, id_field, parse
from loyalty.core.lists import list_view, member_list
from loyalty.core.updates import changed, merged
from loyalty.db.table import Table
from loyalty.db.transact import TransactionConflict

RESOURCE = "benefit"
BENEFITS = ListSpec("lcrsben_", orders=("created_at", "name", "type"), filters={
    "id": id_field(ids.BENEFIT.prefix),
    "name": STRING,
    "status": enum_field("ACTIVE", "DRAFT"),
    "type": enum_field("POINTS", "POINTS_PROPORTIONAL", "MATERIAL", "DIGITAL"),
    "created_at": DATE,
})
CREATE_FIELDS = ("name", "type", "stock", *VARIANT_FIELDS)
ACTIVE_EDITABLE = frozenset({"name", "stock", "updated_at"})


# ---------------------------------------------------------------------------------------------------- helpers
def _duplicate(name: str) -> LoyaltyError:
    return conflict("duplicate_found", "Duplicated resource found", f"A benefit named '{name}' already exists")


def _card_definition_locked(benefit_id: str, cdef_id: str) -> LoyaltyError:
    return resource_locked(RESOURCE, benefit_id, f"Card definition {cdef_id} of benefit {benefit_id} is not ACTIVE: an ACTIVE "
                                                 "points benefit needs an ACTIVE card definition")


def _check_card_definition(db: Table, benefit: dict[str, Any]) -> str | None:
    """The card definition of a points benefit: 404 when it does not exist; 423 `resource_locked` when the benefit is
    ACTIVE and it is not (spec-map §3.3)."""
    cdef_id = card_definition_of(benefit)
    if cdef_id is None:
        return None
    cdef = component_service.require_component(db, CARD_DEFINITION, cdef_id)
    if benefit["status"] == "ACTIVE" and cdef.status != "ACTIVE":
        raise _card_definition_locked(benefit["id"], cdef_id)
    return cdef_id


def _refuse_unsupported(benefit: dict[str, Any]) -> None:
    """400 for a benefit this server cannot grant (DIGITAL: coupons and gift vouchers need campaigns): refused rather
    than stored and never delivered."""
    reason = unsupported_reason(benefit)
    if reason is not None:
        raise invalid_payload(f"Property .type: {reason}")


def _write(write: Callable[[], None], benefit: dict[str, Any], cdef_id: str | None) -> None:
    """Run a benefit's write; answer the condition it met: a taken name (409 `duplicate_found`), a card definition that
    changed meanwhile (404 / 423), or the benefit itself changed meanwhile (409 `concurrent_modification`)."""
    try:
        write()
    except TransactionConflict as refused:
        if refused.failed("component"):
            raise LoyaltyError(409, "concurrent_modification", "Concurrent modification",
                               f"benefit {benefit['id']} changed while this request was changing it; retry the request") from None
        if refused.failed("name"):
            raise _duplicate(benefit["name"]) from None
        if refused.failed("card_definition") and cdef_id is not None:
            if benefit["status"] == "ACTIVE":
                raise _card_definition_locked(benefit["id"], cdef_id) from None
            raise not_found("card_definition", cdef_id) from None
        raise


# ---------------------------------------------------------------------------------------------------- operations
def create_benefit(db: Table, body: BenefitCreate) -> dict[str, Any]:
    """Store a benefit: its name must be unused in the project (409 `duplicate_found`); a points benefit's card
    definition must exist (404), and be ACTIVE for an ACTIVE benefit (423 `resource_locked`)."""
    benefit = benefit_object(body)
    _refuse_unsupported(benefit)
    cdef_id = _check_card_definition(db, benefit)
    _write(lambda: store.create_benefit(db, benefit, cdef_id), benefit, cdef_id)
    return benefit


def list_benefits(db: Table, params: list[tuple[str, str]]) -> dict[str, Any]:
    """A page of the project's benefits (deleted ones are not listed)."""
    return list_view(*components.list_components(db, BENEFIT, parse(params, BENEFITS), BENEFITS))


def get_benefit(db: Table, benefit_id: str) -> dict[str, Any]:
    """One benefit."""
    return component_service.require_component(db, BENEFIT, benefit_id).data


def update_benefit(db: Table, benefit_id: str, body: BenefitUpdate) -> dict[str, Any]:
    """Merge the given properties into a benefit; an ACTIVE benefit may change only its name and stock (400
    `invalid_payload`); a new name must be unused (409); a new card definition must exist (404)."""
    stored = component_service.require_component(db, BENEFIT, benefit_id)
    before = stored.data
    model = merged(BenefitCreate, before, body, CREATE_FIELDS, VARIANT_FIELDS)
    benefit = {**benefit_object(model), "id": benefit_id, "status": before["status"], "created_at": before["created_at"],
               "updated_at": now_iso()}
    _refuse_unsupported(benefit)
    fixed = changed(before, benefit, ACTIVE_EDITABLE)
    if fixed and stored.status == "ACTIVE":
        raise invalid_payload(f"Only name and stock can change while benefit {benefit_id} is ACTIVE; move it to DRAFT to "
                              f"change {', '.join(fixed)}")
    cdef_id = card_definition_of(benefit)
    if cdef_id == card_definition_of(before):
        cdef_id = None  # unchanged: nothing to check
    else:
        _check_card_definition(db, benefit)
    _write(lambda: store.save_benefit(db, stored, benefit, "updated", cdef_id), benefit, cdef_id)
    return benefit


def delete_benefit(db: Table, benefit_id: str) -> dict[str, Any]:
    """Soft-delete a benefit and free its name; 400 `resource_in_use` while an earning rule (not deleted) grants it."""
    stored = component_service.require_component(db, BENEFIT, benefit_id)
    rules = store.earning_rules_granting(db, benefit_id)
    if rules:
        raise resource_in_use(RESOURCE, benefit_id, "earning_rule", [r["id"] for r in rules], "delete")
    benefit = {**stored.data, "status": DELETED, "updated_at": now_iso()}
    _write(lambda: store.delete_benefit(db, stored, benefit), benefit, None)
    return benefit


def activate_benefit(db: Table, benefit_id: str) -> dict[str, Any]:
    """DRAFT -> ACTIVE (else 400 `invalid_state_transition`); a points benefit's card definition must be ACTIVE (423
    `resource_locked`), also when the write lands."""
    stored = component_service.require_component(db, BENEFIT, benefit_id)
    if stored.status != "DRAFT":
        raise invalid_state_transition(400, RESOURCE, benefit_id, stored.status, "activate")
    unsupported = unsupported_reason(stored.data)
    if unsupported is not None:  # stored before DIGITAL benefits were refused: it never becomes ACTIVE
        raise LoyaltyError(400, "benefit_not_supported", "Benefit not supported", unsupported, resource_type=RESOURCE,
                           resource_id=benefit_id)
    benefit = {**stored.data, "status": "ACTIVE", "updated_at": now_iso()}
    cdef_id = card_definition_of(benefit)
    if cdef_id is not None:
        cdef = components.get_component(db, CARD_DEFINITION, cdef_id)
        if cdef is None or cdef.get("status") != "ACTIVE":
            raise _card_definition_locked(benefit_id, cdef_id)
    _write(lambda: store.save_benefit(db, stored, benefit, "activated", cdef_id), benefit, cdef_id)
    return benefit


def draft_benefit(db: Table, benefit_id: str) -> dict[str, Any]:
    """ACTIVE -> DRAFT (else 400 `invalid_state_transition`); 423 `connected_active_earning_rule` while an ACTIVE earning
    rule grants it."""
    stored = component_service.require_component(db, BENEFIT, benefit_id)
    if stored.status != "ACTIVE":
        raise invalid_state_transition(400, RESOURCE, benefit_id, stored.status, "draft")
    active = [r["id"] for r in store.earning_rules_granting(db, benefit_id) if r.get("status") == "ACTIVE"]
    if active:
        raise locked("connected_active_earning_rule", "Connected active earning rule",
                     f"Cannot draft benefit {benefit_id}: ACTIVE earning rule {', '.join(active)} grants it",
                     resource_type=RESOURCE, resource_id=benefit_id)
    benefit = {**stored.data, "status": "DRAFT", "updated_at": now_iso()}
    _write(lambda: store.save_benefit(db, stored, benefit, "drafted", None), benefit, None)
    return benefit


def list_benefit_activities(db: Table, benefit_id: str, params: list[tuple[str, str]]) -> dict[str, Any]:
    """A page of a benefit's activities, newest first; 404 for an unknown benefit."""
    ids.BENEFIT.check(benefit_id)
    return list_activities(db, activity_kinds.BENEFIT, RESOURCE, benefit_id, params,
                           exists=lambda: components.get_stored(db, BENEFIT, benefit_id) is not None)


ACTIVITIES = list_activities_spec(activity_kinds.BENEFIT)


TRANSACTIONS = ListSpec("lcrsbtx_", filters={"benefit_id": id_field(ids.BENEFIT.prefix), "created_at": DATE})


def list_member_benefit_transactions(db: Table, program_id: str, member_id: str, params: list[tuple[str, str]]) -> dict[str, Any]:
    """A page of a member's benefit transactions (newest first unless `order=created_at`), filtered by benefit and date;
    404 for a member that is not the program's."""
    return member_list(program_id, member_id, params, TRANSACTIONS,
                       lambda query: store.list_member_benefit_transactions(db, program_id, member_id, query, TRANSACTIONS))
