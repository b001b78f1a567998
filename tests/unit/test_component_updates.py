"""Unit tests of component updates (spec-map A18): a PUT body merged into the stored object, validated like a create, and
rebuilt with the stored identity, status and item ids."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

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
from loyalty.components.updates import changed_fields, updated_card_definition, updated_earning_rule, updated_reward
from loyalty.core.errors import LoyaltyError
from tests.support import reference_file
from tests.unit.test_component_models import CDEF, CDEF_BODIES, ER_BODIES, REWARD_BODIES, schema_errors

Kind = tuple[type[BaseModel], Callable[[Any], dict[str, Any]], type[BaseModel], Callable[[dict[str, Any], Any], dict[str, Any]], str,
             str, dict[str, Any]]
KINDS: dict[str, Kind] = {
    "card_definition": (CardDefinitionCreate, card_definition_object, CardDefinitionUpdate, updated_card_definition,
                        "CardDefinitionUpdateRequest", "CardDefinition", CDEF_BODIES),
    "earning_rule": (EarningRuleCreate, earning_rule_object, EarningRuleUpdate, updated_earning_rule, "EarningRuleUpdateRequest",
                     "EarningRuleResponse", ER_BODIES),
    "reward": (RewardCreate, reward_object, RewardUpdate, updated_reward, "RewardUpdateRequest", "RewardResponse", REWARD_BODIES),
}
CASES = [pytest.param(kind, label, id=f"{kind}: {label}") for kind, entry in KINDS.items() for label in entry[6]]
# What a create body has that an update body may not carry: the status (lifecycle endpoints), a card definition's type.
NOT_UPDATABLE = {"card_definition": ("status", "type"), "earning_rule": ("status",), "reward": ("status",)}
MINIMAL: dict[str, dict[str, Any]] = {
    "card_definition": {"name": "m", "type": "INDIVIDUAL"},
    "earning_rule": {"name": "m", "trigger": {"event": "customer.order.paid"}, "earnings": [
        {"effects": [{"type": "POINTS", "points": {"value": 1, "card_definition_id": CDEF}}]}]},
    "reward": {"name": "m", "type": "MATERIAL", "material": {"type": "PRODUCT", "product": {"id": "prod_0a"}},
               "costs": [{"spending": [{"points": 1, "card_definition_id": CDEF}]}]},
}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    """The Voucherify loyalty v2 OpenAPI document (the schema-only extract in tests/reference/)."""
    document: dict[str, Any] = reference_file("loyalties-v2.json")
    return document


def build(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    model, builder, *_ = KINDS[kind]
    return builder(model.model_validate(body))


def update(kind: str, current: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    _, _, model, updater, *_ = KINDS[kind]
    return updater(current, model.model_validate(body))


def without_ids(obj: dict[str, Any]) -> dict[str, Any]:
    """An object with the fields that differ between two builds of one request left out (ids, times, status)."""
    out = {k: copy.deepcopy(v) for k, v in obj.items() if k not in ("id", "created_at", "updated_at", "status")}
    for key in ("earnings", "costs"):
        if key in out:
            out[key] = [{k: v for k, v in item.items() if k != "id"} for item in out[key]]
            for item in out[key]:
                for spending in item.get("spending") or []:
                    spending.pop("id", None)
    return out


@pytest.mark.parametrize(("kind", "label"), CASES)
def test_given_any_valid_object_when_updated_with_nothing_then_only_updated_at_changes(kind: str, label: str) -> None:
    # Given an object built from a valid create body
    current = build(kind, KINDS[kind][6][label])
    # When an empty update is applied
    after = update(kind, copy.deepcopy(current), {})
    # Then rebuilding it from its own fields changes nothing but updated_at (the stored shape round-trips)
    assert {k: v for k, v in after.items() if k != "updated_at"} == {k: v for k, v in current.items() if k != "updated_at"}
    assert after["updated_at"] is not None


@pytest.mark.parametrize(("kind", "label"), CASES)
def test_given_a_create_body_sent_as_an_update_then_it_builds_the_same_object(spec: dict[str, Any], kind: str, label: str) -> None:
    # Given a minimal stored object, and a valid create body without what an update cannot carry
    body = {k: v for k, v in KINDS[kind][6][label].items() if k not in NOT_UPDATABLE[kind]}
    current = build(kind, MINIMAL[kind])
    # When the body is sent as an update: the spec's own update schema accepts it
    assert schema_errors(spec, KINDS[kind][4], body) == []
    after = update(kind, current, body)
    # Then the result is what a create of that body builds, under the stored identity and status, and conforms to the spec
    assert without_ids(after) == without_ids(build(kind, {**body, **{k: MINIMAL[kind][k] for k in NOT_UPDATABLE[kind] if k in MINIMAL[kind]}}))
    assert (after["id"], after["status"], after["created_at"]) == (current["id"], current["status"], current["created_at"])
    assert schema_errors(spec, KINDS[kind][5], after) == []


@pytest.mark.parametrize(("kind", "field"), [("card_definition", "status"), ("card_definition", "type"), ("earning_rule", "status"),
                                              ("reward", "status"), ("reward", "id"), ("earning_rule", "created_at")])
def test_given_a_read_only_field_when_validated_then_the_update_model_refuses_it(kind: str, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        KINDS[kind][2].model_validate({field: "x"})
    assert info.value.errors()[0]["type"] == "extra_forbidden"


def test_given_nulls_when_merged_then_sections_go_back_to_their_defaults_and_the_name_stays() -> None:
    current = build("card_definition", {"name": "w", "type": "INDIVIDUAL", "metadata": {"a": 1}, "code_config": {"prefix": "P-"},
                                        "pay_with_points": {"type": "EXCHANGE_RATIO", "exchange_ratio": {"formula": 2}}})
    after = update("card_definition", current, {"name": None, "metadata": None, "code_config": None, "pay_with_points": None})
    assert after["name"] == "w" and after["metadata"] == {} and after["code_config"]["prefix"] == ""
    assert after["pay_with_points"] == {"type": "NO_PAYMENTS"}


def test_given_a_metadata_update_then_it_replaces_the_metadata() -> None:
    current = build("reward", {**MINIMAL["reward"], "metadata": {"a": 1, "b": 2}})
    assert update("reward", current, {"metadata": {"c": 3}})["metadata"] == {"c": 3}


def test_given_a_nested_section_then_it_replaces_the_whole_section() -> None:
    # A18 is top-level: a given section replaces the stored one (its unset parts take the create defaults)
    current = build("card_definition", {"name": "w", "type": "INDIVIDUAL", "code_config": {"prefix": "P-", "length": 6}})
    assert update("card_definition", current, {"code_config": {"postfix": "-X"}})["code_config"] == {
        "pattern": "#" * 10, "length": 10, "charset": current["code_config"]["charset"], "prefix": "", "postfix": "-X"}


def test_given_earnings_then_named_ones_keep_their_ids_new_ones_get_ids_and_the_rest_go() -> None:
    effect = {"type": "POINTS", "points": {"value": 1, "card_definition_id": CDEF}}
    current = build("earning_rule", {**MINIMAL["earning_rule"], "earnings": [{"name": n, "effects": [effect]} for n in "abc"]})
    a, b, c = (e["id"] for e in current["earnings"])
    after = update("earning_rule", current, {"earnings": [{"id": c, "name": "c2", "effects": [effect]}, {"name": "d", "effects": [effect]},
                                                          {"id": a, "effects": [effect]}]})
    assert [(e["id"], e["name"]) for e in after["earnings"]][::2] == [(c, "c2"), (a, None)]
    assert after["earnings"][1]["id"] not in (a, b, c) and after["earnings"][1]["id"].startswith("lernei_")
    with pytest.raises(LoyaltyError) as info:
        update("earning_rule", current, {"earnings": [{"id": "lernei_00000000000000000a", "effects": [effect]}]})
    assert (info.value.status, info.value.key) == (400, "invalid_payload") and "earnings.0.id" in info.value.details
    with pytest.raises(ValidationError):
        EarningRuleUpdate.model_validate({"earnings": [{"id": a, "effects": [effect]}, {"id": a, "effects": [effect]}]})


def test_given_a_trigger_change_then_the_kept_earnings_are_checked_against_it() -> None:
    rules = {"logic": "1", "1": {"name": "order.amount", "conditions": {"$more_than": [10]}}}
    effects = MINIMAL["earning_rule"]["earnings"][0]["effects"]
    current = build("earning_rule", {**MINIMAL["earning_rule"], "earnings": [{"rules": rules, "effects": effects}]})
    with pytest.raises(LoyaltyError) as info:
        update("earning_rule", current, {"trigger": {"event": "customer.segment.entered", "segment": {"id": "seg_1"}}})
    assert info.value.details == "Property 'earnings.0.rules.1.name' is not allowed when trigger.event is customer.segment.entered"


def test_given_costs_then_named_ones_keep_their_ids_and_purchase_limits_reset_on_null() -> None:
    cost = {"spending": [{"points": 1, "card_definition_id": CDEF}]}
    current = build("reward", {**MINIMAL["reward"], "costs": [cost, cost], "purchase_limits": {"cooldown": {
        "type": "FIXED_COOLDOWN", "fixed_cooldown": {"period": {"value": 2, "unit": "HOUR"}}}}})
    second = current["costs"][1]
    after = update("reward", current, {"costs": [{"id": second["id"], **cost}], "purchase_limits": None})
    assert [c["id"] for c in after["costs"]] == [second["id"]] and after["costs"][0]["spending"][0]["id"] != second["spending"][0]["id"]
    assert after["purchase_limits"] == {"cooldown": {"type": "NO_COOLDOWN"}, "frequency": {"type": "NO_LIMIT", "limits": []}}
    kept = update("reward", current, {"name": "n"})
    assert kept["costs"] == current["costs"] and kept["purchase_limits"] == current["purchase_limits"]


def test_given_a_type_change_then_the_variant_comes_from_the_body_only() -> None:
    current = build("reward", MINIMAL["reward"])
    with pytest.raises(LoyaltyError) as info:
        update("reward", current, {"type": "DIGITAL"})
    assert info.value.details == "Property 'digital' is required when type is DIGITAL"
    digital = {"type": "GIFT_VOUCHERS", "gift_vouchers": {"campaign_id": "camp_1", "balance": 10.0}}
    after = update("reward", current, {"type": "DIGITAL", "digital": digital})
    assert "material" not in after and after["digital"] == {**digital, "gift_vouchers": {"campaign_id": "camp_1", "balance": 10}}
    same = update("reward", current, {"type": "MATERIAL"})
    assert same["material"] == current["material"]


def test_given_a_cross_field_rule_broken_by_the_merge_then_it_is_a_400_naming_the_field() -> None:
    current = build("card_definition", {"name": "w", "type": "INDIVIDUAL", "balance_settings": {"allow_negative": True}})
    with pytest.raises(LoyaltyError) as info:
        update("card_definition", current, {"points_expiration": {"type": "CALENDAR_EXPIRATION", "calendar_expiration": {
            "expiration_dates": [{"day": 1, "month": 1}]}}})
    assert info.value.details.startswith("Property 'balance_settings.allow_negative' can be true only when")


def test_changed_fields_are_the_given_ones_whose_value_moves() -> None:
    current = build("reward", MINIMAL["reward"])
    body = RewardUpdate.model_validate({"name": "m", "type": "MATERIAL", "refunds": {"type": "REFUNDABLE"}})
    after = updated_reward(current, body)
    assert changed_fields(body, current, after) == ["refunds"]
    assert changed_fields(body, current, after, also=("material", "updated_at")) == ["refunds", "updated_at"]
