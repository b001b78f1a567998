"""The answers of Examine: earning rules (`v2:ExamineEarningRulesResponse`, `earnings_examine_result`): per membership, the
points each card would get from each rule, and the benefits the rules would grant; rewards (`v2:ExamineRewardsResponse`,
`rewards_examine_result`): per membership and card, each reward's status, cost and unavailability reasons."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from loyalty.earning.records import BenefitGrant, Earning
from loyalty.examine.models import Estimation, RewardsMembership
from loyalty.members.records import Card
from loyalty.points.service import Setup


def _rule_ref(rule_id: str) -> dict[str, Any]:
    return {"id": rule_id, "object": "earning_rule"}


def _card_ref(card: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": card["id"], "card_definition_id": card["card_definition_id"], "card_type": card.get("card_type") or "INDIVIDUAL",
            "code": card.get("code"), "object": "card"}


def _member_ref(member: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": member["id"], "customer_id": member["customer_id"], "program_id": member["program_id"],
            "metadata": member.get("metadata") or {}, "object": "member"}


def _program_ref(program: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": program["id"], "name": program.get("name") or "", "metadata": program.get("metadata") or {}, "object": "program"}


def _customer_ref(customer: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": customer.get("id"), "source_id": customer.get("source_id"), "metadata": customer.get("metadata") or {}, "object": "customer"}


def _cards(setup: Setup, member_id: str, earnings: Sequence[Earning]) -> list[dict[str, Any]]:
    """The cards of a membership that would get points: each card's total and what each rule gives it (rules in the order
    they were evaluated); cards that would get nothing are left out, as Voucherify's examples do."""
    out = []
    membership = next(m for m in setup.memberships if m.member_id == member_id)
    for engine_card in membership.cards:
        per_rule: dict[str, int] = {}
        for earning in earnings:
            if earning.card_id == engine_card.id:
                per_rule[earning.rule_id] = per_rule.get(earning.rule_id, 0) + earning.points
        if not per_rule:
            continue
        out.append({
            "card": _card_ref(setup.cards[engine_card.id]),
            "points_estimation": sum(per_rule.values()),
            "earning_rules": [{"earning_rule": _rule_ref(rule_id), "points_estimation": points, "object": "earning_rule_estimation"}
                              for rule_id, points in per_rule.items()],
            "object": "card_estimation",
        })
    return out


def _benefits(grants: Iterable[BenefitGrant], benefits: Mapping[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The benefits a membership's rules would grant, each with the rules granting it (a benefit that no longer exists is
    left out: nothing could be granted)."""
    by_benefit: dict[str, list[str]] = {}
    for grant in grants:
        if grant.benefit_id in benefits:
            rules = by_benefit.setdefault(grant.benefit_id, [])
            if grant.rule_id not in rules:
                rules.append(grant.rule_id)
    return [{
        "benefit": {"id": benefit_id, "name": benefits[benefit_id].get("name"), "type": benefits[benefit_id].get("type"), "object": "benefit"},
        "earning_rules": [{"earning_rule": _rule_ref(rule_id), "object": "earning_rule_estimation"} for rule_id in rules],
        "object": "benefit_estimation",
    } for benefit_id, rules in by_benefit.items()]


def examine_result(event: str | None, setup: Setup, earnings: Sequence[Earning], grants: Sequence[BenefitGrant],
                   benefits: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """`earnings_examine_result`: every membership examined (ACTIVE members of ACTIVE programs), its cards' estimations and
    its benefits, and the rules that would give anything, once each."""
    customer = setup.customer or {}
    memberships = []
    rule_ids: dict[str, None] = {}
    for membership in setup.memberships:
        member, program = setup.members[membership.member_id], setup.programs[membership.program_id]
        mine = [e for e in earnings if e.member_id == member["id"]]
        cards = _cards(setup, member["id"], mine)
        granted = _benefits((g for g in grants if g.member_id == member["id"]), benefits)
        for card in cards:
            rule_ids.update((r["earning_rule"]["id"], None) for r in card["earning_rules"])
        for benefit in granted:
            rule_ids.update((r["earning_rule"]["id"], None) for r in benefit["earning_rules"])
        memberships.append({
            "member": _member_ref(member),
            "program": _program_ref(program),
            "cards": cards,
            "benefits": granted,
            "object": "member_earnings_opportunity",
        })
    rules = [setup.rules[rule_id] for rule_id in rule_ids]
    return {
        "event": event,
        "customer": _customer_ref(customer),
        "earning_rules": [{"id": r["id"], "name": r.get("name") or "", "metadata": r.get("metadata") or {}, "object": "earning_rule"}
                          for r in rules],
        "memberships": memberships,
        "object": "earnings_examine_result",
    }


# ---------------------------------------------------------------------------------------------- examine rewards
NO_PURCHASE_LIMITS = {"cooldown": {"type": "NO_COOLDOWN"}, "frequency": {"type": "NO_LIMIT", "limits": []}}


def _estimation(estimation: Estimation) -> dict[str, Any]:
    """`reward_estimation`: `unavailability_reasons` only when the reward is UNAVAILABLE."""
    out: dict[str, Any] = {"reward": {"id": estimation.reward_id, "object": "reward"},
                           "status": "UNAVAILABLE" if estimation.reasons else "AVAILABLE",
                           "cost": {"points": estimation.points, "object": "reward_cost"}}
    if estimation.reasons:
        out["unavailability_reasons"] = [{"reason": reason, "details": details, "object": "reward_unavailability_reason"}
                                         for reason, details in estimation.reasons]
    out["object"] = "reward_estimation"
    return out


def _reward_cards(cards: Sequence[Card], estimations: Sequence[Estimation]) -> list[dict[str, Any]]:
    """The cards of a membership with the rewards each lists, in the program's assignment order; a card that lists no
    reward is left out, as Voucherify's example does."""
    out = []
    for card in cards:
        mine = [_estimation(e) for e in estimations if e.card_id == card["id"]]
        if mine:
            out.append({"card": _card_ref(card), "rewards": mine, "object": "card_estimation"})
    return out


def rewards_examine_result(customer: Mapping[str, Any], memberships: Sequence[RewardsMembership],
                           rewards: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """`rewards_examine_result`: every membership examined and its cards' reward estimations, and each reward listed,
    once, in the order it first appears."""
    listed: dict[str, None] = {}
    for membership in memberships:
        listed.update((e.reward_id, None) for e in membership.estimations)
    return {
        "customer": _customer_ref(customer),
        "rewards": [{"id": r, "name": rewards[r].get("name") or "", "type": rewards[r].get("type"), "metadata": rewards[r].get("metadata") or {},
                     "object": "reward", "purchase_limits": rewards[r].get("purchase_limits") or NO_PURCHASE_LIMITS} for r in listed],
        "memberships": [{"member": _member_ref(m.member), "program": _program_ref(m.program), "cards": _reward_cards(m.cards, m.estimations),
                         "object": "member_rewards_opportunity"} for m in memberships],
        "object": "rewards_examine_result",
    }
