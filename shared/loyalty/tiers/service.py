"""Tier structures and their tiers: create, list, read, update (merged), soft delete, the DRAFT/ACTIVE/INACTIVE lifecycle
and the activities. What members' tiers are is not computed yet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from loyalty.activities import records as activity_kinds
from loyalty.activities.service import list_activities
from loyalty.activities.service import list_spec as list_activities_spec
from loyalty.components import service as component_service
from loyalty.components import store as components
from loyalty.components.models import TierStructureCreate, tier_structure_object
from loyalty.components.references import tracked_card_definition
from loyalty.components.store import CARD_DEFINITION, DELETED, TIER_STRUCTURE, Stored
from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.errors import LoyaltyError, invalid_payload, not_found, resource_in_use
from loyalty.core.listing import DATE, STRING, ListSpec, enum_field, id_field, parse
from loyalty.core.lists import list_view
from loyalty.core.updates import changed, merged
from loyalty.db.table import Table
from loyalty.db.transact import TransactionConflict
from loyalty.tiers import store
from loyalty.tiers.models import MAX_TIERS, TierCreate, TierStructureUpdate, TierUpdate, tier_object

RESOURCE = "tier_structure"
STRUCTURES = ListSpec("lcrsts_", orders=("created_at", "name", "type", "status"), filters={
    "id": id_field(ids.TIER_STRUCTURE.prefix),
    "name": STRING,
    "type": enum_field("POINT_BALANCE", "POINT_EARNED"),
    "status": enum_field("DRAFT", "ACTIVE", "INACTIVE", "DELETED"),
    "created_at": DATE,
})
TIERS = ListSpec("lcrst_", orders=("created_at", "name"))

STRUCTURE_FIELDS = ("name", "type", "point_balance", "point_earned", "expiration", "downgrade", "metadata")
TRACKING = ("point_balance", "point_earned")
TIER_FIELDS = ("name", "qualification_rules", "downgrade", "metadata")
ALWAYS_EDITABLE = frozenset({"name", "metadata", "updated_at"})


# ---------------------------------------------------------------------------------------------------- helpers
def _committed(write: Callable[[], None], structure_id: str, tier_id: str | None = None) -> None:
    """Run a write; a refused condition answers 409 `concurrent_modification` (the structure changed meanwhile), or 404
    when the tier it names is gone."""
    try:
        write()
    except TransactionConflict as conflict:
        if tier_id is not None and conflict.failed("tier") and not conflict.failed("component"):
            raise not_found("tier", tier_id) from None
        raise LoyaltyError(409, "concurrent_modification", "Concurrent modification",
                           f"tier_structure {structure_id} changed while this request was changing it; retry the request") from None


def _require_tracked(db: Table, structure: dict[str, Any]) -> None:
    """404 unless the card definition the structure tracks exists."""
    component_service.require_component(db, CARD_DEFINITION, str(tracked_card_definition(structure)))


def _require_with_tiers(db: Table, tier_structure_id: str) -> tuple[Stored, list[dict[str, Any]]]:
    ids.TIER_STRUCTURE.check(tier_structure_id)
    found = store.get_structure_with_tiers(db, tier_structure_id)
    if found is None or found[0].status == DELETED:
        raise not_found(RESOURCE, tier_structure_id)
    return found


def _require_draft(structure: Stored, doing: str) -> None:
    """Tiers are added and removed only while their structure is DRAFT (ours: 400 `non_draft_tier_structure`)."""
    if structure.status != "DRAFT":
        raise LoyaltyError(400, "non_draft_tier_structure", "Tier structure is not in draft",
                           f"Cannot {doing} tier structure {structure.data['id']} in status {structure.status}: "
                           "move it to DRAFT first (POST .../draft)", resource_type=RESOURCE, resource_id=structure.data["id"])


def _overlap(tier: dict[str, Any], others: list[dict[str, Any]]) -> None:
    """Tiers' points ranges (both ends included, an open top) must not overlap: 400 naming the tier it overlaps."""
    def bounds(t: dict[str, Any]) -> tuple[float, float]:
        points = t["qualification_rules"].get("points") or {}
        top = points.get("max_value")
        return float(points.get("min_value", 0)), float("inf") if top is None else float(top)

    low, high = bounds(tier)
    for other in others:
        if other["id"] == tier["id"]:
            continue
        other_low, other_high = bounds(other)
        if low <= other_high and other_low <= high:
            raise invalid_payload(f"Property 'qualification_rules.points' overlaps the points range of tier '{other['name']}' "
                                  f"({other['id']}): the tiers of a structure must not overlap")


