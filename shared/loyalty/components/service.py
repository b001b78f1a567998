"""Program components: card definitions, earning rules and rewards (create, read, list, update, delete, lifecycle, activities)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from loyalty.activities import service as activities
from loyalty.activities.records import ActivityKind
from loyalty.components import store
from loyalty.components.fulfilment import unfulfillable_reason
from loyalty.components.models import (
    CardDefinitionCreate,
    CardDefinitionUpdate,
    EarningRuleCreate,
    EarningRuleUpdate,
    RewardCreate,
    RewardUpdate,
    card_definition_object,
    earning_rule_object,
    reward_object,
)
from loyalty.components.references import earning_rule_references, reward_references, schema_references
from loyalty.components.store import CARD_DEFINITION, DELETED, EARNING_RULE, KIND_IDS, REWARD, TIER_STRUCTURE, Stored
from loyalty.components.updates import changed_fields, updated_card_definition, updated_earning_rule, updated_reward
from loyalty.core import ids
from loyalty.core.clock import now_iso
from loyalty.core.errors import (
    LoyaltyError,
    invalid_payload,
    invalid_state_transition,
    not_found,
    resource_in_use,
    resource_locked,
)
from loyalty.core.listing import DATE, STRING, ListSpec, enum_field, id_field, parse
from loyalty.core.lists import list_view
from loyalty.db.table import Table
from loyalty.db.transact import TransactionConflict
from loyalty.schemas import service as schemas

Obj = dict[str, Any]

# ---------------------------------------------------------------------------------------------------------------------
# Lists (spec-map §1.7, §1.8, §1.11): filters and orders as each operation declares them; cursor prefixes per §2.0.

CARD_DEFINITIONS = ListSpec("lcrscdef_", orders=("created_at", "name", "type", "status"), filters={
    "id": id_field(ids.CARD_DEFINITION.prefix), "name": STRING, "type": enum_field("INDIVIDUAL"),
    "status": enum_field("ACTIVE", "DRAFT"), "created_at": DATE, "updated_at": DATE})
EARNING_RULES = ListSpec("lcrsern_", orders=("created_at", "name"), filters={
    "id": id_field(ids.EARNING_RULE.prefix), "name": STRING, "status": enum_field("ACTIVE", "INACTIVE", "DRAFT"),
    "created_at": DATE})
REWARDS = ListSpec("lcrsrew_", orders=("created_at", "name"), filters={
    "id": id_field(ids.REWARD.prefix), "name": STRING, "type": enum_field("MATERIAL", "DIGITAL"), "created_at": DATE})
CARD_DEFINITION_ACTIVITIES = activities.list_spec(store.ACTIVITIES[CARD_DEFINITION][0])
EARNING_RULE_ACTIVITIES = activities.list_spec(store.ACTIVITIES[EARNING_RULE][0])
REWARD_ACTIVITIES = activities.list_spec(store.ACTIVITIES[REWARD][0])


def _list(db: Table, kind: str, spec: ListSpec, params: list[tuple[str, str]]) -> dict[str, Any]:
    return list_view(*store.list_components(db, kind, parse(params, spec), spec))


def list_card_definitions(db: Table, params: list[tuple[str, str]]) -> dict[str, Any]:
    """A page of the project's card definitions (deleted ones are not listed)."""
    return _list(db, CARD_DEFINITION, CARD_DEFINITIONS, params)


def list_earning_rules(db: Table, params: list[tuple[str, str]]) -> dict[str, Any]:
    """A page of the project's earning rules (deleted ones are not listed)."""
    return _list(db, EARNING_RULE, EARNING_RULES, params)


def list_rewards(db: Table, params: list[tuple[str, str]]) -> dict[str, Any]:
    """A page of the project's rewards (deleted ones are not listed)."""
    return _list(db, REWARD, REWARDS, params)


def _activities(db: Table, kind: str, item_id: str, params: list[tuple[str, str]]) -> dict[str, Any]:
    """A page of a component's activities; 404 for a malformed or unknown id (a deleted component's history is served)."""
    id_kind = KIND_IDS[kind]
    id_kind.check(item_id)
    activity: ActivityKind = store.ACTIVITIES[kind][0]
    return activities.list_activities(db, activity, id_kind.resource_type, item_id, params,
                                      exists=lambda: store.get_component(db, kind, item_id) is not None)


