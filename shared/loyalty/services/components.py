"""Program components: card definitions, earning rules and rewards (create and read)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from loyalty.errors import check_id, not_found
from loyalty.models.components import (
    CardDefinitionCreate,
    EarningRuleCreate,
    RewardCreate,
    card_definition_object,
    earning_rule_object,
    reward_object,
)
from loyalty.repository import Repository


def create_card_definition(repo: Repository, body: CardDefinitionCreate) -> dict[str, Any]:
    """Store a card definition built from the request with the spec's defaults."""
    obj = card_definition_object(body)
    repo.create_card_definition(obj)
    return obj


def create_earning_rule(repo: Repository, body: EarningRuleCreate) -> dict[str, Any]:
    """Store an earning rule; card definitions its effects point at must exist."""
    obj = earning_rule_object(body)
    _require_card_definitions(repo, _effect_card_definitions(obj))
    repo.create_earning_rule(obj)
    return obj


def create_reward(repo: Repository, body: RewardCreate) -> dict[str, Any]:
    """Store a reward; the card definitions its costs are priced in must exist."""
    obj = reward_object(body)
    ids = [s["card_definition_id"] for cost in obj.get("costs") or [] for s in cost.get("spending") or []]
    digital = obj.get("digital") or {}
    if (digital.get("loyalty_card_points") or {}).get("card_definition_id"):
        ids.append(digital["loyalty_card_points"]["card_definition_id"])
    _require_card_definitions(repo, ids)
    repo.create_reward(obj)
    return obj


def _effect_card_definitions(rule: dict[str, Any]) -> list[str]:
    ids = []
    for earning in rule.get("earnings") or []:
        for effect in earning.get("effects") or []:
            for part in ("points", "points_proportional"):
                cdef = (effect.get(part) or {}).get("card_definition_id")
                if cdef:
                    ids.append(cdef)
    return ids


def _require_card_definitions(repo: Repository, ids: list[str]) -> None:
    if not ids:
        return
    found = repo.get_components([("CDEF", i) for i in ids])
    for item_id in ids:
        if ("CDEF", item_id) not in found:
            raise not_found("card_definition", item_id)


def _get(getter: Callable[[str], dict[str, Any] | None], item_id: str, prefix: str, resource_type: str) -> dict[str, Any]:
    check_id(item_id, prefix, resource_type)
    obj = getter(item_id)
    if obj is None or obj.get("status") == "DELETED":
        raise not_found(resource_type, item_id)
    return obj


def get_card_definition(repo: Repository, item_id: str) -> dict[str, Any]:
    """One card definition."""
    return _get(repo.get_card_definition, item_id, "lcdef_", "card_definition")


def get_earning_rule(repo: Repository, item_id: str) -> dict[str, Any]:
    """One earning rule."""
    return _get(repo.get_earning_rule, item_id, "lern_", "earning_rule")


def get_reward(repo: Repository, item_id: str) -> dict[str, Any]:
    """One reward."""
    return _get(repo.get_reward, item_id, "lrew_", "reward")
