"""What an activity is and the kinds of resources that have them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

from loyalty.core import ids


class Activity(TypedDict):
    """One entry of a resource's history (spec-map §2.11): `<resource>_id` names the resource."""

    id: str
    type: str
    data: dict[str, Any]
    created_at: str
    group_id: NotRequired[str]
    source: NotRequired[dict[str, Any]]


@dataclass(frozen=True)
class ActivityKind:
    """The activities of one kind of resource: their id kind, the field naming the resource, their list cursor, and the
    types the spec gives them."""

    ids: ids.IdKind
    resource_field: str
    cursor_prefix: str
    types: tuple[str, ...]


def _types(resource: str, *events: str) -> tuple[str, ...]:
    return tuple(f"vl.{resource}.{event}" for event in events)


PROGRAM = ActivityKind(ids.PROGRAM_ACTIVITY, "program_id", "lcrsapr_", _types(
    "program", "created", "updated", "deleted", "activated", "deactivated", "card_definition.assigned",
    "card_definition.unassigned", "earning_rule.assigned", "earning_rule.unassigned", "reward.assigned", "reward.unassigned",
    "reward.updated", "tier_structure.assigned", "tier_structure.unassigned"))
MEMBER = ActivityKind(ids.MEMBER_ACTIVITY, "member_id", "lcrsambr_", _types(
    "member", "created", "updated", "deleted", "activated", "deactivated", "card.assigned", "card.unassigned"))
CARD = ActivityKind(ids.CARD_ACTIVITY, "card_id", "lcrsacrd_", _types(
    "card", "created", "assigned", "unassigned", "code_generation.succeeded", "code_generation.failed"))
CARD_DEFINITION = ActivityKind(ids.CARD_DEFINITION_ACTIVITY, "card_definition_id", "lcrsacd_", _types(
    "card_definition", "created", "updated", "deleted", "activated", "deactivated", "drafted", "assigned", "unassigned"))
EARNING_RULE = ActivityKind(ids.EARNING_RULE_ACTIVITY, "earning_rule_id", "lcrsaer_", _types(
    "earning_rule", "created", "updated", "deleted", "activated", "deactivated", "drafted", "assigned", "unassigned"))
TIER_STRUCTURE = ActivityKind(ids.TIER_STRUCTURE_ACTIVITY, "tier_structure_id", "lcrsats_", _types(
    "tier_structure", "created", "updated", "deleted", "activated", "deactivated", "drafted", "assigned", "unassigned",
    "tier.created", "tier.updated", "tier.deleted"))
BENEFIT = ActivityKind(ids.BENEFIT_ACTIVITY, "benefit_id", "lcrsaben_", _types(
    "benefit", "created", "updated", "deleted", "activated", "drafted"))
REWARD = ActivityKind(ids.REWARD_ACTIVITY, "reward_id", "lcrsarew_", _types(
    "reward", "created", "updated", "deleted", "assigned", "unassigned", "activated", "deactivated", "drafted"))