def list_card_definition_activities(db: Table, item_id: str, params: list[tuple[str, str]]) -> dict[str, Any]:
    """A page of a card definition's activities, newest first."""
    return _activities(db, CARD_DEFINITION, item_id, params)


def list_earning_rule_activities(db: Table, item_id: str, params: list[tuple[str, str]]) -> dict[str, Any]:
    """A page of an earning rule's activities, newest first."""
    return _activities(db, EARNING_RULE, item_id, params)


def list_reward_activities(db: Table, item_id: str, params: list[tuple[str, str]]) -> dict[str, Any]:
    """A page of a reward's activities, newest first."""
    return _activities(db, REWARD, item_id, params)


# ---------------------------------------------------------------------------------------------------------------------
# Create and read


SLIDING_REFUSED = ("SLIDING_EXPIRATION is not supported by this server yet: points would have to expire after a period "
                   "of inactivity, and nothing moves their expiration when the member is active; use ROLLING_EXPIRATION or "
                   "CALENDAR_EXPIRATION")


def _refuse_sliding(obj: Obj) -> None:
    """400 for a points expiration this server cannot enforce (SLIDING_EXPIRATION, on a card definition or on an earning
    rule's effect): refused rather than stored and ignored."""
    policies = [("points_expiration", obj.get("points_expiration"))]
    for i, earning in enumerate(obj.get("earnings") or []):
        for j, effect in enumerate(earning.get("effects") or []):
            config = effect.get("points") or effect.get("points_proportional") or {}
            policies.append((f"earnings[{i}].effects[{j}].{'points' if effect.get('points') else 'points_proportional'}"
                             ".points_expiration", config.get("points_expiration")))
    for where, policy in policies:
        if (policy or {}).get("type") == "SLIDING_EXPIRATION":
            raise invalid_payload(f"Property .{where}.type: {SLIDING_REFUSED}")


def create_card_definition(db: Table, body: CardDefinitionCreate) -> Obj:
    """Store a card definition built from the request with the spec's defaults; the custom event schemas it names must
    exist (checked in its write: 404 `metadata schema`)."""
    obj = card_definition_object(body)
    _refuse_sliding(obj)
    schema_ids = schema_references(CARD_DEFINITION, obj)
    _with_schemas(lambda: store.create_component(db, CARD_DEFINITION, obj, schema_ids), schema_ids)
    return obj


def create_earning_rule(db: Table, body: EarningRuleCreate) -> Obj:
    """Store an earning rule; the card definitions, benefits and tier structures it names must exist, and so must the
    custom event schema of a `customer.custom_event` trigger (checked in its write)."""
    obj = earning_rule_object(body)
    _refuse_sliding(obj)
    _require_references(db, earning_rule_references(obj))
    schema_ids = schema_references(EARNING_RULE, obj)
    _with_schemas(lambda: store.create_component(db, EARNING_RULE, obj, schema_ids), schema_ids)
    return obj


def _with_schemas(write: Callable[[], None], schema_ids: list[str]) -> None:
    """Run a write that checks that `schema_ids` exist; 404 `metadata schema` for the first one that does not."""
    try:
        write()
    except TransactionConflict as conflict:
        missing = schemas.refused_schema(conflict, schema_ids)
        if missing is not None:
            raise missing from None
        raise


def _new_schemas(kind: str, stored: Stored, obj: Obj) -> list[str]:
    """The custom event schemas an updated component names that its stored version did not (only those are checked, so
    a component stored before schemas were checked can still be renamed)."""
    before = set(schema_references(kind, stored.data))
    return [s for s in schema_references(kind, obj) if s not in before]


def _refuse_unfulfillable(reward: Obj) -> None:
    """400 for a reward this server could only take points for (a coupon or gift voucher reward): refused rather than
    stored and approved with nothing delivered."""
    reason = unfulfillable_reason(reward)
    if reason is not None:
        raise invalid_payload(f"Property .digital.type: {reason}")


