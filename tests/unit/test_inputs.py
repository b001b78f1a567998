"""Unit tests of how bodies are read and checked before any handler: JSON reading (numbers, surrogates), media types,
the one metadata policy and where it applies, the wording of validation errors."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any, get_args

import pytest
from pydantic import BaseModel, ValidationError

import loyalty
from loyalty.api.app import _describe, read_json, reads_as_json
from loyalty.core.errors import LoyaltyError
from loyalty.core.fields import MAX_METADATA_BYTES, Metadata, Strict, lone_surrogate, metadata_problem, unstorable


@pytest.mark.parametrize("text", ['{"a": 1' + "0" * 1000 + "}", '{"a": 1e400}', '{"a": -1e400}', '{"a": NaN}', '{"a": Infinity}',
                                  '[-Infinity]', '{"a": 0.' + "0" * 1000 + "1}", '{"a": "\\ud800"}', '{"\\udfff": 1}',
                                  '{"a": ["\\uDBFF"]}', '"\\ud83d"'])
def test_read_json_refuses_what_cannot_be_taken(text: str) -> None:
    with pytest.raises(LoyaltyError) as err:
        read_json(text)
    assert (err.value.status, err.value.key) == (400, "invalid_payload")
    assert err.value.details.startswith(("Payload must", "Property '")) and "Error" not in err.value.details


@pytest.mark.parametrize(("text", "value"), [('{"a": 1' + "0" * 999 + "}", {"a": 10**999}), ('{"a": 1e308}', {"a": 1e308}),
                                             ('{"a": "\\ud83d\\ude00"}', {"a": "\U0001F600"}), ('"\\\\ud800"', "\\ud800"),
                                             ('{"a": -0.0, "b": [true, null]}', {"a": -0.0, "b": [True, None]})])
def test_read_json_takes_everything_else(text: str, value: Any) -> None:
    assert read_json(text) == value


@pytest.mark.parametrize(("media", "json"), [("", True), ("application/json", True), ("text/json", True), ("application/vnd.api+json", True),
                                             ("application/x-www-form-urlencoded", True), ("text/plain", False),
                                             ("application/xml", False), ("multipart/form-data", False), ("application/jsonx", False),
                                             ("application/json-seq", False)])
def test_media_types_read_as_json(media: str, json: bool) -> None:
    assert reads_as_json(media) is json


def test_unstorable_names_the_place_and_the_reason() -> None:
    assert unstorable({"a": [1, {"b": 1.5}], "c": "\U0001F600"}) is None
    assert unstorable({"a": [1, {"": 1}]}) == (("a", 1), "must not have an empty key")
    assert unstorable({"a": [1, {"b": float("nan")}]}) == (("a", 1, "b"), "must be a finite number, 0 or between 1e-130 and 9.99e125 in magnitude")
    assert unstorable({"a": 10**38}) == (("a",), f"must be an integer between -{10**38 - 1} and {10**38 - 1}")
    assert unstorable({"a": {"b": "x\ud800"}}) == (("a", "b"), "must be valid Unicode text (it holds a lone UTF-16 surrogate)")
    deep: Any = 1
    for _ in range(25):
        deep = [deep]
    assert unstorable(deep) == ((), "must not be nested more than 24 levels deep")
    assert unstorable(deep[0]) is None
    assert lone_surrogate("\udc00") and not lone_surrogate("\U0001F600") and not lone_surrogate("plain")


def test_the_metadata_policy() -> None:
    assert metadata_problem({"a": {"b": [1, 2.5, "x", None, True]}}) is None
    assert metadata_problem({"a": 2**53}) == (("a",), "must be an integer between -9007199254740991 and 9007199254740991")
    assert metadata_problem({"blob": "x" * MAX_METADATA_BYTES})[1].startswith("must not be larger than 32 KB")  # type: ignore[index]
    deep: dict[str, Any] = {}
    for _ in range(16):
        deep = {"a": deep}
    assert metadata_problem(deep) == ((), "must not be nested more than 16 levels deep")
    assert metadata_problem(deep["a"]) is None


def _models() -> list[type[BaseModel]]:
    for module in pkgutil.walk_packages(loyalty.__path__, "loyalty."):
        if module.name.endswith(".models"):
            importlib.import_module(module.name)
    found: list[type[BaseModel]] = []
    pending: list[type[BaseModel]] = [Strict]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def _parts(annotation: Any) -> list[Any]:
    """An annotation and everything it is made of (unions, Annotated, generics), flattened."""
    return [annotation, *(part for arg in get_args(annotation) for part in _parts(arg))]


def test_every_metadata_property_of_every_request_model_has_the_one_policy() -> None:
    checked = []
    for model in _models():
        for name, field in model.model_fields.items():
            parts = _parts(field.annotation)
            if name == "metadata" and not any(isinstance(p, type) and issubclass(p, BaseModel) for p in parts):
                assert Metadata in parts, f"{model.__qualname__}.metadata is free-form but not Metadata"
                checked.append(model.__qualname__)
    assert {"ProgramCreate", "MemberUpdate", "CustomerFields", "LoyaltyCampaignCreate", "MemberAdd"} <= set(checked), checked


def test_metadata_errors_name_the_property() -> None:
    from loyalty.programs.models import ProgramCreate
    with pytest.raises(ValidationError) as err:
        ProgramCreate.model_validate({"name": "p", "metadata": {"a": {"": 1}}})
    assert [(e["loc"], e["msg"]) for e in err.value.errors()] == [(("metadata", "a"), "must not have an empty key")]


@pytest.mark.parametrize(("error", "details"), [
    ({"type": "value_error", "loc": ("body", "name"), "msg": "Value error, must be a date"}, "Property 'name' must be a date"),
    ({"type": "assertion_error", "loc": ("body", "a"), "msg": "Assertion failed, nope"}, "Property 'a' nope"),
    ({"type": "string_too_long", "loc": ("body", "name"), "msg": "String should have at most 200 characters"},
     "Property 'name' string should have at most 200 characters"),
])
def test_describe_reads_as_a_sentence(error: dict[str, Any], details: str) -> None:
    assert _describe(error) == details
