"""Unit tests of the component wire models and builders: card definitions, earning rules, rewards, tier structures."""

from __future__ import annotations

import copy
import json
import re
from fractions import Fraction
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel, ValidationError

from loyalty.components.models import (
    DEFAULT_CHARSET,
    CardDefinitionCreate,
    EarningRuleCreate,
    RewardCreate,
    TierStructureCreate,
    card_definition_object,
    earning_rule_object,
    reward_object,
    tier_structure_object,
)
from loyalty.components.scalars import exchange_ratio
from tests.support import reference_file

CDEF = "lcdef_128f495f720c4bec8c"
ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


# ---------------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    """The Voucherify loyalty v2 OpenAPI document, as the schema-only extract in tests/reference/ (`make reference`)."""
    document: dict[str, Any] = reference_file("loyalties-v2.json")
    return document


def schema_validator(spec: dict[str, Any], name: str) -> Draft202012Validator:
    """A Draft 2020-12 validator for `#/components/schemas/<name>`, resolving refs against the spec document."""
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": spec["components"]})


def schema_errors(spec: dict[str, Any], name: str, instance: Any) -> list[str]:
    """The spec schema's complaints about `instance` (empty when it conforms)."""
    return [f"{list(e.absolute_path)}: {e.message}" for e in schema_validator(spec, name).iter_errors(instance)]


def rejection(model: type[BaseModel], body: dict[str, Any]) -> dict[str, Any]:
    """The first validation error the model raises for `body` (fails the test when the body is accepted)."""
    with pytest.raises(ValidationError) as info:
        model.model_validate(body)
    return info.value.errors()[0]


def assert_plain_json(value: Any) -> None:
    """Only dict/list/str/int/float/bool/None, string keys, no float that should be an int."""
    if isinstance(value, dict):
        assert all(isinstance(k, str) for k in value)
        for item in value.values():
            assert_plain_json(item)
    elif isinstance(value, list):
        for item in value:
            assert_plain_json(item)
    else:
        assert value is None or type(value) in (str, int, float, bool), type(value)


def without_volatile(obj: dict[str, Any]) -> dict[str, Any]:
    """A response object without its generated id and timestamp."""
    return {k: v for k, v in obj.items() if k not in ("id", "created_at")}