def create_reward(db: Table, body: RewardCreate) -> Obj:
    """Store a reward; the card definitions its costs are priced in (and its points are credited to) must exist."""
    obj = reward_object(body)
    _refuse_unfulfillable(obj)
    _require_references(db, reward_references(obj))
    store.create_component(db, REWARD, obj)
    return obj


def _require_references(db: Table, refs: list[tuple[str, str]]) -> None:
    """404 for the first referenced component that does not exist or is deleted (one BatchGetItem for all of them)."""
    if not refs:
        return
    found = store.get_components(db, refs)
    for kind, item_id in refs:
        if found.get((kind, item_id), {}).get("status", DELETED) == DELETED:
            raise not_found(KIND_IDS[kind].resource_type, item_id)


def require_component(db: Table, kind: str, item_id: str) -> Stored:
    """The component as stored (with its assignments and version); 404 when the id is malformed, unknown or deleted."""
    id_kind = KIND_IDS[kind]
    id_kind.check(item_id)
    stored = store.get_stored(db, kind, item_id)
    if stored is None or stored.status == DELETED:
        raise not_found(id_kind.resource_type, item_id)
    return stored


def _get(db: Table, kind: str, item_id: str) -> Obj:
    return require_component(db, kind, item_id).data


def get_card_definition(db: Table, item_id: str) -> Obj:
    """One card definition."""
    return _get(db, CARD_DEFINITION, item_id)


def get_earning_rule(db: Table, item_id: str) -> Obj:
    """One earning rule."""
    return _get(db, EARNING_RULE, item_id)


def get_reward(db: Table, item_id: str) -> Obj:
    """One reward."""
    return _get(db, REWARD, item_id)


# ---------------------------------------------------------------------------------------------------------------------
# Writes: one read, one TransactWriteItems conditioned on the status and version read


def _changed_meanwhile(kind: str, item_id: str) -> LoyaltyError:
    resource = KIND_IDS[kind].resource_type
    return LoyaltyError(409, "concurrent_modification", "Concurrent modification",
                        f"{resource} {item_id} changed while this request was changing it; retry the request",
                        resource_type=resource, resource_id=item_id)


def _save(db: Table, kind: str, stored: Stored, obj: Obj, event: str, schema_ids: list[str] | None = None) -> None:
    """Write the new object with its activity; 409 `concurrent_modification` when its status or assignments changed since
    it was read (a concurrent transition, update, deletion or program assignment); 404 `metadata schema` when one of
    `schema_ids` does not exist."""
    try:
        store.save_component(db, kind, stored, obj, event, schema_ids=schema_ids or ())
    except TransactionConflict as conflict:
        if conflict.failed("component"):
            raise _changed_meanwhile(kind, obj["id"]) from None
        missing = schemas.refused_schema(conflict, schema_ids or [])
        if missing is not None:
            raise missing from None
        raise


def _live_programs(db: Table, stored: Stored) -> list[str]:
    """The live programs the component is assigned to (programs are read only when it records some)."""
    return store.live_programs(db, stored.programs) if stored.programs else []


@dataclass(frozen=True)
class Transition:
    """A lifecycle endpoint: from which statuses it moves a component to which one, its activity, and whether a
    component assigned to a live program is locked against it (423 `resource_locked`)."""

    action: str
    sources: tuple[str, ...]
    target: str
    event: str
    locked_in_use: bool = False


