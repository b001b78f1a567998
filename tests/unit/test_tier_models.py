"""The tier and benefit wire models, their response builders, and updates by merging (spec-map A18)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from loyalty.benefits.models import BenefitCreate, BenefitUpdate, benefit_object, card_definition_of
from loyalty.components.models import TierStructureCreate, tier_structure_object
from loyalty.core.errors import LoyaltyError
from loyalty.core.updates import changed, merged
from loyalty.tiers.models import TierCreate, TierStructureUpdate, TierUpdate, tier_object

CDEF = "lcdef_0123456789abcdef01"
TS_ID = "lts_0123456789abcdef01"


def test_a_tier_gets_the_spec_defaults_and_keeps_integral_numbers_integers() -> None:
    tier = tier_object(TierCreate.model_validate({"name": "Gold", "qualification_rules": {
        "type": "POINTS", "points": {"min_value": 500.0}}}), TS_ID)
    assert tier["id"].startswith("lt_") and tier["tier_structure_id"] == TS_ID
    assert tier["qualification_rules"] == {"type": "POINTS", "points": {"min_value": 500}}
    assert isinstance(tier["qualification_rules"]["points"]["min_value"], int)
    assert (tier["downgrade"], tier["metadata"], tier["updated_at"], tier["object"]) == ({"type": "INHERIT"}, {}, None, "tier")


@pytest.mark.parametrize("rules", [
    {"type": "POINTS"},
    {"type": "POINTS", "points": {"min_value": 1, "max_value": 0}},
    {"type": "POINTS", "points": {"min_value": True}},
    {"type": "POINTS", "points": {"min_value": 1e10}},
    {"type": "POINTS", "points": {"min_value": 0}, "segment": {"id": "seg_a"}},
    {"type": "POINTS_AND_SEGMENT", "points": {"min_value": 0}},
    {"type": "POINTS_AND_SEGMENT", "points": {"min_value": 0}, "segment": {"id": ""}},
])
def test_invalid_qualification_rules_are_refused(rules: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        TierCreate.model_validate({"name": "x", "qualification_rules": rules})


def test_a_structure_update_with_a_type_needs_the_matching_settings_only() -> None:
    earned = {"card_definition_id": CDEF, "period": {"value": 1, "unit": "YEAR"}, "type": "IMMEDIATELY"}
    assert TierStructureUpdate.model_validate({"type": "POINT_EARNED", "point_earned": earned, "point_balance": None}).type == "POINT_EARNED"
    for body in ({"type": "POINT_EARNED"}, {"type": "POINT_BALANCE", "point_balance": {"card_definition_id": CDEF}, "point_earned": earned},
                 {"name": None}, {"type": None}):
        with pytest.raises(ValidationError):
            TierStructureUpdate.model_validate(body)


def test_merging_replaces_what_is_given_resets_nulls_and_drops_an_old_types_settings() -> None:
    stored = tier_structure_object(TierStructureCreate.model_validate({
        "name": "Levels", "type": "POINT_BALANCE", "point_balance": {"card_definition_id": CDEF}, "metadata": {"a": 1},
        "downgrade": {"type": "MULTI_LEVEL"}}))
    body = TierStructureUpdate.model_validate({"type": "POINT_EARNED", "downgrade": None, "point_earned": {
        "card_definition_id": CDEF, "period": {"value": 2, "unit": "WEEK"}, "type": "NEXT_TRACKING_PERIOD"}})
    result = tier_structure_object(merged(TierStructureCreate, stored, body, ("name", "type", "point_balance", "point_earned",
                                                                              "expiration", "downgrade", "metadata"),
                                          ("point_balance", "point_earned")))
    assert result["type"] == "POINT_EARNED" and "point_balance" not in result and result["point_earned"]["period"]["unit"] == "WEEK"
    assert result["downgrade"] == {"type": "NO_DOWNGRADE"} and result["metadata"] == {"a": 1} and result["name"] == "Levels"
    assert changed(stored, {**result, "id": stored["id"], "created_at": stored["created_at"]}, ("name", "metadata")) == [
        "downgrade", "point_balance", "point_earned", "type"]


def test_merging_into_an_invalid_resource_is_400() -> None:
    stored = tier_object(TierCreate.model_validate({"name": "Gold", "qualification_rules": {"type": "POINTS", "points": {"min_value": 1}}}),
                         TS_ID)
    with pytest.raises(LoyaltyError) as refused:
        merged(TierCreate, stored, TierUpdate.model_validate({"qualification_rules": None}), ("name", "qualification_rules"))
    assert (refused.value.status, refused.value.key) == (400, "invalid_payload") and "qualification_rules" in refused.value.details


def test_a_benefit_has_no_metadata_and_unlimited_stock_by_default() -> None:
    benefit = benefit_object(BenefitCreate.model_validate({"name": "P", "type": "POINTS", "points": {"value": 5, "card_definition_id": CDEF},
                                                           "material": None}))
    assert set(benefit) == {"id", "name", "type", "status", "stock", "points", "created_at", "updated_at", "object"}
    assert benefit["stock"] == {"type": "UNLIMITED"} and benefit["status"] == "DRAFT" and card_definition_of(benefit) == CDEF
    material = benefit_object(BenefitCreate.model_validate({"name": "M", "type": "MATERIAL", "material": {
        "type": "SKU", "sku": {"product_id": "prod_0a", "id": "sku_0b"}}, "stock": {"type": "LIMITED", "limited": {"quantity": 0}}}))
    assert material["stock"] == {"type": "LIMITED", "limited": {"quantity": 0}} and card_definition_of(material) is None


@pytest.mark.parametrize("body", [
    {"name": "x", "type": "POINTS_PROPORTIONAL", "points_proportional": {  # quantity, not amount, for ORDER_ITEMS_QUANTITY
        "calculation_type": "ORDER_ITEMS_QUANTITY", "card_definition_id": CDEF, "order_items": {"amount": {
            "every": 1, "value": 1, "applicable_to": [{"type": "product", "product": {"id": "prod_0a"}}]}}}},
    {"name": "x", "type": "POINTS_PROPORTIONAL", "points_proportional": {"calculation_type": "PRE_DISCOUNT_ORDER_AMOUNT",
                                                                          "card_definition_id": CDEF, "order": {"amount": {"every": 1, "value": 1}},
                                                                          "points_expiration": None}},
    {"name": "x", "type": "DIGITAL", "digital": {"type": "GIFT_VOUCHERS", "gift_vouchers": {"campaign_id": "camp_a"}}},
    {"name": "x", "type": "MATERIAL", "material": {"type": "PRODUCT", "product": {"id": "prod_0a"}}, "metadata": {}},
    {"name": "x", "type": "MATERIAL", "material": {"type": "PRODUCT", "product": {"id": "prod_0a"}}, "stock": {"type": "LIMITED"}},
])
def test_invalid_benefits_are_refused(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        BenefitCreate.model_validate(body)


def test_a_benefit_update_may_not_set_a_status() -> None:
    with pytest.raises(ValidationError):
        BenefitUpdate.model_validate({"status": "ACTIVE"})