def with_changes(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of `base` with top-level properties replaced (a value of `...` removes the property)."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if value is ...:
            out.pop(key, None)
        else:
            out[key] = value
    return out


# ---------------------------------------------------------------------------------------------------------------------
# Valid bodies (each is also checked against the spec's own request schema)
# ---------------------------------------------------------------------------------------------------------------------

CDEF_MIN = {"name": "Points", "type": "INDIVIDUAL"}
PERIOD_TIME_BASED = {"type": "CURRENT_PERIOD", "current_period": {"unit": "MONTH"}}

CDEF_BODIES = {
    "minimal": CDEF_MIN,
    "rolling, period-based pending, every limit, pay with points": {
        "name": "Main wallet",
        "type": "INDIVIDUAL",
        "status": "ACTIVE",
        "code_config": {"pattern": "LOY-####-####", "charset": "ABCDEF0123", "prefix": "P-", "postfix": "-S", "length": None},
        "points_expiration": {
            "type": "ROLLING_EXPIRATION",
            "rolling_expiration": {"period": {"unit": "YEAR", "value": 5}, "rounding": {"type": "END_OF_PARTICULAR_MONTH", "value": 3}},
            "calendar_expiration": None,
        },
        "pending_points": {"type": "PERIOD_BASED", "period_based": {"period": {"unit": "DAY", "value": 90}}},
        "earning_limits": {
            "global": {"type": "LIMITED", "limits": [{"type": "TIME_BASED", "period": PERIOD_TIME_BASED, "points": {"max": 1000}}]},
            "transactions": {"type": "LIMITED", "limits": [{"type": "POINTS", "max": 50}, {"type": "SPENDING", "min_amount": 100}]},
        },
        "spending_limits": {
            "global": {"type": "LIMITED", "limits": [{"type": "SPENDING_BASED", "max": 5000}]},
            "transactions": {"type": "LIMITED", "limits": [{"type": "POINTS", "max": 500}]},
        },
        "refunds": {
            "spent_points": {"type": "REFUNDABLE", "methods": [{"type": "RETURN_POINTS", "mode": "REFUND_ITEM"}]},
            "earned_points": {"type": "REFUNDABLE", "methods": [{"type": "REVOKE_FROM_PENDING"}]},
        },
        "balance_settings": {"allow_negative": False},
        "pay_with_points": {"type": "EXCHANGE_RATIO", "exchange_ratio": {"formula": 0.01}},
        "metadata": {"region": "EU", "nested": {"a": [1, 2]}},
    },
    "negative balance, fixed-date pending, revoke below zero": {
        "name": "Credit wallet",
        "type": "INDIVIDUAL",
        "status": None,
        "points_expiration": {"type": "NO_EXPIRATION"},
        "pending_points": {"type": "FIXED_DATES", "fixed_dates": {"dates": [{"day": 29, "month": 2}, {"day": 30, "month": 4}]}},
        "earning_limits": {"global": {"type": "NO_LIMIT", "limits": []}, "transactions": {"type": "NO_LIMIT", "limits": None}},
        "refunds": {
            "spent_points": {"type": "NONE"},
            "earned_points": {"type": "REFUNDABLE", "methods": [{"type": "REVOKE_FROM_BALANCE", "mode": "REVOKE_BELOW_ZERO"}]},
        },
        "balance_settings": {"allow_negative": True},
        "pay_with_points": {"type": "EXCHANGE_RATIO", "exchange_ratio": {"formula": "0.01"}},
        "metadata": None,
    },
    "sliding expiration, event-based pending": {
        "name": "Activity wallet",
        "type": "INDIVIDUAL",
        "code_config": {"length": 6},
        "points_expiration": {
            "type": "SLIDING_EXPIRATION",
            "sliding_expiration": {
                "earning_activity": True,
                "custom_activity": True,
                "custom_activity_types": ["ms_visit", "ms_review"],
                "period": {"unit": "YEAR", "value": 1},
            },
        },
        "pending_points": {
            "type": "EVENT_BASED",
            "event_based": {"event_types": ["ms_delivered"], "cancel_period": {"unit": "MONTH", "value": 12}},
        },
        "pay_with_points": {"type": "NO_PAYMENTS"},
    },
    "calendar expiration": {
        "name": "Seasonal wallet",
        "type": "INDIVIDUAL",
        "points_expiration": {"type": "CALENDAR_EXPIRATION", "calendar_expiration": {"expiration_dates": [{"day": 31, "month": 12}]}},
        "spending_limits": {
            "global": {"type": "LIMITED", "limits": [{"type": "TIME_BASED", "period": PERIOD_TIME_BASED, "points": {"max": 10}}]},
            "transactions": {"type": "NO_LIMIT"},
        },
    },
}

POINTS_EFFECT = {"type": "POINTS", "points": {"value": 10, "card_definition_id": CDEF}}
ER_MIN = {"name": "Order points", "trigger": {"event": "customer.order.paid"}, "earnings": [{"effects": [POINTS_EFFECT]}]}

ER_BODIES = {
    "minimal": ER_MIN,
    "order paid with every option": {
        "name": "Big orders",
        "status": "ACTIVE",
        "trigger": {"event": "customer.order.paid", "custom_event": None, "segment": None},
        "earnings": [
            {
                "name": "Gold members",
                "rules": {
                    "logic": "1 and (2 or 3)",
                    "1": {
                        "name": "order.amount",
                        "conditions": {"$more_than": [10000]},
                        "error": {"message": "Order too small"},
                    },
                    "2": {
                        "name": "customer.segment",
                        "conditions": {"$in": [{"id": "seg_abc", "object": "segment", "source_id": None}]},
                    },
                    "3": {"rules": {"logic": "1", "1": {"name": "order.items.any", "conditions": {"$dow": [0, 6], "$is": ["x", True]}}}},
                },
                "tier_rules": {"type": "ANY_OF", "any_of": [{"tier_structure_id": "lts_0abc", "tier_ids": ["lt_01", "lt_02"]}]},
                "effects": [
                    {
                        "type": "POINTS",
                        "points": {
                            "value": 0,
                            "card_definition_id": CDEF,
                            "points_expiration": {
                                "type": "ROLLING_EXPIRATION",
                                "rolling_expiration": {"period": {"unit": "DAY", "value": 30}, "rounding": None},
                            },
                        },
                    },
                    {
                        "type": "POINTS_PROPORTIONAL",
                        "points_proportional": {
                            "calculation_type": "PRE_DISCOUNT_ORDER_ITEMS_AMOUNT",
                            "card_definition_id": CDEF,
                            "order_items": {
                                "amount": {
                                    "every": 100,
                                    "value": 2.5,
                                    "applicable_to": [
                                        {"type": "product", "product": {"id": "prod_0abc"}},
                                        {"type": "products_collection", "products_collection": {"id": "pc_All1"}},
                                    ],
                                }
                            },
                        },
                    },
                    {"type": "BENEFIT", "benefit": {"id": "lben_0123abc"}},
                ],
            },
            {"name": None, "rules": None, "tier_rules": {"type": "NO_REQUIREMENTS"}, "effects": [POINTS_EFFECT]},
        ],
        "error": {"message": "Not eligible"},
        "validity_hours": {"type": "DAILY", "daily": [{"days_of_week": [1, 2, 3], "start_time": "08:00", "end_time": "20:30"}]},
        "start_date": "2026-01-01T00:00:00Z",
        "end_date": "2026-12-31T23:59:59.999Z",
        "metadata": {"team": "crm"},
        "trigger_limits": {
            "cooldown": {"type": "FIXED_COOLDOWN", "fixed_cooldown": {"period": {"value": 24, "unit": "HOUR"}}},
            "frequency": {
                "type": "LIMITED",
                "limits": [{"type": "TIME_BASED", "period": {"type": "CURRENT_PERIOD", "current_period": {"unit": "WEEK"}}, "triggers": {"max": 3}}],
            },
        },
    },
    "custom event with metadata-proportional points": {
        "name": "Reviews",
        "trigger": {"event": "customer.custom_event", "custom_event": {"schema_id": "ms_review"}},
        "earnings": [
            {
                "rules": {
                    "logic": "1",
                    "1": {"name": "custom_event.metadata", "property": "stars", "schema_id": "ms_review", "conditions": {"$is": [5]}},
                },
                "effects": [
                    {
                        "type": "POINTS_PROPORTIONAL",
                        "points_proportional": {
                            "calculation_type": "CUSTOM_EVENT_METADATA_VALUE",
                            "card_definition_id": CDEF,
                            "custom_event": {"metadata": {"every": 1, "value": 10, "property": "stars"}},
                            "points_expiration": {
                                "type": "SLIDING_EXPIRATION",
                                "sliding_expiration": {"spending_activity": True, "custom_activity": False, "period": {"unit": "MONTH", "value": 6}},
                            },
                        },
                    }
                ],
            }
        ],
        "validity_hours": {"type": "ANY_TIME", "daily": None},
        "trigger_limits": {"cooldown": None, "frequency": {"type": "NO_LIMIT", "limits": []}},
    },
    "segment entered": {
        "name": "Welcome",
        "trigger": {"event": "customer.segment.entered", "segment": {"id": "seg_NewCustomers"}},
        "earnings": [
            {
                "rules": {"logic": "1", "1": {"name": "customer.metadata", "property": "vip", "conditions": {"$is": [True]}}},
                "effects": [
                    {
                        "type": "POINTS_PROPORTIONAL",
                        "points_proportional": {
                            "calculation_type": "CUSTOMER_METADATA_VALUE",
                            "card_definition_id": CDEF,
                            "customer": {"metadata": {"every": 10, "value": 1, "property": "age"}},
                        },
                    }
                ],
            }
        ],
    },
}

COST = {"spending": [{"points": 100, "card_definition_id": CDEF}]}
REWARD_MIN = {"name": "Mug", "type": "MATERIAL", "material": {"type": "PRODUCT", "product": {"id": "prod_0abc"}}, "costs": [COST]}

REWARD_BODIES = {
    "minimal material": REWARD_MIN,
    "material SKU with every option": {
        "name": "Coffee",
        "type": "MATERIAL",
        "status": "ACTIVE",
        "validity_hours": {"type": "DAILY", "daily": [{"days_of_week": [0, 6], "start_time": "10:00", "end_time": "12:00"}]},
        "start_date": "2026-03-01T10:00:00+02:00",
        "end_date": None,
        "material": {"type": "SKU", "sku": {"product_id": "prod_0abc", "id": "sku_0def"}, "product": None},
        "digital": None,
        "costs": [
            {
                "rules": {
                    "logic": "1 and 2",
                    "1": {"name": "customer.segment", "conditions": {"$in": [{"id": "seg_vip", "object": "segment"}]}},
                    "2": {"name": "member.metadata", "property": "level", "conditions": {"$more_than": [2]}, "error": {"message": "Level 3+"}},
                },
                "spending": [{"id": "lrspn_0123abcdef", "name": "VIP price", "points": 50, "card_definition_id": CDEF}],
            },
            {"spending": [{"name": None, "points": 100, "card_definition_id": "lcdef_0aaa"}]},
        ],
        "purchase_limits": {"cooldown": {"type": "NO_COOLDOWN"}, "frequency": None},
        "refunds": {"type": "REFUNDABLE"},
        "metadata": {"sku": True},
    },
    "digital loyalty card points": {
        "name": "Points swap",
        "type": "DIGITAL",
        "digital": {"type": "LOYALTY_CARD_POINTS", "loyalty_card_points": {"points": 500, "card_definition_id": "lcdef_0bbb"}},
        "costs": [COST],
        "purchase_limits": None,
        "refunds": None,
    },
    "digital gift voucher": {
        "name": "Gift card",
        "type": "DIGITAL",
        "material": None,
        "digital": {"type": "GIFT_VOUCHERS", "gift_vouchers": {"campaign_id": "camp_Gift1", "balance": 2500.5}, "discount_coupons": None},
        "costs": [COST],
    },
    "digital discount coupon": {
        "name": "Coupon",
        "type": "DIGITAL",
        "digital": {"type": "DISCOUNT_COUPONS", "discount_coupons": {"campaign_id": "camp_Disc1"}},
        "costs": [COST],
    },
}

TS_MIN = {"name": "Tiers", "type": "POINT_BALANCE", "point_balance": {"card_definition_id": CDEF}}

TS_BODIES = {
    "minimal point balance": TS_MIN,
    "point earned, sliding expiration, single-level downgrade": {
        "name": "Yearly tiers",
        "type": "POINT_EARNED",
        "point_balance": None,
        "point_earned": {"card_definition_id": CDEF, "period": {"value": 52, "unit": "WEEK"}, "type": "NEXT_TRACKING_PERIOD"},
        "expiration": {
            "type": "SLIDING_EXPIRATION",
            "sliding_expiration": {"earning_activity": True, "custom_activity_types": ["visit"], "period": None},
        },
        "downgrade": {"type": "SINGLE_LEVEL", "grace_period": {"value": 1, "unit": "MONTH", "round_up": True}},
        "metadata": {"k": "v"},
        "status": "ACTIVE",
    },
    "fixed duration": {
        **TS_MIN,
        "expiration": {"type": "FIXED_DURATION", "fixed_duration": {"period": {"value": 2, "unit": "YEAR"}}},
        "downgrade": {"type": "MULTI_LEVEL"},
    },
    "calendar expiration": {
        **TS_MIN,
        "expiration": {"type": "CALENDAR_EXPIRATION", "calendar_expiration": {"calendar_dates": [{"day": 29, "month": 2}]}},
        "downgrade": {"type": "NO_DOWNGRADE", "grace_period": None},
    },
}

KINDS = {
    "card_definition": (CardDefinitionCreate, card_definition_object, "CardDefinitionCreateRequest", "CardDefinition", CDEF_BODIES),
    "earning_rule": (EarningRuleCreate, earning_rule_object, "EarningRuleCreateRequest", "EarningRuleResponse", ER_BODIES),
    "reward": (RewardCreate, reward_object, "RewardCreateRequest", "RewardResponse", REWARD_BODIES),
    "tier_structure": (TierStructureCreate, tier_structure_object, "TierStructureCreateRequest", "TierStructure", TS_BODIES),
}
VALID_CASES = [pytest.param(kind, label, id=f"{kind}: {label}") for kind, entry in KINDS.items() for label in entry[4]]


# ---------------------------------------------------------------------------------------------------------------------
# Spec examples
# ---------------------------------------------------------------------------------------------------------------------


def request_examples(spec: dict[str, Any], path: str) -> dict[str, Any]:
    """The requestBody examples of `POST <path>` in the spec."""
    content = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    examples = {name: example["value"] for name, example in content.get("examples", {}).items()}
    if "example" in content:
        examples["example"] = content["example"]
    return examples


# Of the four create operations, the spec ships request examples only for rewards (none for card definitions, earning rules or
# tier structures), so only the reward examples are extracted and checked; the valid bodies below cover the other three.
@pytest.mark.parametrize(("path", "model"), [("/v2/loyalties/rewards", RewardCreate)])
def test_given_the_spec_request_examples_when_validated_then_all_but_the_a20_ones_are_accepted(
    spec: dict[str, Any], path: str, model: type[BaseModel]
) -> None:
    # Given every request example of the create operation
    examples = request_examples(spec, path)
    assert examples, f"tests/reference/loyalties-v2.json has no request example for POST {path}: run `make reference`"
    for name, example in examples.items():
        has_cost_tier_rules = any("tier_rules" in cost for cost in example.get("costs", []))
        if has_cost_tier_rules:
            # Then spec-map A20: reward costs carrying tier_rules are refused, as RewardCostCreateRequest says
            error = rejection(model, example)
            assert error["type"] == "extra_forbidden" and error["loc"][-1] == "tier_rules", name
            assert schema_errors(spec, "RewardCreateRequest", example), "the spec schema refuses it too"
        else:
            # Then the example is accepted
            model.model_validate(example)


def test_given_the_a20_reward_example_without_tier_rules_when_built_then_it_matches_the_spec_response_example(
    spec: dict[str, Any],
) -> None:
    # Given the create-reward example with its cost tier_rules removed (A20)
    body = copy.deepcopy(request_examples(spec, "/v2/loyalties/rewards")["Create reward with purchase limits"])
    for cost in body["costs"]:
        cost.pop("tier_rules", None)
    response = spec["paths"]["/v2/loyalties/rewards"]["post"]["responses"]["200"]["content"]["application/json"]
    expected = copy.deepcopy(response["examples"]["Created reward"]["value"])
    # When the reward object is built
    built = reward_object(RewardCreate.model_validate(body))
    # Then it equals the documented response, ids and timestamps aside
    assert re.fullmatch(r"lrcst_[a-f0-9]{18}", built["costs"][0]["id"])
    assert re.fullmatch(r"lrspn_[a-f0-9]{18}", built["costs"][0]["spending"][0]["id"])
    for cost in (*built["costs"], *expected["costs"]):
        cost.pop("id")
        for spending in cost["spending"]:
            spending.pop("id")
    assert list(built) == list(expected)
    assert without_volatile(built) == without_volatile(expected)


@pytest.mark.parametrize(
    ("path", "method"), [("/v2/loyalties/rewards", "post"), ("/v2/loyalties/rewards/{rewardId}", "get"), ("/v2/loyalties/rewards/{rewardId}", "put")]
)
def test_given_the_spec_reward_response_examples_when_checked_then_the_schema_harness_accepts_them(
    spec: dict[str, Any], path: str, method: str
) -> None:
    # Given the documented reward responses (a sanity check of the schema validation used below)
    examples = spec["paths"][path][method]["responses"]["200"]["content"]["application/json"]["examples"]
    assert examples
    for example in examples.values():
        # Then they conform to RewardResponse, and our validator refuses a broken one
        assert schema_errors(spec, "RewardResponse", example["value"]) == []
        assert schema_errors(spec, "RewardResponse", {**example["value"], "costs": [{"spending": []}]})


# ---------------------------------------------------------------------------------------------------------------------
# Valid bodies: accepted, conform to the spec's request schema, and build spec-conformant responses
# ---------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "label"), VALID_CASES)
def test_given_a_valid_body_when_validated_and_built_then_request_and_response_conform_to_the_spec(
    spec: dict[str, Any], kind: str, label: str
) -> None:
    model, build, request_schema, response_schema, bodies = KINDS[kind]
    body = bodies[label]
    # Given a body the spec's own request schema accepts
    assert schema_errors(spec, request_schema, body) == []
    # When it is validated and built
    built = build(model.model_validate(body))
    # Then the response conforms to the spec's response schema, is plain JSON and round-trips through json
    assert schema_errors(spec, response_schema, built) == []
    assert_plain_json(built)
    assert json.loads(json.dumps(built)) == built
    assert built["object"] == kind
    assert re.fullmatch(r"l[a-z]+_[a-f0-9]{18}", built["id"])
    assert ISO_MS.match(built["created_at"]) and built["updated_at"] is None
    assert isinstance(built["metadata"], dict)


@pytest.mark.parametrize(("kind", "label"), VALID_CASES)
def test_given_a_valid_body_when_built_twice_then_ids_differ_and_the_body_is_untouched(kind: str, label: str) -> None:
    model, build, _, _, bodies = KINDS[kind]
    body = copy.deepcopy(bodies[label])
    validated = model.model_validate(body)
    # When the same validated body is built twice
    first, second = build(validated), build(validated)
    # Then each object gets its own id, and the caller's dict is not modified
    assert first["id"] != second["id"]
    assert body == bodies[label]
    first["metadata"]["mutated"] = True
    assert "mutated" not in (validated.model_dump().get("metadata") or {})


# ---------------------------------------------------------------------------------------------------------------------
# Defaults
# ---------------------------------------------------------------------------------------------------------------------


def test_given_a_minimal_card_definition_when_built_then_it_gets_the_documented_defaults() -> None:
    # Given / When
    built = card_definition_object(CardDefinitionCreate.model_validate({"name": "x", "type": "INDIVIDUAL"}))
    # Then
    assert re.fullmatch(r"lcdef_[a-f0-9]{18}", built["id"])
    assert without_volatile(built) == {
        "name": "x",
        "type": "INDIVIDUAL",
        "status": "DRAFT",
        "code_config": {"pattern": "##########", "length": 10, "charset": DEFAULT_CHARSET, "prefix": "", "postfix": ""},
        "points_expiration": {"type": "NO_EXPIRATION"},
        "pending_points": {"type": "IMMEDIATE"},
        "earning_limits": {"global": {"type": "NO_LIMIT", "limits": []}, "transactions": {"type": "NO_LIMIT", "limits": []}},
        "spending_limits": {"global": {"type": "NO_LIMIT", "limits": []}, "transactions": {"type": "NO_LIMIT", "limits": []}},
        "refunds": {"spent_points": {"type": "NONE", "methods": []}, "earned_points": {"type": "NONE", "methods": []}},
        "balance_settings": {"allow_negative": False},
        "pay_with_points": {"type": "NO_PAYMENTS"},
        "metadata": {},
        "updated_at": None,
        "object": "card_definition",
    }
    assert DEFAULT_CHARSET == "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@pytest.mark.parametrize(
    ("code_config", "expected"),
    [
        ({"length": 6}, {"pattern": "######", "length": 6}),
        ({"pattern": "AB-###-##"}, {"pattern": "AB-###-##", "length": 5}),
        ({"pattern": "####", "length": 12}, {"pattern": "####", "length": 4}),
        ({"length": None, "pattern": None, "charset": None, "prefix": None, "postfix": None}, {"pattern": "#" * 10, "length": 10}),
    ],
)
def test_given_a_code_config_when_built_then_length_follows_the_pattern_placeholders(code_config: dict[str, Any], expected: dict[str, Any]) -> None:
    # Given a code_config; When built; Then a pattern wins over length (its '#' count is the length)
    built = card_definition_object(CardDefinitionCreate.model_validate({**CDEF_MIN, "code_config": code_config}))
    assert {k: built["code_config"][k] for k in ("pattern", "length")} == expected
    assert type(built["code_config"]["length"]) is int