# spec-map §3.3; A6: a transition from any other status (the target included) is 409 `invalid_state_transition`; A21.
TRANSITIONS: dict[tuple[str, str], Transition] = {
    (CARD_DEFINITION, "activate"): Transition("activate", ("DRAFT",), "ACTIVE", "activated"),
    (CARD_DEFINITION, "draft"): Transition("draft", ("ACTIVE",), "DRAFT", "drafted", locked_in_use=True),
    (EARNING_RULE, "activate"): Transition("activate", ("DRAFT", "INACTIVE"), "ACTIVE", "activated"),
    (EARNING_RULE, "deactivate"): Transition("deactivate", ("ACTIVE",), "INACTIVE", "deactivated"),
    (EARNING_RULE, "draft"): Transition("draft", ("ACTIVE",), "DRAFT", "drafted"),
    (REWARD, "activate"): Transition("activate", ("DRAFT", "INACTIVE"), "ACTIVE", "activated"),
    (REWARD, "deactivate"): Transition("deactivate", ("ACTIVE",), "INACTIVE", "deactivated"),
    (REWARD, "draft"): Transition("draft", ("ACTIVE",), "DRAFT", "drafted", locked_in_use=True),
    (TIER_STRUCTURE, "activate"): Transition("activate", ("DRAFT", "INACTIVE"), "ACTIVE", "activated"),
    (TIER_STRUCTURE, "deactivate"): Transition("deactivate", ("ACTIVE",), "INACTIVE", "deactivated", locked_in_use=True),
    (TIER_STRUCTURE, "draft"): Transition("draft", ("ACTIVE",), "DRAFT", "drafted", locked_in_use=True),
}


def transition(db: Table, kind: str, item_id: str, action: str) -> Obj:
    """Move a component as `TRANSITIONS[(kind, action)]` says: 409 `invalid_state_transition` from another status, 423
    `resource_locked` when the move is locked while a live program uses it, 409 `concurrent_modification` when it changed
    meanwhile."""
    rule = TRANSITIONS[(kind, action)]
    stored = require_component(db, kind, item_id)
    resource = KIND_IDS[kind].resource_type
    if stored.status not in rule.sources:
        raise invalid_state_transition(409, resource, item_id, stored.status, action)
    if rule.locked_in_use:
        live = _live_programs(db, stored)
        if live:
            raise resource_locked(resource, item_id, f"Cannot {action} {resource} {item_id} while it is assigned to "
                                                     f"program {', '.join(live)}; unassign it first")
    obj = {**stored.data, "status": rule.target, "updated_at": now_iso()}
    _save(db, kind, stored, obj, rule.event)
    return obj


def activate_card_definition(db: Table, item_id: str) -> Obj:
    """DRAFT -> ACTIVE."""
    return transition(db, CARD_DEFINITION, item_id, "activate")


def draft_card_definition(db: Table, item_id: str) -> Obj:
    """ACTIVE -> DRAFT, unless a live program uses it."""
    return transition(db, CARD_DEFINITION, item_id, "draft")


def activate_earning_rule(db: Table, item_id: str) -> Obj:
    """DRAFT or INACTIVE -> ACTIVE."""
    return transition(db, EARNING_RULE, item_id, "activate")


def deactivate_earning_rule(db: Table, item_id: str) -> Obj:
    """ACTIVE -> INACTIVE."""
    return transition(db, EARNING_RULE, item_id, "deactivate")


def draft_earning_rule(db: Table, item_id: str) -> Obj:
    """ACTIVE -> DRAFT."""
    return transition(db, EARNING_RULE, item_id, "draft")


def activate_reward(db: Table, item_id: str) -> Obj:
    """DRAFT or INACTIVE -> ACTIVE."""
    return transition(db, REWARD, item_id, "activate")


def deactivate_reward(db: Table, item_id: str) -> Obj:
    """ACTIVE -> INACTIVE."""
    return transition(db, REWARD, item_id, "deactivate")


def draft_reward(db: Table, item_id: str) -> Obj:
    """ACTIVE -> DRAFT, unless a live program uses it."""
    return transition(db, REWARD, item_id, "draft")


# ---------------------------------------------------------------------------------------------------------------------
# Updates (spec-map A18): what may change depends on the status and on use by live programs

CARD_DEFINITION_EDITABLE_IN_USE = ("name", "metadata", "pay_with_points")
EARNING_RULE_EDITABLE_UNLESS_DRAFT = ("name", "earnings", "error", "validity_hours", "start_date", "end_date", "trigger_limits",
                                      "metadata")
REWARD_EDITABLE_UNLESS_DRAFT = ("name", "metadata", "refunds", "validity_hours", "start_date", "end_date", "costs")


def _refuse_changes(changed: Iterable[str], editable: tuple[str, ...], resource: str, status: str) -> None:
    """400 `invalid_payload` naming the first changed field the status does not allow to change."""
    locked = [name for name in changed if name not in editable]
    if locked:
        raise invalid_payload(f"Property '{locked[0]}' cannot be changed while the {resource} is {status} "
                              f"(only {', '.join(editable)} can)")


