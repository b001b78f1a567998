"""The one code_config rule (loyalty.core.codes): v1 campaigns and v2 card definitions refuse exactly the same configs,
the code space must hold at least MIN_CODE_SPACE codes, and a stored config that can never give a usable code makes the
generator raise UnusableCodeConfig (not a retried error)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from loyalty.components.models import CardDefinitionCreate, card_definition_object
from loyalty.core.codes import MAX_CODE_LENGTH, MIN_CODE_SPACE, CodeShape, UnusableCodeConfig, generate_code, stored_shape
from loyalty.v1.models import CodeConfig as V1CodeConfig
from loyalty.v1.models import LoyaltyCampaignCreate

# (case, config, the property at fault (None: the config as a whole), words of the message)
BAD_CONFIGS: list[tuple[str, dict[str, Any], str | None, str]] = [
    ("3,000-character prefix", {"prefix": "P" * 3000}, "prefix", "at most 100 characters"),
    ("3,000-character postfix", {"postfix": "P" * 3000}, "postfix", "at most 100 characters"),
    ("one-character charset, length 1", {"charset": "a", "length": 1}, "charset", "at least 2 distinct characters"),
    ("one distinct character repeated", {"charset": "aaaa", "length": 30}, "charset", "at least 2 distinct characters"),
    ("empty charset", {"charset": ""}, "charset", "at least 1 character"),
    ("charset with a slash", {"charset": "0123456789/"}, "charset", "must not contain"),
    ("charset with a space", {"charset": "0123456789 "}, "charset", "must not contain"),
    ("charset with a percent", {"charset": "0123456789%"}, "charset", "must not contain"),
    ("charset with a question mark", {"charset": "0123456789?"}, "charset", "must not contain"),
    ("charset with a hash", {"charset": "0123456789#"}, "charset", "must not contain"),
    ("charset with a backslash", {"charset": "0123456789\\"}, "charset", "must not contain"),
    ("charset with a control character", {"charset": "0123456789\x00"}, "charset", "must not contain"),
    ("charset with a zero-width joiner", {"charset": "0123456789\u200d"}, "charset", "must not contain"),
    ("charset with a lone surrogate", {"charset": "0123456789\ud800"}, "charset", "valid string"),
    ("charset over 1,000 characters", {"charset": "ab" * 501}, "charset", "at most 1000 characters"),
    ("pattern without placeholders", {"pattern": "FIXED"}, "pattern", "at least one '#' placeholder"),
    ("empty pattern", {"pattern": ""}, "pattern", "at least 1 character"),
    ("pattern with a slash", {"pattern": "AB/########"}, "pattern", "must not contain"),
    ("pattern with a newline", {"pattern": "####\n####"}, "pattern", "must not contain"),
    ("pattern with a tab", {"pattern": "####\t####"}, "pattern", "must not contain"),
    ("pattern over 100 characters", {"pattern": "#" * 101}, "pattern", "at most 100 characters"),
    ("prefix with a question mark", {"prefix": "A?"}, "prefix", "must not contain"),
    ("prefix with a hash", {"prefix": "A#"}, "prefix", "must not contain"),
    ("postfix with a percent", {"postfix": "%20"}, "postfix", "must not contain"),
    ("length 0", {"length": 0}, "length", "greater than or equal to 1"),
    ("length 101", {"length": 101}, "length", "less than or equal to 100"),
    ("length as a string", {"length": "10"}, "length", ""),
    ("code over 100 characters", {"prefix": "P" * 60, "postfix": "S" * 40, "length": 8}, None, "at most 100"),
    ("space of 1 code", {"charset": "ab", "pattern": "L-#"}, None, "only 2 distinct codes"),
    ("space of 100,000 codes", {"charset": "0123456789", "length": 5}, None, "only 100,000 distinct codes"),
    ("space of 2**19 codes", {"charset": "01", "length": 19}, None, "at least 1,000,000"),
    ("space counted on distinct characters", {"charset": "0011223344556677889", "length": 5}, None, "only 100,000"),
]

# Configs at the edges that both versions accept.
GOOD_CONFIGS: list[tuple[str, dict[str, Any], int]] = [
    ("two characters, 20 placeholders", {"charset": "01", "length": 20}, 2**20),
    ("digits, 6 placeholders", {"charset": "0123456789", "pattern": "######"}, 10**6),
    ("a code of exactly 100 characters", {"prefix": "P" * 45, "pattern": "#" * 10, "postfix": "S" * 45}, 62**10),
    ("unicode letters", {"charset": "ąęółżźćńś", "length": 8, "prefix": "Ł-"}, 9**8),
    ("allowed punctuation", {"charset": "ab", "pattern": "X-####.####_####:####~####", "prefix": "+&="}, 2**20),
]


def v1_error(config: dict[str, Any]) -> dict[str, Any] | None:
    """The first error v1 gives a campaign with this code_config (None: accepted)."""
    body = {"name": "N", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}, "code_config": config}}
    return first_error(LoyaltyCampaignCreate, body)


def v2_error(config: dict[str, Any]) -> dict[str, Any] | None:
    """The first error v2 gives a card definition with this code_config (None: accepted)."""
    return first_error(CardDefinitionCreate, {"name": "N", "type": "INDIVIDUAL", "code_config": config})


def first_error(model: type[BaseModel], body: dict[str, Any]) -> dict[str, Any] | None:
    try:
        model.model_validate(body)
    except ValidationError as exc:
        return dict(exc.errors()[0])
    return None


@pytest.mark.parametrize(("config", "field", "words"), [pytest.param(*c[1:], id=c[0]) for c in BAD_CONFIGS])
def test_v1_and_v2_refuse_the_same_bad_configs_at_the_same_property(config: dict[str, Any], field: str | None, words: str) -> None:
    # Given a code_config that can never give a usable code (or too few codes); When v1 and v2 validate it
    v1, v2 = v1_error(config), v2_error(config)
    # Then both refuse it, at the property at fault (or at code_config as a whole), with the same clear words
    assert v1 is not None and v2 is not None
    where = ("code_config", field) if field else ("code_config",)
    assert v2["loc"][:len(where)] == where, v2
    assert v1["loc"][:len(where) + 1] == ("voucher", *where), v1
    assert words in v2["msg"] and words in v1["msg"], (v1, v2)
    if field is not None and field != "length":
        assert v1["msg"] == v2["msg"]


@pytest.mark.parametrize(("config", "space"), [pytest.param(*c[1:], id=c[0]) for c in GOOD_CONFIGS])
def test_edge_configs_are_accepted_by_both_and_give_codes_of_their_shape(config: dict[str, Any], space: int) -> None:
    assert v1_error(config) is None and v2_error(config) is None
    stored = card_definition_object(CardDefinitionCreate.model_validate({"name": "N", "type": "INDIVIDUAL", "code_config": config}))
    shape = stored_shape(stored["code_config"])
    assert shape.space == space >= MIN_CODE_SPACE
    code = generate_code(stored["code_config"])
    assert len(code) == shape.code_length <= MAX_CODE_LENGTH
    assert code.startswith(shape.prefix) and code.endswith(shape.postfix)
    body = code[len(shape.prefix):len(code) - len(shape.postfix)]
    assert all(c in shape.charset if p == "#" else c == p for c, p in zip(body, shape.pattern, strict=True))


def test_a_whole_float_length_is_v1_only() -> None:
    # v1's spec types `length` as a number (the SDKs send 8.0); v2's as an integer
    assert V1CodeConfig.model_validate({"length": 8.0, "charset": "0123456789"}).normalized()["pattern"] == "#" * 8
    assert v1_error({"length": 8.5}) is not None
    assert v2_error({"length": 8.0}) is not None


@pytest.mark.parametrize(("charset", "placeholders", "enough"), [
    ("01", 19, False), ("01", 20, True), ("0123456789", 5, False), ("0123456789", 6, True), ("abc", 12, False), ("abc", 13, True),
])
def test_the_code_space_is_distinct_characters_to_the_power_of_placeholders(charset: str, placeholders: int, enough: bool) -> None:
    shape = CodeShape.of(charset=charset, length=placeholders)
    assert shape.space == len(charset) ** placeholders
    if enough:
        assert shape.check() is shape
    else:
        with pytest.raises(UnusableCodeConfig, match="distinct codes") as refused:
            shape.check()
        assert refused.value.field == ""


# ---------------------------------------------------------------------------------------------- stored configs
@pytest.mark.parametrize(("config", "field"), [
    ({"charset": "a", "length": 1, "pattern": "#", "prefix": "", "postfix": ""}, "charset"),
    ({"prefix": "P" * 3000, "pattern": "##########", "charset": "0123456789"}, ""),
    ({"charset": "ab/", "pattern": "#" * 30}, "charset"),
    ({"pattern": "FIXED", "length": 5}, "pattern"),
    ({"pattern": "##", "length": 0}, "length"),
    ({"pattern": "AB/####"}, "pattern"),
    ({"charset": 5}, "charset"),
    ({"length": "10"}, "length"),
    ({"length": Decimal("1.5")}, "length"),
    ({"length": Decimal("5000")}, "length"),
    ({"length": True}, "length"),
])
def test_a_stored_config_that_can_never_give_a_code_raises_unusable(config: dict[str, Any], field: str) -> None:
    # Given a code_config stored before requests were checked (or damaged); When a code is generated
    with pytest.raises(UnusableCodeConfig) as unusable:
        generate_code(config)
    # Then the generator says, once and for good, which property is at fault
    assert unusable.value.field == field
    assert str(unusable.value).startswith("code_config")


def test_a_stored_config_with_a_small_space_still_gives_codes() -> None:
    # A config stored before the space rule keeps working while it has free codes (the worker gives up only when used up)
    assert re.fullmatch(r"L-[ab]", generate_code({"pattern": "L-#", "charset": "ab", "length": Decimal(1)}))
    assert stored_shape({"pattern": "L-#", "charset": "ab"}).space == 2


def test_stored_defaults_are_ten_alphanumerics_and_dynamodb_numbers_are_read() -> None:
    assert re.fullmatch(r"[0-9a-zA-Z]{10}", generate_code({}))
    assert re.fullmatch(r"MW-[0-9a-zA-Z]{8}", generate_code({"prefix": "MW-", "length": Decimal(8)}))