@pytest.mark.parametrize(("formula", "text"), [(0.01, "0.01"), (2.0, "2"), (3, "3"), ("0.5", "0.5"), (" 2.5 ", " 2.5 ")])
def test_given_an_exchange_ratio_formula_when_built_then_it_is_always_a_string(formula: Any, text: str) -> None:
    body = {**CDEF_MIN, "pay_with_points": {"type": "EXCHANGE_RATIO", "exchange_ratio": {"formula": formula}}}
    built = card_definition_object(CardDefinitionCreate.model_validate(body))
    assert built["pay_with_points"] == {"type": "EXCHANGE_RATIO", "exchange_ratio": {"formula": text}}


@pytest.mark.parametrize("formula", ["POINTS * 0.5", "POINTS / 100", "1/2", "0", 0, -1, "-2", "abc", "1e999", True, "nan"])
def test_given_an_exchange_ratio_formula_this_server_cannot_evaluate_when_validated_then_it_is_refused(formula: Any) -> None:
    # Only what can be evaluated exactly is stored: a positive number, or a string holding one (never stored and ignored)
    body = {**CDEF_MIN, "pay_with_points": {"type": "EXCHANGE_RATIO", "exchange_ratio": {"formula": formula}}}
    with pytest.raises(ValidationError):
        CardDefinitionCreate.model_validate(body)


@pytest.mark.parametrize(("formula", "ratio"), [(1, Fraction(1)), ("2.5", Fraction(5, 2)), (0.01, Fraction(1, 100)), ("100", Fraction(100))])
def test_given_an_exchange_ratio_then_its_exact_value_is_the_amount_in_cents_one_point_pays(formula: Any, ratio: Fraction) -> None:
    assert exchange_ratio(formula) == ratio


def test_given_a_sliding_expiration_when_built_then_every_flag_and_the_activity_types_are_listed() -> None:
    body = {
        **CDEF_MIN,
        "points_expiration": {"type": "SLIDING_EXPIRATION", "sliding_expiration": {"earning_activity": True, "period": {"unit": "DAY", "value": 7}}},
    }
    built = card_definition_object(CardDefinitionCreate.model_validate(body))
    assert built["points_expiration"] == {
        "type": "SLIDING_EXPIRATION",
        "sliding_expiration": {
            "earning_activity": True,
            "spending_activity": False,
            "custom_activity": False,
            "custom_activity_types": [],
            "period": {"value": 7, "unit": "DAY"},
        },
    }


def test_given_a_minimal_earning_rule_when_built_then_it_gets_the_documented_defaults() -> None:
    built = earning_rule_object(EarningRuleCreate.model_validate(ER_MIN))
    assert re.fullmatch(r"lern_[a-f0-9]{18}", built["id"])
    assert re.fullmatch(r"lernei_[a-f0-9]{18}", built["earnings"][0].pop("id"))
    assert without_volatile(built) == {
        "name": "Order points",
        "status": "DRAFT",
        "earnings": [{"name": None, "rules": None, "tier_rules": {"type": "NO_REQUIREMENTS"}, "effects": [POINTS_EFFECT]}],
        "trigger": {"event": "customer.order.paid", "custom_event": None, "segment": None},
        "error": None,
        "validity_hours": {"type": "ANY_TIME"},
        "start_date": None,
        "end_date": None,
        "trigger_limits": {"cooldown": {"type": "NO_COOLDOWN"}, "frequency": {"type": "NO_LIMIT", "limits": []}},
        "metadata": {},
        "updated_at": None,
        "object": "earning_rule",
    }


def test_given_an_earning_rule_with_options_when_built_then_values_are_kept_and_normalised() -> None:
    built = earning_rule_object(EarningRuleCreate.model_validate(ER_BODIES["order paid with every option"]))
    assert built["start_date"] == "2026-01-01T00:00:00.000Z" and built["end_date"] == "2026-12-31T23:59:59.999Z"
    assert built["status"] == "ACTIVE"
    rules = built["earnings"][0]["rules"]
    assert list(rules) == ["logic", "1", "2", "3"]
    assert rules["2"]["conditions"] == {"$in": [{"id": "seg_abc", "object": "segment"}]}
    assert rules["3"]["rules"]["1"]["conditions"] == {"$dow": [0, 6], "$is": ["x", True]}
    amount = built["earnings"][0]["effects"][1]["points_proportional"]["order_items"]["amount"]
    assert amount["value"] == 2.5 and type(amount["every"]) is int
    assert built["earnings"][0]["effects"][2] == {"type": "BENEFIT", "benefit": {"id": "lben_0123abc"}}
    assert built["earnings"][0]["id"] != built["earnings"][1]["id"]
    assert built["trigger_limits"]["frequency"]["limits"][0]["triggers"] == {"max": 3}


def test_given_an_integral_float_amount_when_built_then_it_is_stored_as_an_int() -> None:
    body = copy.deepcopy(ER_BODIES["segment entered"])
    body["earnings"][0]["effects"][0]["points_proportional"]["customer"]["metadata"]["value"] = 3.0
    built = earning_rule_object(EarningRuleCreate.model_validate(body))
    value = built["earnings"][0]["effects"][0]["points_proportional"]["customer"]["metadata"]["value"]
    assert value == 3 and type(value) is int


