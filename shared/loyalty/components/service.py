"""Program components: card definitions, earning rules and rewards (create and read)."""

from __future__ import annotations

from typing import Any

from loyalty.components import store
from loyalty.components.models import (
    CardDefinitionCreate,
    EarningRuleCreate,
    RewardCreate,
    card_definition_object,
    earning_rule_object,
    reward_object,
)
from loyalty.core import ids
from loyalty.core.errors import not_found
from loyalty.db.table import Table


def create_card_definition(db: Table, body: CardDefinitionCreate) -> dict[str, Any]:
    """Store a card definition built from the request with the spec's defaults."""
    obj = card_definition_object(body)
    store.create_component(db, store.CARD_DEFINITION, obj)
    return obj


def create_earning_rule(db: Table, body: EarningRuleCreate) -> dict[str, Any]:
    """Store an earning rule; card definitions its effects point at must exist."""
    obj = earning_rule_object(body)
    _require_card_definitions(db, _effect_card_definitions(obj))
    store.create_component(db, store.EARNING_RULE, obj)
    return obj


def create_reward(db: Table, body: RewardCreate) -> dict[str, Any]:
    """Store a reward; the card definitions its costs are priced in must exist."""
    obj = reward_object(body)
    cdef_ids = [s["card_definition_id"] for cost in obj.get("costs") or [] for s in cost.get("spending") or []]
    digital = obj.get("digital") or {}
    if (digital.get("loyalty_card_points") or {}).get("card_definition_id"):
        cdef_ids.append(digital["loyalty_card_points"]["card_definition_id"])
    _require_card_definitions(db, cdef_ids)
    store.create_component(db, store.REWARD, obj)
    return obj


def _effect_card_definitions(rule: dict[str, Any]) -> list[str]:
    cdef_ids = []
    for earning in rule.get("earnings") or []:
        for effect in earning.get("effects") or []:
            for part in ("points", "points_proportional"):
                cdef = (effect.get(part) or {}).get("card_definition_id")
                if cdef:
                    cdef_ids.append(cdef)
    return cdef_ids


def _require_card_definitions(db: Table, cdef_ids: list[str]) -> None:
    if not cdef_ids:
        return
    found = store.get_components(db, [(store.CARD_DEFINITION, i) for i in cdef_ids])
    for item_id in cdef_ids:
        if (store.CARD_DEFINITION, item_id) not in found:
            raise not_found("card_definition", item_id)


def _get(db: Table, kind: str, item_id: str, id_kind: ids.IdKind) -> dict[str, Any]:
    id_kind.check(item_id)
    obj = store.get_component(db, kind, item_id)
    if obj is None or obj.get("status") == "DELETED":
        raise not_found(id_kind.resource_type, item_id)
    return obj


def get_card_definition(db: Table, item_id: str) -> dict[str, Any]:
    """One card definition."""
    return _get(db, store.CARD_DEFINITION, item_id, ids.CARD_DEFINITION)


def get_earning_rule(db: Table, item_id: str) -> dict[str, Any]:
    """One earning rule."""
    return _get(db, store.EARNING_RULE, item_id, ids.EARNING_RULE)


def get_reward(db: Table, item_id: str) -> dict[str, Any]:
    """One reward."""
    return _get(db, store.REWARD, item_id, ids.REWARD)
