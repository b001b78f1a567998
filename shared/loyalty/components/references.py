"""What a stored component names: the card definitions, benefits and tier structures its configuration refers to. The
one place every check that follows a reference (creation, assignment, unassignment, tier progress) reads them from."""

from __future__ import annotations

from typing import Any

from loyalty.components.store import BENEFIT, CARD_DEFINITION, EARNING_RULE, REWARD, TIER_STRUCTURE

Ref = tuple[str, str]  # (component kind, id)


def earning_rule_references(rule: dict[str, Any]) -> list[Ref]:
    """Every component an earning rule names: its effects' card definitions and benefits, its tier structures."""
    refs: list[Ref] = []
    for earning in rule.get("earnings") or []:
        for effect in earning.get("effects") or []:
            for part in ("points", "points_proportional"):
                cdef = (effect.get(part) or {}).get("card_definition_id")
                if cdef:
                    refs.append((CARD_DEFINITION, cdef))
            benefit = (effect.get("benefit") or {}).get("id")
            if benefit:
                refs.append((BENEFIT, benefit))
        for requirement in (earning.get("tier_rules") or {}).get("any_of") or []:
            refs.append((TIER_STRUCTURE, requirement["tier_structure_id"]))
    return list(dict.fromkeys(refs))


def reward_references(reward: dict[str, Any]) -> list[Ref]:
    """The card definitions a reward names: its costs' and its LOYALTY_CARD_POINTS target."""
    refs = [(CARD_DEFINITION, s["card_definition_id"]) for cost in reward.get("costs") or [] for s in cost.get("spending") or []]
    target = ((reward.get("digital") or {}).get("loyalty_card_points") or {}).get("card_definition_id")
    if target:
        refs.append((CARD_DEFINITION, target))
    return list(dict.fromkeys(refs))


def tracked_card_definition(structure: dict[str, Any]) -> str | None:
    """The card definition a tier structure follows (its point balance, or the points earned on it)."""
    tracked = (structure.get("point_balance") or structure.get("point_earned") or {}).get("card_definition_id")
    return str(tracked) if tracked else None


def card_definitions_named(kind: str, component: dict[str, Any]) -> list[str]:
    """The card definitions a component of `kind` names (an earning rule earns into, a reward is priced in or credits,
    a tier structure tracks)."""
    if kind == TIER_STRUCTURE:
        tracked = tracked_card_definition(component)
        return [tracked] if tracked else []
    refs = {EARNING_RULE: earning_rule_references, REWARD: reward_references}.get(kind)
    return [item_id for named, item_id in refs(component) if named == CARD_DEFINITION] if refs else []


def schema_references(kind: str, component: dict[str, Any]) -> list[str]:
    """The custom event schemas (`ms_` ids) a component names: a card definition's EVENT_BASED pending `event_types` and
    sliding-expiration `custom_activity_types`, an earning rule's `customer.custom_event` trigger."""
    refs: list[str] = []
    if kind == CARD_DEFINITION:
        refs += ((component.get("pending_points") or {}).get("event_based") or {}).get("event_types") or []
        refs += ((component.get("points_expiration") or {}).get("sliding_expiration") or {}).get("custom_activity_types") or []
    elif kind == EARNING_RULE:
        schema_id = ((component.get("trigger") or {}).get("custom_event") or {}).get("schema_id")
        if schema_id:
            refs.append(schema_id)
    return list(dict.fromkeys(str(r) for r in refs))