def test_given_a_minimal_reward_when_built_then_it_gets_the_documented_defaults() -> None:
    built = reward_object(RewardCreate.model_validate(REWARD_MIN))
    cost = built["costs"][0]
    assert re.fullmatch(r"lrcst_[a-f0-9]{18}", cost.pop("id"))
    assert re.fullmatch(r"lrspn_[a-f0-9]{18}", cost["spending"][0].pop("id"))
    assert "digital" not in built and "rules" not in cost
    assert without_volatile(built) == {
        "name": "Mug",
        "type": "MATERIAL",
        "status": "DRAFT",
        "start_date": None,
        "end_date": None,
        "validity_hours": {"type": "ANY_TIME"},
        "material": {"type": "PRODUCT", "product": {"id": "prod_0abc"}},
        "refunds": {"type": "NONE"},
        "costs": [{"spending": [{"name": None, "points": 100, "card_definition_id": CDEF}]}],
        "purchase_limits": {"cooldown": {"type": "NO_COOLDOWN"}, "frequency": {"type": "NO_LIMIT", "limits": []}},
        "metadata": {},
        "updated_at": None,
        "object": "reward",
    }


def test_given_a_reward_with_options_when_built_then_only_the_matching_parts_are_present() -> None:
    built = reward_object(RewardCreate.model_validate(REWARD_BODIES["material SKU with every option"]))
    assert built["material"] == {"type": "SKU", "sku": {"product_id": "prod_0abc", "id": "sku_0def"}}
    assert "digital" not in built
    assert built["start_date"] == "2026-03-01T08:00:00.000Z"
    assert built["costs"][0]["spending"][0]["id"] == "lrspn_0123abcdef"
    assert built["costs"][0]["rules"]["2"] == {
        "name": "member.metadata",
        "property": "level",
        "conditions": {"$more_than": [2]},
        "error": {"message": "Level 3+"},
    }
    assert "rules" not in built["costs"][1]
    assert built["purchase_limits"] == {"cooldown": {"type": "NO_COOLDOWN"}, "frequency": {"type": "NO_LIMIT", "limits": []}}
    digital = reward_object(RewardCreate.model_validate(REWARD_BODIES["digital gift voucher"]))
    assert digital["digital"] == {"type": "GIFT_VOUCHERS", "gift_vouchers": {"campaign_id": "camp_Gift1", "balance": 2500.5}}
    assert "material" not in digital


def test_given_a_minimal_tier_structure_when_built_then_it_gets_the_documented_defaults() -> None:
    built = tier_structure_object(TierStructureCreate.model_validate(TS_MIN))
    assert re.fullmatch(r"lts_[a-f0-9]{18}", built["id"])
    assert without_volatile(built) == {
        "name": "Tiers",
        "type": "POINT_BALANCE",
        "point_balance": {"card_definition_id": CDEF},
        "expiration": {"type": "NO_RETENTION"},
        "downgrade": {"type": "NO_DOWNGRADE"},
        "metadata": {},
        "status": "DRAFT",
        "updated_at": None,
        "object": "tier_structure",
    }


def test_given_a_sliding_tier_expiration_without_types_when_built_then_types_default_to_an_empty_array() -> None:
    body = {**TS_MIN, "expiration": {"type": "SLIDING_EXPIRATION", "sliding_expiration": {"period": {"value": 3, "unit": "MONTH"}}}}
    built = tier_structure_object(TierStructureCreate.model_validate(body))
    assert built["expiration"] == {
        "type": "SLIDING_EXPIRATION",
        "sliding_expiration": {"custom_activity_types": [], "period": {"value": 3, "unit": "MONTH"}},
    }


# ---------------------------------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------------------------------

LONG_NAME = "n" * 201


def cdef(**changes: Any) -> dict[str, Any]:
    """A card definition body: the minimal one with changes."""
    return with_changes(CDEF_MIN, **changes)


def er(**changes: Any) -> dict[str, Any]:
    """An earning rule body: the minimal one with changes."""
    return with_changes(ER_MIN, **changes)


def er_effect(effect: dict[str, Any]) -> dict[str, Any]:
    """An earning rule body with one earning holding `effect`."""
    return er(earnings=[{"effects": [effect]}])


def er_rules(rules: dict[str, Any], event: str = "customer.order.paid", **trigger: Any) -> dict[str, Any]:
    """An earning rule body whose one earning has `rules`."""
    return er(trigger={"event": event, **trigger}, earnings=[{"rules": rules, "effects": [POINTS_EFFECT]}])


def proportional(calculation_type: str, **sources: Any) -> dict[str, Any]:
    """An earning rule body with one POINTS_PROPORTIONAL effect."""
    body = {"calculation_type": calculation_type, "card_definition_id": CDEF, **sources}
    return er_effect({"type": "POINTS_PROPORTIONAL", "points_proportional": body})


def reward(**changes: Any) -> dict[str, Any]:
    """A reward body: the minimal one with changes."""
    return with_changes(REWARD_MIN, **changes)


def cost_rules(rules: dict[str, Any]) -> dict[str, Any]:
    """A reward body whose one cost has `rules`."""
    return reward(costs=[{**COST, "rules": rules}])


def ts(**changes: Any) -> dict[str, Any]:
    """A tier structure body: the minimal one with changes."""
    return with_changes(TS_MIN, **changes)


def rolling(period: dict[str, Any], rounding: Any = None) -> dict[str, Any]:
    """A card definition body with a rolling expiration."""
    return cdef(points_expiration={"type": "ROLLING_EXPIRATION", "rolling_expiration": {"period": period, "rounding": rounding}})


def sliding(**fields: Any) -> dict[str, Any]:
    """A card definition body with a sliding expiration (7 days unless `period` is given)."""
    return cdef(points_expiration={"type": "SLIDING_EXPIRATION", "sliding_expiration": {"period": {"unit": "DAY", "value": 7}, **fields}})