def update_card_definition(db: Table, item_id: str, body: CardDefinitionUpdate) -> Obj:
    """Replace the given fields; while a live program uses it, only name, metadata and pay_with_points may change."""
    stored = require_component(db, CARD_DEFINITION, item_id)
    obj = updated_card_definition(stored.data, body)
    _refuse_sliding(obj)
    locked = [name for name in changed_fields(body, stored.data, obj) if name not in CARD_DEFINITION_EDITABLE_IN_USE]
    if locked:
        live = _live_programs(db, stored)
        if live:
            raise resource_locked("card_definition", item_id,
                                  f"Cannot change '{locked[0]}' of card definition {item_id} while it is assigned to program "
                                  f"{', '.join(live)} (only {', '.join(CARD_DEFINITION_EDITABLE_IN_USE)} can change)")
    _save(db, CARD_DEFINITION, stored, obj, "updated", _new_schemas(CARD_DEFINITION, stored, obj))
    return obj


def update_earning_rule(db: Table, item_id: str, body: EarningRuleUpdate) -> Obj:
    """Replace the given fields (earnings by id); a non-DRAFT rule may change only what the spec lists; the components
    the new earnings name must exist."""
    stored = require_component(db, EARNING_RULE, item_id)
    obj = updated_earning_rule(stored.data, body)
    _refuse_sliding(obj)
    if stored.status != "DRAFT":
        _refuse_changes(changed_fields(body, stored.data, obj), EARNING_RULE_EDITABLE_UNLESS_DRAFT, "earning rule", stored.status)
    if body.earnings is not None:
        _require_references(db, earning_rule_references(obj))
    _save(db, EARNING_RULE, stored, obj, "updated", _new_schemas(EARNING_RULE, stored, obj))
    return obj


def update_reward(db: Table, item_id: str, body: RewardUpdate) -> Obj:
    """Replace the given fields (costs by id); an ACTIVE or INACTIVE reward may change only what the spec lists; the card
    definitions the new costs (or points target) name must exist."""
    stored = require_component(db, REWARD, item_id)
    obj = updated_reward(stored.data, body)
    if stored.status != "DRAFT":
        changed = changed_fields(body, stored.data, obj, also=("material", "digital"))
        _refuse_changes(changed, REWARD_EDITABLE_UNLESS_DRAFT, "reward", stored.status)
    if body.type is not None or body.digital is not None:
        _refuse_unfulfillable(obj)
    if body.costs is not None or body.digital is not None:
        _require_references(db, reward_references(obj))
    _save(db, REWARD, stored, obj, "updated")
    return obj


# ---------------------------------------------------------------------------------------------------------------------
# Deletes: soft, refused while a live program uses the component


def _delete(db: Table, kind: str, item_id: str, *, answer_last_state: bool = False) -> Obj:
    stored = require_component(db, kind, item_id)
    live = _live_programs(db, stored)
    if live:
        raise resource_in_use(KIND_IDS[kind].resource_type, item_id, "program", live, "delete")
    deleted = {**stored.data, "status": DELETED, "updated_at": now_iso()}
    answer = stored.data if answer_last_state else deleted
    try:
        store.delete_component(db, kind, stored, deleted, snapshot=answer)
    except TransactionConflict as conflict:
        if conflict.failed("component"):
            raise _changed_meanwhile(kind, item_id) from None
        raise
    return answer


def delete_card_definition(db: Table, item_id: str) -> Obj:
    """Soft-delete a card definition no live program uses; the answer has status DELETED."""
    return _delete(db, CARD_DEFINITION, item_id)


def delete_earning_rule(db: Table, item_id: str) -> Obj:
    """Soft-delete an earning rule no live program uses; the answer is its last state (the spec's EarningRuleResponse
    never shows DELETED)."""
    return _delete(db, EARNING_RULE, item_id, answer_last_state=True)


def delete_reward(db: Table, item_id: str) -> Obj:
    """Soft-delete a reward no live program uses; the answer has status DELETED."""
    return _delete(db, REWARD, item_id)