# ---------------------------------------------------------------------------------------------------- tier structures
NOT_ENFORCED = {
    ("point_earned", "type", "NEXT_TRACKING_PERIOD"): "NEXT_TRACKING_PERIOD is not supported by this server yet: tier changes "
    "would have to wait for the next tracking period; use IMMEDIATELY",
    ("expiration", "type", "SLIDING_EXPIRATION"): "SLIDING_EXPIRATION is not supported (Voucherify documents it as currently "
    "unsupported); use NO_RETENTION, FIXED_DURATION or CALENDAR_EXPIRATION",
    ("qualification_rules", "type", "POINTS_AND_SEGMENT"): "POINTS_AND_SEGMENT is not supported by this server yet: it has no "
    "customer segments, so no member could ever qualify; use POINTS",
}


def _refuse_unenforced(obj: dict[str, Any]) -> None:
    """400 for a tier setting this server cannot enforce (refused rather than stored and ignored)."""
    for (part, name, value), why in NOT_ENFORCED.items():
        if ((obj.get(part) or {}).get(name)) == value:
            raise invalid_payload(f"Property .{part}.{name}: {why}")


def create_tier_structure(db: Table, body: TierStructureCreate) -> dict[str, Any]:
    """Store a tier structure; the card definition it tracks must exist (404)."""
    obj = tier_structure_object(body)
    _refuse_unenforced(obj)
    _require_tracked(db, obj)
    components.create_component(db, TIER_STRUCTURE, obj)
    return obj


def list_tier_structures(db: Table, params: list[tuple[str, str]]) -> dict[str, Any]:
    """A page of the project's tier structures (deleted ones are not listed)."""
    return list_view(*components.list_components(db, TIER_STRUCTURE, parse(params, STRUCTURES), STRUCTURES))


def get_tier_structure(db: Table, tier_structure_id: str) -> dict[str, Any]:
    """One tier structure."""
    return component_service.require_component(db, TIER_STRUCTURE, tier_structure_id).data


def update_tier_structure(db: Table, tier_structure_id: str, body: TierStructureUpdate) -> dict[str, Any]:
    """Merge the given properties into a tier structure; one that is not DRAFT may change only its name and metadata
    (400 `invalid_payload`); a new card definition must exist (404)."""
    stored = component_service.require_component(db, TIER_STRUCTURE, tier_structure_id)
    before = stored.data
    sliding = (before.get("expiration") or {}).get("sliding_expiration")
    if isinstance(sliding, dict) and "period" not in sliding:  # stored without its (nullable, required) period
        before = {**before, "expiration": {**before["expiration"], "sliding_expiration": {**sliding, "period": None}}}
    model = merged(TierStructureCreate, before, body, STRUCTURE_FIELDS, TRACKING)
    obj = {**tier_structure_object(model), "id": before["id"], "status": before["status"], "created_at": before["created_at"],
           "updated_at": now_iso()}
    fixed = changed(stored.data, obj, ALWAYS_EDITABLE)
    if fixed:
        _refuse_unenforced(obj)
    if fixed and stored.status != "DRAFT":
        raise invalid_payload(f"Only name and metadata can change while tier structure {tier_structure_id} is {stored.status}; "
                              f"move it to DRAFT to change {', '.join(fixed)}")
    if tracked_card_definition(obj) != tracked_card_definition(stored.data):
        _require_tracked(db, obj)
    _committed(lambda: components.save_component(db, TIER_STRUCTURE, stored, obj, "updated"), tier_structure_id)
    return obj


def delete_tier_structure(db: Table, tier_structure_id: str) -> dict[str, Any]:
    """Soft-delete a tier structure (and take its tiers out of its tier list); 400 `resource_in_use` while a program
    that still exists has it assigned."""
    stored, tiers = _require_with_tiers(db, tier_structure_id)
    programs = components.live_programs(db, stored.programs)
    if programs:
        raise resource_in_use(RESOURCE, tier_structure_id, "program", programs, "delete")
    obj = {**stored.data, "status": DELETED, "updated_at": now_iso()}
    _committed(lambda: store.delete_structure(db, stored, obj, tiers), tier_structure_id)
    return obj


def activate_tier_structure(db: Table, tier_structure_id: str) -> dict[str, Any]:
    """DRAFT or INACTIVE -> ACTIVE."""
    return component_service.transition(db, TIER_STRUCTURE, tier_structure_id, "activate")


def deactivate_tier_structure(db: Table, tier_structure_id: str) -> dict[str, Any]:
    """ACTIVE -> INACTIVE; 423 `resource_locked` while a program still has it assigned (earning-map E12)."""
    return component_service.transition(db, TIER_STRUCTURE, tier_structure_id, "deactivate")