def earned_method(method: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A card definition body with one earned-points refund method."""
    refunds = {"spent_points": {"type": "NONE"}, "earned_points": {"type": "REFUNDABLE", "methods": [method]}}
    return cdef(refunds=refunds, **changes)


def global_limits(limits: Any, kind: str = "LIMITED") -> dict[str, Any]:
    """A card definition body with these global earning limits."""
    return cdef(earning_limits={"global": {"type": kind, "limits": limits}, "transactions": {"type": "NO_LIMIT"}})


def trigger_limits(**limits: Any) -> dict[str, Any]:
    """An earning rule body with these trigger limits."""
    return er(trigger_limits=limits)


ALLOW_NEGATIVE = {"allow_negative": True}
PENDING_PERIOD = {"type": "PERIOD_BASED", "period_based": {"period": {"unit": "DAY", "value": 1}}}

# (id, model, body, loc of the first error, fragment of its message, whether the spec's JSON schema refuses it too)
BAD_INPUT: list[tuple[str, type[BaseModel], dict[str, Any], tuple[Any, ...], str, bool]] = [
    # -- missing / unknown / wrong types / ranges (all four models)
    ("cdef missing name", CardDefinitionCreate, {"type": "INDIVIDUAL"}, ("name",), "Field required", True),
    ("er missing name", EarningRuleCreate, er(name=...), ("name",), "Field required", True),
    ("reward missing name", RewardCreate, reward(name=...), ("name",), "Field required", True),
    ("ts missing name", TierStructureCreate, ts(name=...), ("name",), "Field required", True),
    ("reward missing costs", RewardCreate, reward(costs=...), ("costs",), "Field required", True),
    ("er missing trigger", EarningRuleCreate, er(trigger=...), ("trigger",), "Field required", True),
    ("cdef unknown top-level field", CardDefinitionCreate, cdef(colour="red"), ("colour",), "Extra inputs", True),
    ("er unknown top-level field", EarningRuleCreate, er(program_id="lprg_1"), ("program_id",), "Extra inputs", True),
    ("reward unknown top-level field", RewardCreate, reward(stock=5), ("stock",), "Extra inputs", True),
    ("ts unknown top-level field", TierStructureCreate, ts(tiers=[]), ("tiers",), "Extra inputs", True),
    ("cdef unknown nested field", CardDefinitionCreate, cdef(code_config={"size": 5}), ("code_config", "size"), "Extra inputs", True),
    ("er unknown nested field", EarningRuleCreate, er(trigger={"event": "customer.order.paid", "x": 1}), ("trigger", "x"), "Extra", True),
    (
        "reward unknown spending field",
        RewardCreate,
        reward(costs=[{"spending": [{"points": 1, "card_definition_id": CDEF, "cost": 1}]}]),
        ("costs", 0, "spending", 0, "cost"),
        "Extra inputs",
        True,
    ),
    ("ts unknown nested field", TierStructureCreate, ts(point_balance={"card_definition_id": CDEF, "x": 1}), ("point_balance", "x"), "Extra", True),
    ("cdef name too long", CardDefinitionCreate, cdef(name=LONG_NAME), ("name",), "at most 200", True),
    ("er name too long", EarningRuleCreate, er(name=LONG_NAME), ("name",), "at most 200", True),
    ("reward name too long", RewardCreate, reward(name=LONG_NAME), ("name",), "at most 200", True),
    ("ts name too long", TierStructureCreate, ts(name=LONG_NAME), ("name",), "at most 200", True),
    ("cdef empty name", CardDefinitionCreate, cdef(name=""), ("name",), "at least 1", True),
    ("cdef int for string", CardDefinitionCreate, cdef(name=123), ("name",), "valid string", True),
    (
        "reward string for int",
        RewardCreate,
        reward(costs=[{"spending": [{"points": "100", "card_definition_id": CDEF}]}]),
        ("costs", 0, "spending", 0, "points"),
        "valid integer",
        True,
    ),
    (
        "reward float for int",
        RewardCreate,
        reward(costs=[{"spending": [{"points": 10.5, "card_definition_id": CDEF}]}]),
        ("costs", 0, "spending", 0, "points"),
        "valid integer",
        True,
    ),
    (
        "er bool for int",
        EarningRuleCreate,
        er_effect({"type": "POINTS", "points": {"value": True, "card_definition_id": CDEF}}),
        ("earnings", 0, "effects", 0, "points", "value"),
        "valid integer",
        True,
    ),
    (
        "cdef string for bool",
        CardDefinitionCreate,
        cdef(balance_settings={"allow_negative": "false"}),
        ("balance_settings", "allow_negative"),
        "boolean",
        True,
    ),
    ("cdef metadata not an object", CardDefinitionCreate, cdef(metadata=[1]), ("metadata",), "dictionary", True),
    (
        "reward zero points",
        RewardCreate,
        reward(costs=[{"spending": [{"points": 0, "card_definition_id": CDEF}]}]),
        ("costs", 0, "spending", 0, "points"),
        "greater than or equal to 1",
        True,
    ),
    (
        "er negative points",
        EarningRuleCreate,
        er_effect({"type": "POINTS", "points": {"value": -1, "card_definition_id": CDEF}}),
        ("earnings", 0, "effects", 0, "points", "value"),
        "greater than or equal to 0",
        True,
    ),
    (
        "er points above 2^53-1",
        EarningRuleCreate,
        er_effect({"type": "POINTS", "points": {"value": 2**53, "card_definition_id": CDEF}}),
        ("earnings", 0, "effects", 0, "points", "value"),
        "less than or equal to 9007199254740991",
        True,
    ),
    ("er no earnings", EarningRuleCreate, er(earnings=[]), ("earnings",), "at least 1", True),
    ("er no effects", EarningRuleCreate, er(earnings=[{"effects": []}]), ("earnings", 0, "effects"), "at least 1", True),
    ("reward no costs", RewardCreate, reward(costs=[]), ("costs",), "at least 1", True),
    ("reward 11 costs", RewardCreate, reward(costs=[COST] * 11), ("costs",), "at most 10", True),
    (
        "reward two spendings in a cost",
        RewardCreate,
        reward(costs=[{"spending": COST["spending"] * 2}]),
        ("costs", 0, "spending"),
        "at most 1",
        True,
    ),
    # -- enum typos
    ("cdef type typo", CardDefinitionCreate, cdef(type="INDIVIDUALS"), ("type",), "'INDIVIDUAL'", True),
    ("cdef status not allowed on create", CardDefinitionCreate, cdef(status="DELETED"), ("status",), "'DRAFT'", True),
    ("cdef pending type typo", CardDefinitionCreate, cdef(pending_points={"type": "IMMEDIATELY"}), ("pending_points", "type"), "'IMMEDIATE'", True),
    ("er event typo", EarningRuleCreate, er(trigger={"event": "customer.order.payed"}), ("trigger", "event"), "customer.order.paid", True),
    ("er status INACTIVE on create", EarningRuleCreate, er(status="INACTIVE"), ("status",), "'ACTIVE'", True),
    ("reward type lowercase", RewardCreate, reward(type="material"), ("type",), "'MATERIAL'", True),
    ("ts type typo", TierStructureCreate, ts(type="POINTS_BALANCE"), ("type",), "'POINT_BALANCE'", True),
    (
        "cdef rule-like unit typo",
        CardDefinitionCreate,
        rolling({"unit": "WEEK", "value": 1}),
        ("points_expiration", "rolling_expiration", "period", "unit"),
        "'DAY'",
        True,
    ),
    # -- explicit null where the spec does not allow it
    ("er null status", EarningRuleCreate, er(status=None), ("status",), "must not be null", True),
    ("reward null cost rules", RewardCreate, reward(costs=[{**COST, "rules": None}]), ("costs", 0, "rules"), "must not be null", True),
    (
        "er null sibling effect",
        EarningRuleCreate,
        er_effect({**POINTS_EFFECT, "benefit": None}),
        ("earnings", 0, "effects", 0, "benefit"),
        "must not be null",
        True,
    ),
    # -- id prefixes and patterns
    (
        "reward wrong card definition prefix",
        RewardCreate,
        reward(costs=[{"spending": [{"points": 1, "card_definition_id": "lcd_0abc"}]}]),
        ("costs", 0, "spending", 0, "card_definition_id"),
        "pattern",
        True,
    ),
    (
        "reward upper-case hex id",
        RewardCreate,
        reward(costs=[{"spending": [{"points": 1, "card_definition_id": "lcdef_0ABC"}]}]),
        ("costs", 0, "spending", 0, "card_definition_id"),
        "pattern",
        True,
    ),
    (
        "reward wrong spending id prefix",
        RewardCreate,
        reward(costs=[{"spending": [{"id": "lrsp_0abc", "points": 1, "card_definition_id": CDEF}]}]),
        ("costs", 0, "spending", 0, "id"),
        "pattern",
        True,
    ),
    (
        "er wrong benefit prefix",
        EarningRuleCreate,
        er_effect({"type": "BENEFIT", "benefit": {"id": "ben_0abc"}}),
        ("earnings", 0, "effects", 0, "benefit", "id"),
        "pattern",
        True,
    ),
    (
        "er wrong tier id prefix",
        EarningRuleCreate,
        er(
            earnings=[
                {"tier_rules": {"type": "ANY_OF", "any_of": [{"tier_structure_id": "lts_01", "tier_ids": ["ltr_01"]}]}, "effects": [POINTS_EFFECT]}
            ]
        ),
        ("earnings", 0, "tier_rules", "any_of", 0, "tier_ids", 0),
        "pattern",
        True,
    ),
    (
        "er wrong segment prefix",
        EarningRuleCreate,
        er(trigger={"event": "customer.segment.entered", "segment": {"id": "sg_1"}}),
        ("trigger", "segment", "id"),
        "pattern",
        True,
    ),
    (
        "ts wrong card definition prefix",
        TierStructureCreate,
        ts(point_balance={"card_definition_id": "lts_01"}),
        ("point_balance", "card_definition_id"),
        "pattern",
        True,
    ),
    (
        "reward wrong product prefix",
        RewardCreate,
        reward(material={"type": "PRODUCT", "product": {"id": "prd_01"}}),
        ("material", "product", "id"),
        "pattern",
        True,
    ),
    (
        "cdef wrong event schema prefix",
        CardDefinitionCreate,
        cdef(pending_points={"type": "EVENT_BASED", "event_based": {"event_types": ["evt_1"], "cancel_period": {"unit": "DAY", "value": 1}}}),
        ("pending_points", "event_based", "event_types", 0),
        "pattern",
        True,
    ),
    # -- period maxima per unit
    (
        "cdef rolling 6 years",
        CardDefinitionCreate,
        rolling({"unit": "YEAR", "value": 6}),
        ("points_expiration", "rolling_expiration", "period", "value"),
        "less than or equal to 5 when unit is YEAR",
        False,
    ),
    (
        "cdef rolling 13 months",
        CardDefinitionCreate,
        rolling({"unit": "MONTH", "value": 13}),
        ("points_expiration", "rolling_expiration", "period", "value"),
        "12 when unit is MONTH",
        False,
    ),
    (
        "cdef rolling 91 days",
        CardDefinitionCreate,
        rolling({"unit": "DAY", "value": 91}),
        ("points_expiration", "rolling_expiration", "period", "value"),
        "90 when unit is DAY",
        True,
    ),
    (
        "cdef rolling 0 days",
        CardDefinitionCreate,
        rolling({"unit": "DAY", "value": 0}),
        ("points_expiration", "rolling_expiration", "period", "value"),
        "greater than or equal to 1",
        True,
    ),
    (
        "cdef sliding 2 years",
        CardDefinitionCreate,
        sliding(earning_activity=True, period={"unit": "YEAR", "value": 2}),
        ("points_expiration", "sliding_expiration", "period", "value"),
        "1 when unit is YEAR",
        False,
    ),
    (
        "cdef pending 2 years",
        CardDefinitionCreate,
        cdef(pending_points={"type": "PERIOD_BASED", "period_based": {"period": {"unit": "YEAR", "value": 2}}}),
        ("pending_points", "period_based", "period", "value"),
        "1 when unit is YEAR",
        False,
    ),
    (
        "er cooldown 25 hours",
        EarningRuleCreate,
        trigger_limits(cooldown={"type": "FIXED_COOLDOWN", "fixed_cooldown": {"period": {"value": 25, "unit": "HOUR"}}}),
        ("trigger_limits", "cooldown", "fixed_cooldown", "period", "value"),
        "24 when unit is HOUR",
        True,
    ),
    (
        "reward cooldown 53 weeks",
        RewardCreate,
        reward(purchase_limits={"cooldown": {"type": "FIXED_COOLDOWN", "fixed_cooldown": {"period": {"value": 53, "unit": "WEEK"}}}}),
        ("purchase_limits", "cooldown", "fixed_cooldown", "period", "value"),
        "52 when unit is WEEK",
        False,
    ),
    (
        "ts tracking 6 years",
        TierStructureCreate,
        ts(
            type="POINT_EARNED",
            point_balance=...,
            point_earned={"card_definition_id": CDEF, "period": {"value": 6, "unit": "YEAR"}, "type": "IMMEDIATELY"},
        ),
        ("point_earned", "period", "value"),
        "5 when unit is YEAR",
        True,
    ),
    # -- calendar days limited by month
    (
        "cdef 30 February",
        CardDefinitionCreate,
        cdef(points_expiration={"type": "CALENDAR_EXPIRATION", "calendar_expiration": {"expiration_dates": [{"day": 30, "month": 2}]}}),
        ("points_expiration", "calendar_expiration", "expiration_dates", 0, "day"),
        "29 when month is 2",
        False,
    ),
    (
        "cdef 31 April",
        CardDefinitionCreate,
        cdef(pending_points={"type": "FIXED_DATES", "fixed_dates": {"dates": [{"day": 31, "month": 4}]}}),
        ("pending_points", "fixed_dates", "dates", 0, "day"),
        "30 when month is 4",
        False,
    ),
    (
        "ts 31 September",
        TierStructureCreate,
        ts(expiration={"type": "CALENDAR_EXPIRATION", "calendar_expiration": {"calendar_dates": [{"day": 31, "month": 9}]}}),
        ("expiration", "calendar_expiration", "calendar_dates", 0, "day"),
        "30 when month is 9",
        True,
    ),
    (
        "cdef month 13",
        CardDefinitionCreate,
        cdef(pending_points={"type": "FIXED_DATES", "fixed_dates": {"dates": [{"day": 1, "month": 13}]}}),
        ("pending_points", "fixed_dates", "dates", 0, "month"),
        "less than or equal to 12",
        True,
    ),
    (
        "cdef 21 calendar dates",
        CardDefinitionCreate,
        cdef(pending_points={"type": "FIXED_DATES", "fixed_dates": {"dates": [{"day": 1, "month": 1}] * 21}}),
        ("pending_points", "fixed_dates", "dates"),
        "at most 20",
        True,
    ),
    # -- card definition: exactly the sub-object matching type
    (
        "cdef rolling without config",
        CardDefinitionCreate,
        cdef(points_expiration={"type": "ROLLING_EXPIRATION"}),
        ("points_expiration", "rolling_expiration"),
        "is required when type is ROLLING_EXPIRATION",
        False,
    ),
    (
        "cdef no-expiration with config",
        CardDefinitionCreate,
        cdef(points_expiration={"type": "NO_EXPIRATION", "calendar_expiration": {"expiration_dates": [{"day": 1, "month": 1}]}}),
        ("points_expiration", "calendar_expiration"),
        "is not allowed when type is NO_EXPIRATION",
        False,
    ),
    (
        "cdef event-based without config",
        CardDefinitionCreate,
        cdef(pending_points={"type": "EVENT_BASED", "period_based": {"period": {"unit": "DAY", "value": 1}}}),
        ("pending_points", "event_based"),
        "is required when type is EVENT_BASED",
        False,
    ),
    (
        "cdef rounding month missing",
        CardDefinitionCreate,
        rolling({"unit": "DAY", "value": 1}, {"type": "END_OF_PARTICULAR_MONTH"}),
        ("points_expiration", "rolling_expiration", "rounding", "value"),
        "is required when type is END_OF_PARTICULAR_MONTH",
        False,
    ),
    (
        "cdef rounding month not allowed",
        CardDefinitionCreate,
        rolling({"unit": "DAY", "value": 1}, {"type": "END_OF_MONTH", "value": 2}),
        ("points_expiration", "rolling_expiration", "rounding", "value"),
        "is not allowed when type is END_OF_MONTH",
        False,
    ),
    (
        "cdef sliding with no activity",
        CardDefinitionCreate,
        sliding(earning_activity=False),
        ("points_expiration", "sliding_expiration"),
        "at least one of",
        False,
    ),
    (
        "cdef custom activity without types",
        CardDefinitionCreate,
        sliding(custom_activity=True),
        ("points_expiration", "sliding_expiration", "custom_activity_types"),
        "1 to 10 items",
        False,
    ),
    (
        "cdef duplicate custom activity types",
        CardDefinitionCreate,
        sliding(custom_activity=True, custom_activity_types=["ms_a", "ms_a"]),
        ("points_expiration", "sliding_expiration", "custom_activity_types"),
        "duplicate",
        False,
    ),
    (
        "cdef 11 custom activity types",
        CardDefinitionCreate,
        sliding(earning_activity=True, custom_activity_types=[f"ms_{i}" for i in range(11)]),
        ("points_expiration", "sliding_expiration", "custom_activity_types"),
        "at most 10",
        True,
    ),
    (
        "cdef limited without limits",
        CardDefinitionCreate,
        global_limits([]),
        ("earning_limits", "global", "limits"),
        "exactly 1 item when type is LIMITED",
        False,
    ),
    (
        "cdef no-limit with limits",
        CardDefinitionCreate,
        global_limits([{"type": "BALANCE_BASED", "max": 5}], "NO_LIMIT"),
        ("earning_limits", "global", "limits"),
        "must be empty or null when type is NO_LIMIT",
        False,
    ),
    (
        "cdef two global limits",
        CardDefinitionCreate,
        global_limits([{"type": "BALANCE_BASED", "max": 5}] * 2),
        ("earning_limits", "global", "limits"),
        "at most 1",
        True,
    ),
    (
        "cdef balance limit with period",
        CardDefinitionCreate,
        global_limits([{"type": "BALANCE_BASED", "max": 5, "period": PERIOD_TIME_BASED}]),
        ("earning_limits", "global", "limits", 0, "period"),
        "is not allowed when type is BALANCE_BASED",
        True,
    ),
    (
        "cdef time limit without points",
        CardDefinitionCreate,
        global_limits([{"type": "TIME_BASED", "period": PERIOD_TIME_BASED}]),
        ("earning_limits", "global", "limits", 0, "points"),
        "is required when type is TIME_BASED",
        True,
    ),
    (
        "cdef time period without current period",
        CardDefinitionCreate,
        global_limits([{"type": "TIME_BASED", "period": {"type": "CURRENT_PERIOD"}, "points": {"max": 1}}]),
        ("earning_limits", "global", "limits", 0, "period", "current_period"),
        "is required when type is CURRENT_PERIOD",
        False,
    ),
    (
        "cdef spending-based on earning limits",
        CardDefinitionCreate,
        global_limits([{"type": "SPENDING_BASED", "max": 5}]),
        ("earning_limits", "global", "limits", 0, "type"),
        "'BALANCE_BASED'",
        True,
    ),
    (
        "cdef duplicate transaction limit types",
        CardDefinitionCreate,
        cdef(
            earning_limits={
                "global": {"type": "NO_LIMIT"},
                "transactions": {"type": "LIMITED", "limits": [{"type": "POINTS", "max": 1}, {"type": "POINTS", "max": 2}]},
            }
        ),
        ("earning_limits", "transactions", "limits"),
        "duplicate",
        False,
    ),
    (
        "cdef refundable without methods",
        CardDefinitionCreate,
        cdef(refunds={"spent_points": {"type": "REFUNDABLE"}, "earned_points": {"type": "NONE"}}),
        ("refunds", "spent_points", "methods"),
        "exactly 1 item when type is REFUNDABLE",
        False,
    ),
    (
        "cdef none with methods",
        CardDefinitionCreate,
        cdef(
            refunds={
                "spent_points": {"type": "NONE", "methods": [{"type": "RETURN_POINTS", "mode": "REFUND_ALL"}]},
                "earned_points": {"type": "NONE"},
            }
        ),
        ("refunds", "spent_points", "methods"),
        "must be empty or null when type is NONE",
        False,
    ),
    (
        "cdef revoke from balance without mode",
        CardDefinitionCreate,
        earned_method({"type": "REVOKE_FROM_BALANCE"}),
        ("refunds", "earned_points", "methods", 0, "mode"),
        "is required when type is REVOKE_FROM_BALANCE",
        True,
    ),
    (
        "cdef revoke from pending with mode",
        CardDefinitionCreate,
        earned_method({"type": "REVOKE_FROM_PENDING", "mode": "REVOKE_TO_ZERO"}, pending_points=PENDING_PERIOD),
        ("refunds", "earned_points", "methods", 0, "mode"),
        "is not allowed when type is REVOKE_FROM_PENDING",
        True,
    ),
    (
        "cdef exchange ratio missing",
        CardDefinitionCreate,
        cdef(pay_with_points={"type": "EXCHANGE_RATIO"}),
        ("pay_with_points", "exchange_ratio"),
        "is required when type is EXCHANGE_RATIO",
        True,
    ),
    (
        "cdef no payments with ratio",
        CardDefinitionCreate,
        cdef(pay_with_points={"type": "NO_PAYMENTS", "exchange_ratio": {"formula": "1"}}),
        ("pay_with_points", "exchange_ratio"),
        "is not allowed when type is NO_PAYMENTS",
        True,
    ),
    (
        "cdef empty formula",
        CardDefinitionCreate,
        cdef(pay_with_points={"type": "EXCHANGE_RATIO", "exchange_ratio": {"formula": ""}}),
        ("pay_with_points", "exchange_ratio", "formula"),
        "1 to 2000 characters",
        True,
    ),
    ("cdef code length 0", CardDefinitionCreate, cdef(code_config={"length": 0}), ("code_config", "length"), "greater than or equal to 1", False),
    (
        "cdef pattern without placeholders",
        CardDefinitionCreate,
        cdef(code_config={"pattern": "FIXED"}),
        ("code_config", "pattern"),
        "at least one '#' placeholder",
        False,
    ),
    # -- card definition: the cross-field rules of CardDefinitionCreateRequest
    (
        "cdef negative balance with expiration",
        CardDefinitionCreate,
        rolling({"unit": "DAY", "value": 1}) | {"balance_settings": ALLOW_NEGATIVE},
        ("balance_settings", "allow_negative"),
        "only when points_expiration.type is NO_EXPIRATION",
        False,
    ),
    (
        "cdef below zero without negative balance",
        CardDefinitionCreate,
        earned_method({"type": "REVOKE_FROM_BALANCE", "mode": "REVOKE_BELOW_ZERO"}),
        ("refunds", "earned_points", "methods", 0, "mode"),
        "only when balance_settings.allow_negative is true",
        False,
    ),
    (
        "cdef revoke from pending, immediate pending",
        CardDefinitionCreate,
        earned_method({"type": "REVOKE_FROM_PENDING"}, pending_points={"type": "IMMEDIATE"}),
        ("refunds", "earned_points", "methods", 0, "type"),
        "only when pending_points.type is PERIOD_BASED, FIXED_DATES or EVENT_BASED",
        False,
    ),
    (
        "cdef revoke from pending, default pending",
        CardDefinitionCreate,
        earned_method({"type": "REVOKE_FROM_PENDING"}),
        ("refunds", "earned_points", "methods", 0, "type"),
        "REVOKE_FROM_PENDING only when",
        False,
    ),
    # -- earning rule
    (
        "er custom event without context",
        EarningRuleCreate,
        er(trigger={"event": "customer.custom_event"}),
        ("trigger", "custom_event"),
        "is required when event is customer.custom_event",
        True,
    ),
    (
        "er segment entered without segment",
        EarningRuleCreate,
        er(trigger={"event": "customer.segment.entered", "segment": None}),
        ("trigger", "segment"),
        "is required when event is customer.segment.entered",
        True,
    ),
    (
        "er order paid with segment",
        EarningRuleCreate,
        er(trigger={"event": "customer.order.paid", "segment": {"id": "seg_1"}}),
        ("trigger", "segment"),
        "is not allowed when event is customer.order.paid",
        True,
    ),
    (
        "er points effect without points",
        EarningRuleCreate,
        er_effect({"type": "POINTS"}),
        ("earnings", 0, "effects", 0, "points"),
        "is required when type is POINTS",
        True,
    ),
    (
        "er effect with two sub-objects",
        EarningRuleCreate,
        er_effect({**POINTS_EFFECT, "benefit": {"id": "lben_01"}}),
        ("earnings", 0, "effects", 0, "benefit"),
        "is not allowed when type is POINTS",
        True,
    ),
    (
        "er proportional without source",
        EarningRuleCreate,
        proportional("ORDER_ITEMS_QUANTITY"),
        ("earnings", 0, "effects", 0, "points_proportional", "order_items"),
        "is required when calculation_type is ORDER_ITEMS_QUANTITY",
        True,
    ),
    (
        "er proportional missing the key",
        EarningRuleCreate,
        proportional("POST_DISCOUNT_ORDER_AMOUNT", order={"amount": {"every": 1, "value": 1}}),
        ("earnings", 0, "effects", 0, "points_proportional", "order", "total_amount"),
        "is required when calculation_type is POST_DISCOUNT_ORDER_AMOUNT",
        True,
    ),
    (
        "er proportional wrong source",
        EarningRuleCreate,
        proportional(
            "CUSTOMER_METADATA_VALUE", customer={"metadata": {"every": 1, "value": 1, "property": "a"}}, order={"amount": {"every": 1, "value": 1}}
        ),
        ("earnings", 0, "effects", 0, "points_proportional", "order"),
        "is not allowed when calculation_type is CUSTOMER_METADATA_VALUE",
        True,
    ),
    (
        "er proportional every 0",
        EarningRuleCreate,
        proportional("PRE_DISCOUNT_ORDER_AMOUNT", order={"amount": {"every": 0, "value": 1}}),
        ("earnings", 0, "effects", 0, "points_proportional", "order", "amount", "every"),
        "greater than or equal to 1",
        True,
    ),
    (
        "er proportional value as string",
        EarningRuleCreate,
        proportional("PRE_DISCOUNT_ORDER_AMOUNT", order={"amount": {"every": 1, "value": "1"}}),
        ("earnings", 0, "effects", 0, "points_proportional", "order", "amount", "value"),
        "must be number",
        True,
    ),
    (
        "er applicable-to mismatch",
        EarningRuleCreate,
        proportional(
            "ORDER_ITEMS_QUANTITY",
            order_items={"quantity": {"every": 1, "value": 1, "applicable_to": [{"type": "sku", "product": {"id": "prod_01"}}]}},
        ),
        ("earnings", 0, "effects", 0, "points_proportional", "order_items", "quantity", "applicable_to", 0, "sku"),
        "is required when type is sku",
        True,
    ),
    (
        "er tier rules any-of missing",
        EarningRuleCreate,
        er(earnings=[{"tier_rules": {"type": "ANY_OF"}, "effects": [POINTS_EFFECT]}]),
        ("earnings", 0, "tier_rules", "any_of"),
        "is required when type is ANY_OF",
        True,
    ),
    (
        "er tier rules no requirements with any-of",
        EarningRuleCreate,
        er(
            earnings=[
                {
                    "tier_rules": {"type": "NO_REQUIREMENTS", "any_of": [{"tier_structure_id": "lts_01", "tier_ids": ["lt_01"]}]},
                    "effects": [POINTS_EFFECT],
                }
            ]
        ),
        ("earnings", 0, "tier_rules", "any_of"),
        "is not allowed when type is NO_REQUIREMENTS",
        True,
    ),
    (
        "er daily without windows",
        EarningRuleCreate,
        er(validity_hours={"type": "DAILY"}),
        ("validity_hours", "daily"),
        "is required when type is DAILY",
        True,
    ),
    (
        "er any time with windows",
        EarningRuleCreate,
        er(validity_hours={"type": "ANY_TIME", "daily": [{"days_of_week": [1], "start_time": "08:00", "end_time": "09:00"}]}),
        ("validity_hours", "daily"),
        "is not allowed when type is ANY_TIME",
        True,
    ),
    (
        "er duplicate days",
        EarningRuleCreate,
        er(validity_hours={"type": "DAILY", "daily": [{"days_of_week": [1, 1], "start_time": "08:00", "end_time": "09:00"}]}),
        ("validity_hours", "daily", 0, "days_of_week"),
        "duplicate",
        True,
    ),
    (
        "er day 7",
        EarningRuleCreate,
        er(validity_hours={"type": "DAILY", "daily": [{"days_of_week": [7], "start_time": "08:00", "end_time": "09:00"}]}),
        ("validity_hours", "daily", 0, "days_of_week", 0),
        "less than or equal to 6",
        True,
    ),
    (
        "er bad time",
        EarningRuleCreate,
        er(validity_hours={"type": "DAILY", "daily": [{"days_of_week": [1], "start_time": "25:00", "end_time": "09:00"}]}),
        ("validity_hours", "daily", 0, "start_time"),
        "HH:mm",
        False,
    ),
    ("er bad start date", EarningRuleCreate, er(start_date="tomorrow"), ("start_date",), "ISO 8601", False),
    ("er rules without numbered rule", EarningRuleCreate, er_rules({"logic": "1"}), ("earnings", 0, "rules"), "at least one numbered rule", True),
    ("er rules key 01", EarningRuleCreate, er_rules({"logic": "1", "01": {}}), ("earnings", 0, "rules", "01"), "Extra inputs", True),
    ("er rules key name", EarningRuleCreate, er_rules({"logic": "1", "1": {}, "first": {}}), ("earnings", 0, "rules", "first"), "Extra inputs", True),
    ("er rules without logic", EarningRuleCreate, er_rules({"1": {}}), ("earnings", 0, "rules", "logic"), "Field required", True),
    (
        "er rule not an object",
        EarningRuleCreate,
        er_rules({"logic": "1", "1": "order.amount"}),
        ("earnings", 0, "rules", "1"),
        "valid dictionary",
        True,
    ),
    (
        "er rule name typo",
        EarningRuleCreate,
        er_rules({"logic": "1", "1": {"name": "order.amnt"}}),
        ("earnings", 0, "rules", "1", "name"),
        "'customer.segment'",
        True,
    ),
    (
        "er rule name for another trigger",
        EarningRuleCreate,
        er_rules({"logic": "1", "1": {"rules": {"logic": "1", "1": {"name": "order.amount"}}}}, "customer.segment.entered", segment={"id": "seg_1"}),
        ("earnings", 0, "rules", "1", "rules", "1", "name"),
        "is not allowed when trigger.event is customer.segment.entered",
        False,
    ),
    (
        "er custom event rule on order trigger",
        EarningRuleCreate,
        er_rules({"logic": "1", "1": {"name": "custom_event.metadata"}}),
        ("earnings", 0, "rules", "1", "name"),
        "is not allowed when trigger.event is customer.order.paid",
        False,
    ),
    (
        "er unknown operator",
        EarningRuleCreate,
        er_rules({"logic": "1", "1": {"conditions": {"$like": ["a"]}}}),
        ("earnings", 0, "rules", "1", "conditions", "$like"),
        "Extra inputs",
        True,
    ),
    (
        "er empty operator values",
        EarningRuleCreate,
        er_rules({"logic": "1", "1": {"conditions": {"$is": []}}}),
        ("earnings", 0, "rules", "1", "conditions", "$is"),
        "at least 1",
        True,
    ),
    (
        "er float condition value",
        EarningRuleCreate,
        er_rules({"logic": "1", "1": {"conditions": {"$is": [1.5]}}}),
        ("earnings", 0, "rules", "1", "conditions", "$is", 0),
        "an object, a string, an integer or a boolean",
        True,
    ),
    (
        "er dow out of range",
        EarningRuleCreate,
        er_rules({"logic": "1", "1": {"conditions": {"$dow": [7]}}}),
        ("earnings", 0, "rules", "1", "conditions", "$dow", 0),
        "from 0 to 6",
        True,
    ),
    (
        "er rule error message empty",
        EarningRuleCreate,
        er_rules({"logic": "1", "1": {"error": {"message": ""}}}),
        ("earnings", 0, "rules", "1", "error", "message"),
        "at least 1",
        True,
    ),
    (
        "er fixed cooldown missing",
        EarningRuleCreate,
        trigger_limits(cooldown={"type": "FIXED_COOLDOWN"}),
        ("trigger_limits", "cooldown", "fixed_cooldown"),
        "is required when type is FIXED_COOLDOWN",
        True,
    ),
    (
        "er limited frequency without limits",
        EarningRuleCreate,
        trigger_limits(frequency={"type": "LIMITED", "limits": []}),
        ("trigger_limits", "frequency", "limits"),
        "exactly 1 item when type is LIMITED",
        True,
    ),
    (
        "er no-limit frequency with limits",
        EarningRuleCreate,
        trigger_limits(frequency={"type": "NO_LIMIT", "limits": [{"type": "TIME_BASED", "period": PERIOD_TIME_BASED, "triggers": {"max": 1}}]}),
        ("trigger_limits", "frequency", "limits"),
        "must be empty or null when type is NO_LIMIT",
        True,
    ),
    (
        "er frequency triggers 0",
        EarningRuleCreate,
        trigger_limits(frequency={"type": "LIMITED", "limits": [{"type": "TIME_BASED", "period": PERIOD_TIME_BASED, "triggers": {"max": 0}}]}),
        ("trigger_limits", "frequency", "limits", 0, "triggers", "max"),
        "greater than or equal to 1",
        True,
    ),
    (
        "er effect expiration mismatch",
        EarningRuleCreate,
        er_effect({"type": "POINTS", "points": {"value": 1, "card_definition_id": CDEF, "points_expiration": {"type": "SLIDING_EXPIRATION"}}}),
        ("earnings", 0, "effects", 0, "points", "points_expiration", "sliding_expiration"),
        "is required when type is SLIDING_EXPIRATION",
        True,
    ),
    # -- reward
    ("reward material missing", RewardCreate, reward(material=None), ("material",), "is required when type is MATERIAL", False),
    (
        "reward material with digital",
        RewardCreate,
        reward(digital={"type": "DISCOUNT_COUPONS", "discount_coupons": {"campaign_id": "camp_1"}}),
        ("digital",),
        "is not allowed when type is MATERIAL",
        False,
    ),
    ("reward digital missing", RewardCreate, reward(type="DIGITAL", material=...), ("digital",), "is required when type is DIGITAL", False),
    (
        "reward digital with two sub-objects",
        RewardCreate,
        reward(
            type="DIGITAL",
            material=...,
            digital={
                "type": "GIFT_VOUCHERS",
                "gift_vouchers": {"campaign_id": "camp_1", "balance": 1},
                "loyalty_card_points": {"points": 1, "card_definition_id": CDEF},
            },
        ),
        ("digital", "loyalty_card_points"),
        "is not allowed when type is GIFT_VOUCHERS",
        False,
    ),
    (
        "reward digital sub-object missing",
        RewardCreate,
        reward(type="DIGITAL", material=..., digital={"type": "DISCOUNT_COUPONS"}),
        ("digital", "discount_coupons"),
        "is required when type is DISCOUNT_COUPONS",
        False,
    ),
    (
        "reward product type with sku",
        RewardCreate,
        reward(material={"type": "PRODUCT", "sku": {"product_id": "prod_1", "id": "sku_1"}}),
        ("material", "product"),
        "is required when type is PRODUCT",
        False,
    ),
    (
        "reward negative gift balance",
        RewardCreate,
        reward(type="DIGITAL", material=..., digital={"type": "GIFT_VOUCHERS", "gift_vouchers": {"campaign_id": "camp_1", "balance": -1}}),
        ("digital", "gift_vouchers", "balance"),
        "greater than or equal to 0",
        True,
    ),
    (
        "reward loyalty points 0",
        RewardCreate,
        reward(
            type="DIGITAL", material=..., digital={"type": "LOYALTY_CARD_POINTS", "loyalty_card_points": {"points": 0, "card_definition_id": CDEF}}
        ),
        ("digital", "loyalty_card_points", "points"),
        "greater than or equal to 1",
        True,
    ),
    (
        "reward cost tier_rules (A20)",
        RewardCreate,
        reward(costs=[{**COST, "tier_rules": {"type": "NO_REQUIREMENTS"}}]),
        ("costs", 0, "tier_rules"),
        "Extra inputs",
        True,
    ),
    (
        "reward cost rules with 10 rules",
        RewardCreate,
        cost_rules({"logic": "1", **{str(i): {"name": "customer.metadata"} for i in range(1, 11)}}),
        ("costs", 0, "rules"),
        "more than 10 properties",
        False,
    ),
    (
        "reward cost rule name from earning rules",
        RewardCreate,
        cost_rules({"logic": "1", "1": {"name": "order.amount"}}),
        ("costs", 0, "rules", "1", "name"),
        "'customer.segment'",
        True,
    ),
    (
        "reward cost rule empty conditions",
        RewardCreate,
        cost_rules({"logic": "1", "1": {"name": "customer.metadata", "conditions": {}}}),
        ("costs", 0, "rules", "1", "conditions"),
        "1 to 10 operators",
        True,
    ),
    (
        "reward cost rule schema_id",
        RewardCreate,
        cost_rules({"logic": "1", "1": {"schema_id": "ms_1"}}),
        ("costs", 0, "rules", "1", "schema_id"),
        "Extra inputs",
        True,
    ),
    ("reward status null", RewardCreate, reward(status=None), ("status",), "must not be null", True),
    ("reward refunds typo", RewardCreate, reward(refunds={"type": "REFUND"}), ("refunds", "type"), "'NONE'", True),
    # -- tier structure
    ("ts point balance missing", TierStructureCreate, ts(point_balance=None), ("point_balance",), "is required when type is POINT_BALANCE", True),
    (
        "ts point balance with point earned",
        TierStructureCreate,
        ts(point_earned={"card_definition_id": CDEF, "period": {"value": 1, "unit": "YEAR"}, "type": "IMMEDIATELY"}),
        ("point_earned",),
        "is not allowed when type is POINT_BALANCE",
        True,
    ),
    (
        "ts fixed duration missing",
        TierStructureCreate,
        ts(expiration={"type": "FIXED_DURATION"}),
        ("expiration", "fixed_duration"),
        "is required when type is FIXED_DURATION",
        True,
    ),
    (
        "ts no retention with sliding",
        TierStructureCreate,
        ts(expiration={"type": "NO_RETENTION", "sliding_expiration": {"period": None}}),
        ("expiration", "sliding_expiration"),
        "is not allowed when type is NO_RETENTION",
        True,
    ),
    (
        "ts sliding period key missing",
        TierStructureCreate,
        ts(expiration={"type": "SLIDING_EXPIRATION", "sliding_expiration": {"earning_activity": True}}),
        ("expiration", "sliding_expiration", "period"),
        "Field required",
        True,
    ),
    (
        "ts 11 activity types",
        TierStructureCreate,
        ts(expiration={"type": "SLIDING_EXPIRATION", "sliding_expiration": {"custom_activity_types": [str(i) for i in range(11)], "period": None}}),
        ("expiration", "sliding_expiration", "custom_activity_types"),
        "at most 10",
        True,
    ),
    (
        "ts no downgrade with grace period",
        TierStructureCreate,
        ts(downgrade={"type": "NO_DOWNGRADE", "grace_period": {"value": 1, "unit": "DAY"}}),
        ("downgrade", "grace_period"),
        "is not allowed when type is NO_DOWNGRADE",
        True,
    ),
    (
        "ts grace period in weeks",
        TierStructureCreate,
        ts(downgrade={"type": "SINGLE_LEVEL", "grace_period": {"value": 1, "unit": "WEEK"}}),
        ("downgrade", "grace_period", "unit"),
        "'DAY'",
        True,
    ),
    ("ts downgrade without type", TierStructureCreate, ts(downgrade={}), ("downgrade", "type"), "Field required", True),
]


@pytest.mark.parametrize(("model", "body", "loc", "message"), [pytest.param(*case[1:5], id=case[0]) for case in BAD_INPUT])
def test_given_bad_input_when_validated_then_it_is_rejected_at_the_right_place(
    model: type[BaseModel], body: dict[str, Any], loc: tuple[Any, ...], message: str
) -> None:
    # Given a body that breaks one rule; When it is validated
    error = rejection(model, body)
    # Then the first error points at the offending property with a clear message
    assert error["loc"] == loc, error
    assert message in error["msg"], error


@pytest.mark.parametrize(
    ("model", "body", "schema_refuses"),
    [pytest.param(case[1], case[2], case[5], id=case[0]) for case in BAD_INPUT],
)
def test_given_bad_input_when_checked_against_the_spec_schema_then_it_agrees_where_the_schema_encodes_the_rule(
    spec: dict[str, Any], model: type[BaseModel], body: dict[str, Any], schema_refuses: bool
) -> None:
    # Given a body our models refuse; When the spec's own request schema checks it
    name = {
        CardDefinitionCreate: "CardDefinitionCreateRequest",
        EarningRuleCreate: "EarningRuleCreateRequest",
        RewardCreate: "RewardCreateRequest",
        TierStructureCreate: "TierStructureCreateRequest",
    }[model]
    errors = schema_errors(spec, name, body)
    # Then the schema refuses it too, unless the rule is stated only in the spec's descriptions (if/then text, prose)
    assert bool(errors) == schema_refuses, errors


def test_given_a_cross_field_error_when_raised_then_its_loc_and_msg_make_the_api_details_sentence() -> None:
    # Given a card definition whose rolling expiration lacks its configuration
    error = rejection(CardDefinitionCreate, cdef(points_expiration={"type": "ROLLING_EXPIRATION"}))
    # Then "Property '<loc>' <msg>" (the error mapper's sentence) reads as the spec-style details
    details = f"Property '{'.'.join(str(p) for p in error['loc'])}' {error['msg']}"
    assert details == "Property 'points_expiration.rolling_expiration' is required when type is ROLLING_EXPIRATION"


def test_given_an_earning_sliding_expiration_without_custom_activity_when_validated_then_the_description_wins(
    spec: dict[str, Any],
) -> None:
    # Given an effect expiration that slides on spending only and leaves custom_activity out
    effect = {
        "type": "POINTS",
        "points": {
            "value": 5,
            "card_definition_id": CDEF,
            "points_expiration": {
                "type": "SLIDING_EXPIRATION",
                "sliding_expiration": {"spending_activity": True, "period": {"unit": "DAY", "value": 30}},
            },
        },
    }
    body = er_effect(effect)
    # Then the literal schema refuses it (its `if custom_activity const true` has no `required`, so it also fires when the
    # flag is absent), but the description only asks for custom_activity_types "when custom_activity is true": we accept it
    assert schema_errors(spec, "EarningRuleCreateRequest", body)
    built = earning_rule_object(EarningRuleCreate.model_validate(body))
    # And the stored effect spells every flag out, so the response conforms even to the literal schema
    assert built["earnings"][0]["effects"][0]["points"]["points_expiration"]["sliding_expiration"] == {
        "earning_activity": False,
        "spending_activity": True,
        "custom_activity": False,
        "custom_activity_types": [],
        "period": {"value": 30, "unit": "DAY"},
    }
    assert schema_errors(spec, "EarningRuleResponse", built) == []