def draft_tier_structure(db: Table, tier_structure_id: str) -> dict[str, Any]:
    """ACTIVE -> DRAFT; 423 `resource_locked` while a program still has it assigned."""
    return component_service.transition(db, TIER_STRUCTURE, tier_structure_id, "draft")


def list_tier_structure_activities(db: Table, tier_structure_id: str, params: list[tuple[str, str]]) -> dict[str, Any]:
    """A page of a tier structure's activities (its tiers' changes included), newest first; 404 for an unknown structure."""
    ids.TIER_STRUCTURE.check(tier_structure_id)
    return list_activities(db, activity_kinds.TIER_STRUCTURE, RESOURCE, tier_structure_id, params,
                           exists=lambda: components.get_stored(db, TIER_STRUCTURE, tier_structure_id) is not None)


# ---------------------------------------------------------------------------------------------------- tiers
def create_tier(db: Table, tier_structure_id: str, body: TierCreate) -> dict[str, Any]:
    """Add a tier to a DRAFT structure (400 `non_draft_tier_structure` otherwise); at most 10 tiers (A10, 400
    `tiers_limit_exceeded`); points ranges must not overlap (400 `invalid_payload`)."""
    structure, tiers = _require_with_tiers(db, tier_structure_id)
    _require_draft(structure, "add a tier to")
    if len(tiers) >= MAX_TIERS:
        raise LoyaltyError(400, "tiers_limit_exceeded", "Tiers limit exceeded",
                           f"Tier structure {tier_structure_id} already has {len(tiers)} tiers, the most a tier structure can hold "
                           f"is {MAX_TIERS}", resource_type=RESOURCE, resource_id=tier_structure_id)
    tier = tier_object(body, tier_structure_id)
    _refuse_unenforced(tier)
    _overlap(tier, tiers)
    _committed(lambda: store.create_tier(db, structure, tier), tier_structure_id)
    return tier


def list_tiers(db: Table, tier_structure_id: str, params: list[tuple[str, str]]) -> dict[str, Any]:
    """A page of a structure's tiers (no filters; order ±created_at, ±name); 404 for an unknown or deleted structure."""
    query = parse(params, TIERS)
    ids.TIER_STRUCTURE.check(tier_structure_id)

    def exists() -> bool:
        stored = components.get_stored(db, TIER_STRUCTURE, tier_structure_id)
        return stored is not None and stored.status != DELETED

    page = store.list_tiers(db, tier_structure_id, query, TIERS, exists)
    if page is None:
        raise not_found(RESOURCE, tier_structure_id)
    return list_view(*page)


def _require_tier(tiers: list[dict[str, Any]], tier_id: str) -> dict[str, Any]:
    ids.TIER.check(tier_id)
    tier = next((t for t in tiers if t["id"] == tier_id), None)
    if tier is None:
        raise not_found("tier", tier_id)
    return tier


def update_tier(db: Table, tier_structure_id: str, tier_id: str, body: TierUpdate) -> dict[str, Any]:
    """Merge the given properties into a tier; while its structure is not DRAFT only name and metadata may change (400
    `invalid_payload`); points ranges must not overlap."""
    structure, tiers = _require_with_tiers(db, tier_structure_id)
    before = _require_tier(tiers, tier_id)
    model = merged(TierCreate, before, body, TIER_FIELDS)
    tier = {**tier_object(model, tier_structure_id), "id": tier_id, "created_at": before["created_at"], "updated_at": now_iso()}
    _refuse_unenforced(tier)
    fixed = changed(before, tier, ALWAYS_EDITABLE)
    if fixed and structure.status != "DRAFT":
        raise invalid_payload(f"Only name and metadata of a tier can change while tier structure {tier_structure_id} is "
                              f"{structure.status}; move it to DRAFT to change {', '.join(fixed)}")
    _overlap(tier, tiers)
    _committed(lambda: store.save_tier(db, structure, tier), tier_structure_id, tier_id)
    return tier


def delete_tier(db: Table, tier_structure_id: str, tier_id: str) -> dict[str, Any]:
    """Remove a tier of a DRAFT structure (400 `non_draft_tier_structure` otherwise); answers the deleted tier."""
    structure, tiers = _require_with_tiers(db, tier_structure_id)
    tier = _require_tier(tiers, tier_id)
    _require_draft(structure, "delete a tier of")
    _committed(lambda: store.delete_tier(db, structure, tier), tier_structure_id, tier_id)
    return tier


ACTIVITIES = list_activities_spec(activity_kinds.TIER_STRUCTURE)
